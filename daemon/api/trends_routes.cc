#include "daemon/api/trends_routes.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <utility>

#include "daemon/api/trends_json.h"
#include "daemon/http/http_server.h"
#include "events/common/json_writer.h"

namespace slamon::daemon {
namespace {

using projections::Scorecard;
using projections::TrendDimension;
using projections::TrendFilter;

HttpResponse Reply(int status, std::string body) { return HttpResponse::Json(status, std::move(body)); }

HttpResponse ReplyError(int status, std::string_view error) {
  std::string body;
  events::JsonWriter(&body).BeginObject().Field("error", error).EndObject();
  return Reply(status, std::move(body));
}

// Parses the query of /api/v1/trends (or, without `filters`, of an owner or
// team route); returns an error message, or "" when the query is valid.
std::string ParseQuery(const HttpRequest& req, bool filters, TrendFilter* filter, int* weeks) {
  for (const auto& [key, value] : req.params) {
    if (req.params.count(key) > 1) return "query parameter '" + key + "' given more than once";
    if (value.empty()) return "query parameter '" + key + "' is empty";
    if (key == "weeks") {
      std::string error;
      const auto n = ParseWeeks(value, &error);
      if (!n) return error;
      *weeks = *n;
    } else if (filters && key == "tier") {
      filter->tier = value;
    } else if (filters && key == "account_owner") {
      filter->owner = value;
    } else if (filters && key == "team") {
      filter->team = value;
    } else {
      return "unknown query parameter '" + key + "' (expected " +
             (filters ? "tier, account_owner, team, weeks" : "weeks") + ")";
    }
  }
  return "";
}

void AccountJson(events::JsonWriter& w, const projections::AccountRecord& r) {
  w.BeginObject().Field("account", r.account_id).Field("tier", r.tier).Field("team", r.team);
  w.Field("level", projections::HealthLevelName(r.level)).Key("score");
  r.health_score ? w.Double(*r.health_score) : w.Null();
  w.Key("csat_90d");
  r.csat_90d ? w.Double(*r.csat_90d) : w.Null();
  w.Key("followup_overdue_days");
  r.value.followup_overdue_days ? w.Double(*r.value.followup_overdue_days) : w.Null();
  w.EndObject();
}

void Names(events::JsonWriter& w, std::string_view key, const std::vector<std::string>& names) {
  w.Key(key).BeginArray();
  for (const auto& n : names) w.String(n);
  w.EndArray();
}

const Scorecard* Find(const std::vector<Scorecard>& cards, const std::string& name) {
  auto it = std::find_if(cards.begin(), cards.end(), [&](const Scorecard& c) { return c.name == name; });
  return it == cards.end() ? nullptr : &*it;
}

// One owner's or team's answer; `by` says which, `name` is known and in `scope`.
HttpResponse ServeScorecard(const TrendsSource& source, const AccessScope& scope, TrendDimension by,
                            const std::string& name, int weeks) {
  const bool owner = by == TrendDimension::kOwner;
  TrendFilter filter;
  (owner ? filter.owner : filter.team) = name;
  ScopeTrendFilter(scope, &filter);  // cannot conflict: ScopeAllowsName held
  const projections::TrendSeries series = source.series(filter, weeks);
  if (series.weeks.empty()) return ReplyError(503, "data not available yet");
  const ApiData<Scorecard> cards = source.scorecards(by, filter, weeks);
  const Scorecard* card = Find(cards.items, name);
  Scorecard empty;
  empty.name = name;
  std::string body;
  events::JsonWriter w(&body);
  w.BeginObject().Field(owner ? "owner" : "team", name);
  w.Field("as_of", projections::FormatUtc(series.as_of)).Field("accounts_as_of", projections::FormatUtc(cards.as_of));
  w.Field("weeks", static_cast<int64_t>(series.weeks.size()));
  Names(w, owner ? "teams" : "owners", card ? card->related : std::vector<std::string>{});
  w.Key("scorecard").BeginObject();
  AppendScorecardFields(card ? *card : empty, w);
  w.EndObject();
  if (owner) {
    w.Key("accounts").BeginArray();
    for (const auto& a : source.accounts(filter).items) AccountJson(w, a);
    w.EndArray();
  } else {
    w.Key("owner_scorecards").BeginArray();
    for (const Scorecard& c : source.scorecards(TrendDimension::kOwner, filter, weeks).items) {
      w.BeginObject().Field("owner", c.name);
      AppendScorecardFields(c, w);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("trends");
  AppendTrendsJson(series, filter, w);
  w.EndObject();
  return Reply(200, std::move(body)).SetHeader("X-Slamon-As-Of", projections::FormatUtc(series.as_of));
}

// Runs `serve`, turning a missing callback or an exception into a 503.
template <typename Fn>
HttpResponse Guarded(const TrendsSource& source, Fn serve) {
  if (!source.series || !source.scorecards || !source.accounts || !source.known) {
    return ReplyError(503, "data not available yet");
  }
  try {
    return serve();
  } catch (const std::exception& e) {
    return ReplyError(503, std::string("data not available: ") + e.what());
  }
}

HttpResponse ServeNamed(const TrendsSource& source, TrendDimension by, std::string_view prefix,
                        const HttpRequest& req) {
  const std::string name = req.path.substr(prefix.size());
  TrendFilter unused;
  int weeks = projections::kDefaultTrendWeeks;
  if (std::string error = ParseQuery(req, false, &unused, &weeks); !error.empty()) return ReplyError(400, error);
  return Guarded(source, [&] {
    if (name.empty() || !source.known(by, name) || !ScopeAllowsName(source, req.scope, by, name, weeks)) {
      return ReplyError(
          404, std::string(by == TrendDimension::kOwner ? "unknown account owner '" : "unknown team '") + name + "'");
    }
    return ServeScorecard(source, req.scope, by, name, weeks);
  });
}

}  // namespace

bool ScopeTrendFilter(const AccessScope& scope, TrendFilter* filter) {
  std::optional<std::string>* field = nullptr;
  if (scope.kind() == AccessScope::Kind::kOwner) field = &filter->owner;
  if (scope.kind() == AccessScope::Kind::kTeam) field = &filter->team;
  if (field == nullptr) return true;
  if (*field && **field != scope.value()) return false;
  *field = scope.value();
  return true;
}

bool ScopeAllowsName(const TrendsSource& source, const AccessScope& scope, TrendDimension by, const std::string& name,
                     int weeks) {
  const bool owner_scope = scope.kind() == AccessScope::Kind::kOwner;
  if (!owner_scope && scope.kind() != AccessScope::Kind::kTeam) return scope.kind() == AccessScope::Kind::kAll;
  // The scope's own dimension: that one name only.
  if ((by == TrendDimension::kOwner) == owner_scope) return name == scope.value();
  // The other one: the names the scope's figures and accounts fall under.
  TrendFilter filter;
  ScopeTrendFilter(scope, &filter);
  for (const Scorecard& c : source.scorecards(by, filter, weeks).items) {
    if (c.name == name) return true;
  }
  return false;
}

std::optional<int> ParseWeeks(const std::string& value, std::string* error) {
  const bool digits = !value.empty() && value.size() <= 3 &&
                      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int n = digits ? std::stoi(value) : 0;
  if (n < 1 || n > projections::kMaxTrendWeeks) {
    *error =
        "weeks must be an integer from 1 to " + std::to_string(projections::kMaxTrendWeeks) + ", got '" + value + "'";
    return std::nullopt;
  }
  return n;
}

void RegisterTrendsRoutes(HttpServer& server, TrendsSource source) {
  auto shared = std::make_shared<const TrendsSource>(std::move(source));
  server.Get("/api/v1/trends", [shared](const HttpRequest& req) {
    TrendFilter filter;
    int weeks = projections::kDefaultTrendWeeks;
    if (std::string error = ParseQuery(req, true, &filter, &weeks); !error.empty()) return ReplyError(400, error);
    const bool visible = ScopeTrendFilter(req.scope, &filter);
    return Guarded(*shared, [&] {
      projections::TrendSeries series = shared->series(filter, weeks);
      if (series.weeks.empty()) return ReplyError(503, "data not available yet");
      // Another owner's (team's) series than the scope's: the weeks of one without data.
      if (!visible) {
        for (projections::TrendWeek& w : series.weeks) w.counts = {};
      }
      return Reply(200, TrendsJson(series, filter)).SetHeader("X-Slamon-As-Of", projections::FormatUtc(series.as_of));
    });
  });
  server.Get("/api/v1/owners/*", [shared](const HttpRequest& req) {
    return ServeNamed(*shared, TrendDimension::kOwner, "/api/v1/owners/", req);
  });
  server.Get("/api/v1/teams/*", [shared](const HttpRequest& req) {
    return ServeNamed(*shared, TrendDimension::kTeam, "/api/v1/teams/", req);
  });
}

}  // namespace slamon::daemon
