#include "daemon/api_routes.h"

#include <httplib.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>

namespace slamon::daemon {
namespace {

using nlohmann::json;
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
std::string ParseFilters(const httplib::Request& req, Filters* f) {
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

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), kJson);
}

json Time(const std::optional<int64_t>& t) { return t ? json(projections::FormatUtc(*t)) : json(nullptr); }
json Number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json AccountJson(const AccountRecord& r) {
  json signals = nullptr;
  if (r.signals) {
    signals = json::object();
    for (int i = 0; i < projections::kHealthSignalCount; ++i) {
      const auto s = static_cast<HealthSignal>(i);
      signals[std::string(projections::HealthSignalName(s))] = (*r.signals)[s];
    }
  }
  json top = json::array();
  for (HealthSignal s : r.top_signals) top.push_back(std::string(projections::HealthSignalName(s)));
  return json{{"account", r.account_id},
              {"tier", r.tier},
              {"owner", r.owner},
              {"score", Number(r.health_score)},
              {"level", std::string(projections::HealthLevelName(r.level))},
              {"signals", signals},
              {"top_signals", top},
              {"renewal_soon", r.renewal_soon},
              {"csat_30d", Number(r.csat_30d)}};
}

json BreachJson(const BreachItem& b) {
  return json{{"ticket_id", b.ticket_id},
              {"account_id", b.account_id},
              {"tier", b.tier},
              {"account_owner", b.account_owner},
              {"priority", std::string(projections::PriorityName(b.priority))},
              {"metric", std::string(projections::MetricName(b.metric))},
              {"cycle", b.cycle},
              {"level", std::string(projections::RiskLevelName(b.level))},
              {"breach_at", Time(b.breach_at)},
              {"due_at", Time(b.due_at)},
              {"start", projections::FormatUtc(b.start)},
              {"elapsed_seconds", b.elapsed_seconds},
              {"target_seconds", b.target_seconds}};
}

// Runs `fetch` and answers with the filtered items, or the error.
template <typename Item, typename Fetch, typename Keep, typename ToJson>
void Serve(const httplib::Request& req, httplib::Response& res, const Fetch& fetch, const Keep& keep,
           const ToJson& to_json) {
  Filters filters;
  if (std::string error = ParseFilters(req, &filters); !error.empty()) return Reply(res, 400, json{{"error", error}});
  if (!fetch) return Reply(res, 503, json{{"error", "data not available yet"}});
  ApiData<Item> data;
  try {
    data = fetch();
  } catch (const std::exception& e) {
    return Reply(res, 503, json{{"error", std::string("data not available: ") + e.what()}});
  }
  json out = json::array();
  for (const Item& item : data.items) {
    if (out.size() >= filters.limit) break;
    if (keep(item, filters)) out.push_back(to_json(item));
  }
  res.set_header("X-Slamon-As-Of", projections::FormatUtc(data.as_of));
  Reply(res, 200, out);
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
                             r.target_seconds});
  }
  auto key = [](const BreachItem& b) {
    const bool breached = b.level == projections::RiskLevel::kBreached;
    const int64_t when = breached ? b.breach_at.value_or(INT64_MAX) : b.due_at.value_or(INT64_MAX);
    return std::make_tuple(!breached, when, std::string_view(b.ticket_id), b.metric, b.cycle);
  };
  std::sort(out.begin(), out.end(), [&](const BreachItem& a, const BreachItem& b) { return key(a) < key(b); });
  return out;
}

void RegisterApiRoutes(httplib::Server& server, ApiDataProvider provider) {
  auto shared = std::make_shared<const ApiDataProvider>(std::move(provider));
  server.Get("/api/v1/breaches", [shared](const httplib::Request& req, httplib::Response& res) {
    Serve<BreachItem>(
        req, res, shared->breaches,
        [](const BreachItem& b, const Filters& f) {
          return (!f.tier || b.tier == *f.tier) && (!f.account_owner || b.account_owner == *f.account_owner);
        },
        BreachJson);
  });
  server.Get("/api/v1/accounts/at-risk", [shared](const httplib::Request& req, httplib::Response& res) {
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
    Serve<AccountRecord>(
        req, res, fetch_if_set,
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
