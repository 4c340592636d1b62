#include "daemon/api_routes.h"

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include "daemon/http_server.h"
#include "events/json_writer.h"

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

void AccountJson(events::JsonWriter& w, const AccountRecord& r) {
  w.BeginObject().Field("account", r.account_id).Field("tier", r.tier).Field("owner", r.owner);
  Number(w, "score", r.health_score);
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
  w.EndArray().Field("renewal_soon", r.renewal_soon);
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
    if (!keep(item, filters)) continue;
    to_json(w, item);
    ++written;
  }
  w.EndArray();
  return Reply(200, std::move(body)).SetHeader("X-Slamon-As-Of", projections::FormatUtc(data.as_of));
}

// --- Key-account card and follow-up routes ---------------------------------

json ValueJson(const projections::ValueRecord& v) {
  json others = json::object();
  for (const auto& c : v.other_currencies) {
    others[c.currency] = {
        {"lifetime_value", c.lifetime_value}, {"value_12m", c.value_12m}, {"orders_12m", c.orders_12m}};
  }
  return json{{"lifetime_value", v.lifetime_value}, {"value_12m", v.value_12m}, {"other_currencies", others}};
}

json RfmJson(const projections::ValueRecord& v) {
  return json{{"recency_days", Number(v.recency_days)},
              {"frequency", v.orders_12m},
              {"monetary", v.value_12m},
              {"r", v.r_score ? json(*v.r_score) : json(nullptr)},
              {"f", v.f_score},
              {"m", v.m_score}};
}

json Days(const std::optional<int64_t>& seconds) {
  return seconds ? json(static_cast<double>(*seconds) / projections::kDaySeconds) : json(nullptr);
}

json SlaJson(const projections::SlaRecord& r) {
  return json{{"ticket_id", r.ticket_id},
              {"metric", std::string(projections::MetricName(r.metric))},
              {"cycle", r.cycle},
              {"policy", r.policy},
              {"priority", std::string(projections::PriorityName(r.priority))},
              {"state", std::string(projections::InstanceStateName(r.state))},
              {"level", std::string(projections::RiskLevelName(r.level))},
              {"start", projections::FormatUtc(r.start)},
              {"elapsed_seconds", r.elapsed_seconds},
              {"target_seconds", r.target_seconds},
              {"breach_at", Time(r.breach_at)},
              {"due_at", Time(r.due_at)}};
}

json CardJson(const AccountRecord& r, const std::vector<projections::SlaRecord>& slas) {
  json health = AccountJson(r);
  json open = json::array();
  for (const auto& s : slas) open.push_back(SlaJson(s));
  const auto& v = r.value;
  return json{{"account", r.account_id},
              {"tier", r.tier},
              {"owner", r.owner},
              {"churned", r.churned},
              {"value", ValueJson(v)},
              {"rfm", RfmJson(v)},
              {"health",
               {{"score", health.at("score")},
                {"level", health.at("level")},
                {"signals", health.at("signals")},
                {"top_signals", health.at("top_signals")},
                {"renewal_soon", r.renewal_soon}}},
              {"csat",
               {{"csat_30d", Number(r.csat_30d)},
                {"csat_90d", Number(r.csat_90d)},
                {"mean_30d", Number(v.csat_30d.Mean())},
                {"mean_90d", Number(v.csat_90d.Mean())}}},
              {"nps_90d", Number(v.nps_90d.Score())},
              {"followup",
               {{"cadence_days", Days(v.cadence_seconds)},
                {"last_touch", Time(v.followup_reference)},
                {"overdue_days", Number(v.followup_overdue_days)}}},
              {"open_slas", open}};
}

void ServeFollowupOverdue(const ApiDataProvider& provider, const httplib::Request& req, httplib::Response& res) {
  Filters filters;
  if (std::string error = ParseFilters(req, &filters); !error.empty()) return Reply(res, 400, json{{"error", error}});
  if (!provider.accounts) return Reply(res, 503, json{{"error", "data not available yet"}});
  ApiData<AccountRecord> data;
  try {
    data = provider.accounts();
  } catch (const std::exception& e) {
    return Reply(res, 503, json{{"error", std::string("data not available: ") + e.what()}});
  }
  std::map<std::string, std::vector<const AccountRecord*>> by_owner;
  for (const AccountRecord& r : data.items) {
    if (!r.value.followup_overdue_days || !(*r.value.followup_overdue_days > 0)) continue;
    if ((filters.tier && r.tier != *filters.tier) || (filters.account_owner && r.owner != *filters.account_owner)) {
      continue;
    }
    by_owner[r.owner].push_back(&r);
  }
  json out = json::array();
  for (auto& [owner, list] : by_owner) {
    if (out.size() >= filters.limit) break;
    std::sort(list.begin(), list.end(), [](const AccountRecord* a, const AccountRecord* b) {
      return std::make_tuple(-*a->value.followup_overdue_days, std::string_view(a->account_id)) <
             std::make_tuple(-*b->value.followup_overdue_days, std::string_view(b->account_id));
    });
    json accounts = json::array();
    for (const AccountRecord* r : list) {
      accounts.push_back({{"account", r->account_id},
                          {"tier", r->tier},
                          {"overdue_days", *r->value.followup_overdue_days},
                          {"cadence_days", Days(r->value.cadence_seconds)},
                          {"last_touch", Time(r->value.followup_reference)}});
    }
    out.push_back({{"account_owner", owner}, {"count", list.size()}, {"accounts", accounts}});
  }
  res.set_header("X-Slamon-As-Of", projections::FormatUtc(data.as_of));
  Reply(res, 200, out);
}

void ServeAccountCard(const ApiDataProvider& provider, const std::string& id, const httplib::Request& req,
                      httplib::Response& res) {
  if (!req.params.empty()) return Reply(res, 400, json{{"error", "this route takes no query parameters"}});
  if (!provider.accounts) return Reply(res, 503, json{{"error", "data not available yet"}});
  try {
    ApiData<AccountRecord> data = provider.accounts();
    auto it =
        std::find_if(data.items.begin(), data.items.end(), [&](const AccountRecord& r) { return r.account_id == id; });
    if (it == data.items.end()) return Reply(res, 404, json{{"error", "unknown account '" + id + "'"}});
    std::vector<projections::SlaRecord> slas;
    if (provider.account_slas) slas = provider.account_slas(id);
    res.set_header("X-Slamon-As-Of", projections::FormatUtc(data.as_of));
    Reply(res, 200, CardJson(*it, slas));
  } catch (const std::exception& e) {
    Reply(res, 503, json{{"error", std::string("data not available: ") + e.what()}});
  }
}

}  // namespace

std::vector<BreachItem> CollectBreaches(const std::vector<projections::SlaRecord>& records,
                                        const std::function<std::string(std::string_view)>& owner_of) {
  std::vector<BreachItem> out;
  for (const projections::SlaRecord& r : records) {
    if (r.state == projections::InstanceState::kStopped || r.level == projections::RiskLevel::kOk) continue;
    out.push_back(BreachItem{r.ticket_id, r.account_id, r.tier, owner_of ? owner_of(r.account_id) : std::string(),
                             r.priority, r.metric, r.cycle, r.level, r.breach_at, r.due_at, r.start, r.elapsed_seconds,
                             r.target_seconds, r.group, r.escalation, r.escalated_at});
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
  // Registered after at-risk: httplib tries routes in order, and the card's
  // pattern would also match /api/v1/accounts/at-risk.
  server.Get("/api/v1/accounts/followup-overdue", [shared](const httplib::Request& req, httplib::Response& res) {
    ServeFollowupOverdue(*shared, req, res);
  });
  server.Get(R"(/api/v1/accounts/([^/]+))", [shared](const httplib::Request& req, httplib::Response& res) {
    ServeAccountCard(*shared, req.matches[1].str(), req, res);
  });
}

}  // namespace slamon::daemon
