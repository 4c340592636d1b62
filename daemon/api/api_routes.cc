#include "daemon/api/api_routes.h"

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include "daemon/http/http_server.h"
#include "events/common/json_writer.h"

namespace slamon::daemon {
namespace {

using projections::AccountRecord;
using projections::HealthSignal;

constexpr size_t kMaxLimit = 10000;
constexpr const char* kJson = "application/json";

struct Filters {
  std::optional<std::string> tier;
  std::optional<std::string> account_owner;
  size_t limit = SIZE_MAX;
};

// Parses the query; returns an error message, or "" when the query is valid.
std::string ParseFilters(const HttpRequest& req, Filters* f) {
  for (const auto& [key, value] : req.params) {
    if (req.params.count(key) > 1) return "query parameter '" + key + "' given more than once";
    if (value.empty()) return "query parameter '" + key + "' is empty";
    if (key == "tier") {
      f->tier = value;
    } else if (key == "account_owner") {
      f->account_owner = value;
    } else if (key == "limit") {
      const bool digits =
          value.size() <= 5 && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      const size_t n = digits ? std::stoul(value) : 0;
      if (n < 1 || n > kMaxLimit) return "limit must be an integer from 1 to 10000, got '" + value + "'";
      f->limit = n;
    } else {
      return "unknown query parameter '" + key + "' (expected tier, account_owner, limit)";
    }
  }
  return "";
}

HttpResponse Reply(int status, std::string body) { return HttpResponse{status, kJson, std::move(body), {}}; }

HttpResponse ReplyError(int status, std::string_view error) {
  std::string body;
  events::JsonWriter(&body).BeginObject().Field("error", error).EndObject();
  return Reply(status, std::move(body));
}

void Time(events::JsonWriter& w, std::string_view key, const std::optional<int64_t>& t) {
  w.Key(key);
  if (t) {
    w.String(projections::FormatUtc(*t));
  } else {
    w.Null();
  }
}

void Number(events::JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.Key(key);
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

// "level", "signals" and "top_signals" of a health record, shared by the
// at-risk list and the account card.
void SignalsJson(events::JsonWriter& w, const AccountRecord& r) {
  w.Field("level", projections::HealthLevelName(r.level)).Key("signals");
  if (r.signals) {
    w.BeginObject();
    for (int i = 0; i < projections::kHealthSignalCount; ++i) {
      const auto s = static_cast<HealthSignal>(i);
      w.Key(projections::HealthSignalName(s)).Double((*r.signals)[s]);
    }
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("top_signals").BeginArray();
  for (HealthSignal s : r.top_signals) w.String(projections::HealthSignalName(s));
  w.EndArray();
}

void AccountJson(events::JsonWriter& w, const AccountRecord& r) {
  w.BeginObject().Field("account", r.account_id).Field("tier", r.tier).Field("owner", r.owner);
  Number(w, "score", r.health_score);
  SignalsJson(w, r);
  w.Field("renewal_soon", r.renewal_soon);
  Number(w, "csat_30d", r.csat_30d);
  w.EndObject();
}

void BreachJson(events::JsonWriter& w, const BreachItem& b) {
  w.BeginObject()
      .Field("ticket_id", b.ticket_id)
      .Field("account_id", b.account_id)
      .Field("tier", b.tier)
      .Field("account_owner", b.account_owner)
      .Field("priority", projections::PriorityName(b.priority))
      .Field("metric", projections::MetricName(b.metric))
      .Field("cycle", int64_t{b.cycle})
      .Field("level", projections::RiskLevelName(b.level));
  Time(w, "breach_at", b.breach_at);
  Time(w, "due_at", b.due_at);
  w.Field("start", projections::FormatUtc(b.start))
      .Field("elapsed_seconds", int64_t{b.elapsed_seconds})
      .Field("target_seconds", int64_t{b.target_seconds})
      .Key("group");
  if (b.group.empty()) {
    w.Null();
  } else {
    w.String(b.group);
  }
  w.Key("escalation");
  if (b.escalation) {
    w.String(*b.escalation);
  } else {
    w.Null();
  }
  Time(w, "escalated_at", b.escalated_at);
  w.EndObject();
}

// Runs `fetch` and answers with the filtered items, or the error.
template <typename Item, typename Fetch, typename Keep, typename ToJson>
HttpResponse Serve(const HttpRequest& req, const Fetch& fetch, const Keep& keep, const ToJson& to_json) {
  Filters filters;
  if (std::string error = ParseFilters(req, &filters); !error.empty()) return ReplyError(400, error);
  if (!fetch) return ReplyError(503, "data not available yet");
  ApiData<Item> data;
  try {
    data = fetch();
  } catch (const std::exception& e) {
    return ReplyError(503, std::string("data not available: ") + e.what());
  }
  std::string body;
  events::JsonWriter w(&body);
  w.BeginArray();
  size_t written = 0;
  for (const Item& item : data.items) {
    if (written >= filters.limit) break;
    if (!keep(item, filters) || !InScope(req.scope, item)) continue;
    to_json(w, item);
    ++written;
  }
  w.EndArray();
  return Reply(200, std::move(body)).SetHeader("X-Slamon-As-Of", projections::FormatUtc(data.as_of));
}

// --- Key-account card and follow-up routes ---------------------------------

void Days(events::JsonWriter& w, std::string_view key, const std::optional<int64_t>& seconds) {
  Number(w, key,
         seconds ? std::optional<double>(static_cast<double>(*seconds) / projections::kDaySeconds) : std::nullopt);
}

void ValueJson(events::JsonWriter& w, const projections::ValueRecord& v) {
  w.BeginObject().Field("lifetime_value", v.lifetime_value).Field("value_12m", v.value_12m);
  w.Key("other_currencies").BeginObject();
  for (const auto& c : v.other_currencies) {
    w.Key(c.currency)
        .BeginObject()
        .Field("lifetime_value", c.lifetime_value)
        .Field("value_12m", c.value_12m)
        .Field("orders_12m", int64_t{c.orders_12m})
        .EndObject();
  }
  w.EndObject().EndObject();
}

void RfmJson(events::JsonWriter& w, const projections::ValueRecord& v) {
  w.BeginObject();
  Number(w, "recency_days", v.recency_days);
  w.Field("frequency", int64_t{v.orders_12m}).Field("monetary", v.value_12m).Key("r");
  if (v.r_score) {
    w.Int(*v.r_score);
  } else {
    w.Null();
  }
  w.Field("f", int64_t{v.f_score}).Field("m", int64_t{v.m_score}).EndObject();
}

void OptionalString(events::JsonWriter& w, std::string_view key, const std::optional<std::string>& v) {
  w.Key(key);
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

void SlaJson(events::JsonWriter& w, const projections::SlaRecord& r) {
  w.BeginObject()
      .Field("ticket_id", r.ticket_id)
      .Field("metric", projections::MetricName(r.metric))
      .Field("cycle", int64_t{r.cycle})
      .Field("policy", r.policy)
      .Field("priority", projections::PriorityName(r.priority))
      .Field("state", projections::InstanceStateName(r.state))
      .Field("level", projections::RiskLevelName(r.level))
      .Field("start", projections::FormatUtc(r.start))
      .Field("elapsed_seconds", int64_t{r.elapsed_seconds})
      .Field("target_seconds", int64_t{r.target_seconds});
  Time(w, "breach_at", r.breach_at);
  Time(w, "due_at", r.due_at);
  OptionalString(w, "group",
                 r.metric == projections::Metric::kAssignment ? std::optional<std::string>(r.group) : std::nullopt);
  OptionalString(w, "escalation", r.escalation);
  Time(w, "escalated_at", r.escalated_at);
  w.EndObject();
}

std::string CardJson(const AccountRecord& r, const std::vector<projections::SlaRecord>& slas) {
  const auto& v = r.value;
  std::string body;
  events::JsonWriter w(&body);
  w.BeginObject().Field("account", r.account_id).Field("tier", r.tier).Field("owner", r.owner);
  w.Field("churned", r.churned).Key("value");
  ValueJson(w, v);
  w.Key("rfm");
  RfmJson(w, v);
  w.Key("health").BeginObject();
  Number(w, "score", r.health_score);
  SignalsJson(w, r);
  w.Field("renewal_soon", r.renewal_soon).EndObject();
  w.Key("csat").BeginObject();
  Number(w, "csat_30d", r.csat_30d);
  Number(w, "csat_90d", r.csat_90d);
  Number(w, "mean_30d", v.csat_30d.Mean());
  Number(w, "mean_90d", v.csat_90d.Mean());
  w.EndObject();
  Number(w, "nps_90d", v.nps_90d.Score());
  w.Key("followup").BeginObject();
  Days(w, "cadence_days", v.cadence_seconds);
  Time(w, "last_touch", v.followup_reference);
  Number(w, "overdue_days", v.followup_overdue_days);
  w.EndObject().Key("open_slas").BeginArray();
  for (const auto& s : slas) SlaJson(w, s);
  w.EndArray().EndObject();
  return body;
}

HttpResponse ServeFollowupOverdue(const ApiDataProvider& provider, const HttpRequest& req) {
  Filters filters;
  if (std::string error = ParseFilters(req, &filters); !error.empty()) return ReplyError(400, error);
  if (!provider.accounts) return ReplyError(503, "data not available yet");
  ApiData<AccountRecord> data;
  try {
    data = provider.accounts();
  } catch (const std::exception& e) {
    return ReplyError(503, std::string("data not available: ") + e.what());
  }
  std::map<std::string, std::vector<const AccountRecord*>> by_owner;
  for (const AccountRecord& r : data.items) {
    if (!r.value.followup_overdue_days || !(*r.value.followup_overdue_days > 0) || !InScope(req.scope, r)) continue;
    if ((filters.tier && r.tier != *filters.tier) || (filters.account_owner && r.owner != *filters.account_owner)) {
      continue;
    }
    by_owner[r.owner].push_back(&r);
  }
  std::string body;
  events::JsonWriter w(&body);
  w.BeginArray();
  size_t written = 0;
  for (auto& [owner, list] : by_owner) {
    if (written >= filters.limit) break;
    ++written;
    std::sort(list.begin(), list.end(), [](const AccountRecord* a, const AccountRecord* b) {
      return std::make_tuple(-*a->value.followup_overdue_days, std::string_view(a->account_id)) <
             std::make_tuple(-*b->value.followup_overdue_days, std::string_view(b->account_id));
    });
    w.BeginObject().Field("account_owner", owner).Field("count", static_cast<int64_t>(list.size()));
    w.Key("accounts").BeginArray();
    for (const AccountRecord* r : list) {
      w.BeginObject().Field("account", r->account_id).Field("tier", r->tier);
      w.Field("overdue_days", *r->value.followup_overdue_days);
      Days(w, "cadence_days", r->value.cadence_seconds);
      Time(w, "last_touch", r->value.followup_reference);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  return Reply(200, std::move(body)).SetHeader("X-Slamon-As-Of", projections::FormatUtc(data.as_of));
}

HttpResponse ServeAccountCard(const ApiDataProvider& provider, const std::string& id, const HttpRequest& req) {
  if (!req.params.empty()) return ReplyError(400, "this route takes no query parameters");
  if (!provider.accounts) return ReplyError(503, "data not available yet");
  try {
    ApiData<AccountRecord> data = provider.accounts();
    auto it =
        std::find_if(data.items.begin(), data.items.end(), [&](const AccountRecord& r) { return r.account_id == id; });
    // Out of scope answers exactly like unknown: a scope cannot tell which ids exist.
    if (it == data.items.end() || !InScope(req.scope, *it)) return ReplyError(404, "unknown account '" + id + "'");
    std::vector<projections::SlaRecord> slas;
    if (provider.account_slas) slas = provider.account_slas(id);
    return Reply(200, CardJson(*it, slas)).SetHeader("X-Slamon-As-Of", projections::FormatUtc(data.as_of));
  } catch (const std::exception& e) {
    return ReplyError(503, std::string("data not available: ") + e.what());
  }
}

}  // namespace

bool InScope(const AccessScope& scope, const AccountRecord& account) {
  return scope.AllowsAccount(account.owner, account.team);
}

bool InScope(const AccessScope& scope, const BreachItem& item) {
  return scope.AllowsAccount(item.account_owner, item.account_team);
}

std::vector<BreachItem> CollectBreaches(const std::vector<projections::SlaRecord>& records,
                                        const std::function<std::string(std::string_view)>& owner_of,
                                        const std::function<std::string(std::string_view)>& team_of) {
  std::vector<BreachItem> out;
  for (const projections::SlaRecord& r : records) {
    if (r.state == projections::InstanceState::kStopped || r.level == projections::RiskLevel::kOk) continue;
    out.push_back(BreachItem{r.ticket_id, r.account_id, r.tier, owner_of ? owner_of(r.account_id) : std::string(),
                             r.priority, r.metric, r.cycle, r.level, r.breach_at, r.due_at, r.start, r.elapsed_seconds,
                             r.target_seconds, r.group, r.escalation, r.escalated_at,
                             team_of ? team_of(r.account_id) : std::string()});
  }
  auto key = [](const BreachItem& b) {
    const bool breached = b.level == projections::RiskLevel::kBreached;
    const int64_t when = breached ? b.breach_at.value_or(INT64_MAX) : b.due_at.value_or(INT64_MAX);
    return std::make_tuple(!breached, when, std::string_view(b.ticket_id), b.metric, b.cycle);
  };
  std::sort(out.begin(), out.end(), [&](const BreachItem& a, const BreachItem& b) { return key(a) < key(b); });
  return out;
}

void RegisterApiRoutes(HttpServer& server, ApiDataProvider provider) {
  auto shared = std::make_shared<const ApiDataProvider>(std::move(provider));
  server.Get("/api/v1/breaches", [shared](const HttpRequest& req) {
    return Serve<BreachItem>(
        req, shared->breaches,
        [](const BreachItem& b, const Filters& f) {
          return (!f.tier || b.tier == *f.tier) && (!f.account_owner || b.account_owner == *f.account_owner);
        },
        BreachJson);
  });
  server.Get("/api/v1/accounts/at-risk", [shared](const HttpRequest& req) {
    // Sorting a copy here keeps the provider free to return records in any order.
    auto fetch = [&]() {
      ApiData<AccountRecord> data = shared->accounts();
      std::vector<AccountRecord>& records = data.items;
      std::erase_if(records, [](const AccountRecord& r) { return r.level != projections::HealthLevel::kAtRisk; });
      std::sort(records.begin(), records.end(), [](const AccountRecord& a, const AccountRecord& b) {
        // value_or: an at_risk record always has a score, but a provider bug must not be UB here.
        return std::make_tuple(a.health_score.value_or(0), std::string_view(a.account_id)) <
               std::make_tuple(b.health_score.value_or(0), std::string_view(b.account_id));
      });
      return data;
    };
    std::function<ApiData<AccountRecord>()> fetch_if_set;
    if (shared->accounts) fetch_if_set = fetch;
    return Serve<AccountRecord>(
        req, fetch_if_set,
        [](const AccountRecord& r, const Filters& f) {
          return (!f.tier || r.tier == *f.tier) && (!f.account_owner || r.owner == *f.account_owner);
        },
        AccountJson);
  });
  // An exact route wins over the prefix route, so at-risk and
  // followup-overdue are never taken for account ids.
  server.Get("/api/v1/accounts/followup-overdue",
             [shared](const HttpRequest& req) { return ServeFollowupOverdue(*shared, req); });
  server.Get("/api/v1/accounts/*", [shared](const HttpRequest& req) {
    constexpr std::string_view kPrefix = "/api/v1/accounts/";
    const std::string id = req.path.substr(kPrefix.size());
    if (id.empty() || id.find('/') != std::string::npos) return ReplyError(404, "no such route");
    return ServeAccountCard(*shared, id, req);
  });
}

}  // namespace slamon::daemon
