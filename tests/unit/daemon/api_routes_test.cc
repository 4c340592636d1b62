// The JSON API over real HTTP on 127.0.0.1 (an ephemeral port).
#include "daemon/api/api_routes.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "daemon/http/http_server.h"

namespace slamon::daemon {
namespace {

using nlohmann::json;
using projections::AccountRecord;
using projections::HealthLevel;
using projections::HealthSignal;
using projections::RiskLevel;

AccountRecord Account(const std::string& id, const std::string& tier, const std::string& owner,
                      std::optional<double> score, HealthLevel level) {
  AccountRecord r;
  r.account_id = id;
  r.tier = tier;
  r.owner = owner;
  r.health_score = score;
  r.level = level;
  if (score) {
    r.signals = projections::HealthSignals{{75, 100, 0, 100}};
    r.top_signals = {HealthSignal::kSilence, HealthSignal::kCsat};
  }
  r.churned = level == HealthLevel::kChurned;
  return r;
}

BreachItem Breach(const std::string& ticket, const std::string& tier, const std::string& owner, RiskLevel level,
                  int64_t when) {
  BreachItem b;
  b.ticket_id = ticket;
  b.account_id = "acct-" + ticket;
  b.tier = tier;
  b.account_owner = owner;
  b.level = level;
  (level == RiskLevel::kBreached ? b.breach_at : b.due_at) = when;
  b.start = when - 3600;
  b.elapsed_seconds = 3000;
  b.target_seconds = 3600;
  return b;
}

class ApiRoutesTest : public ::testing::Test {
 protected:
  void Start(ApiDataProvider provider) {
    HttpSettings settings;
    settings.listen = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(settings, nullptr);
    RegisterApiRoutes(*server_, std::move(provider));
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // GET `path`: status and parsed body (checks the JSON content type).
  std::pair<int, json> Get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    auto res = client.Get(path.c_str());
    if (!res) throw std::runtime_error("no response for " + path);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
    return {res->status, json::parse(res->body)};
  }
  static constexpr int64_t kAccountsAsOf = 1795000000;  // 2026-11-18T11:06:40Z
  static constexpr int64_t kBreachesAsOf = 1795000123;
  // GET `path`: the X-Slamon-As-Of header of the response ("" when absent).
  std::string AsOfHeader(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get(path.c_str());
    if (!res) throw std::runtime_error("no response for " + path);
    return res->get_header_value("X-Slamon-As-Of");
  }
  static ApiDataProvider Fixture() {
    ApiDataProvider p;
    p.accounts = [] {
      return ApiData<AccountRecord>{kAccountsAsOf,
                                    {
                                        Account("zeta", "A", "li", 30, HealthLevel::kAtRisk),
                                        Account("alpha", "B", "li", 45, HealthLevel::kAtRisk),
                                        Account("beta", "A", "maria", 45, HealthLevel::kAtRisk),
                                        Account("gamma", "A", "li", 55, HealthLevel::kWatch),
                                        Account("delta", "A", "li", 90, HealthLevel::kHealthy),
                                        Account("omega", "A", "li", {}, HealthLevel::kChurned),
                                    }};
    };
    p.breaches = [] {
      return ApiData<BreachItem>{
          kBreachesAsOf,
          {Breach("T-1", "A", "li", RiskLevel::kBreached, 1000), Breach("T-2", "B", "maria", RiskLevel::kWarning, 2000),
           Breach("T-3", "A", "maria", RiskLevel::kBreached, 1500)}};
    };
    return p;
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

std::vector<std::string> Field(const json& list, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.at(key).get<std::string>());
  return out;
}

using Ids = std::vector<std::string>;

TEST_F(ApiRoutesTest, AtRiskListsOnlyAtRiskLowestScoreFirst) {
  Start(Fixture());
  auto [status, body] = Get("/api/v1/accounts/at-risk");
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(body.is_array());
  EXPECT_EQ(Field(body, "account"), (Ids{"zeta", "alpha", "beta"}));  // 45 ties by account
  const json& z = body[0];
  EXPECT_EQ(z.at("tier"), "A");
  EXPECT_EQ(z.at("owner"), "li");
  EXPECT_EQ(z.at("score"), 30);
  EXPECT_EQ(z.at("level"), "at_risk");
  EXPECT_EQ(z.at("signals"), (json{{"csat", 75}, {"sla", 100}, {"silence", 0}, {"reopen", 100}, {"engagement", 0}}));
  EXPECT_EQ(z.at("top_signals"), (json{"silence", "csat"}));
  EXPECT_EQ(z.at("renewal_soon"), false);
  EXPECT_TRUE(z.at("csat_30d").is_null());
}

TEST_F(ApiRoutesTest, AtRiskFilters) {
  Start(Fixture());
  EXPECT_EQ(Field(Get("/api/v1/accounts/at-risk?tier=A").second, "account"), (Ids{"zeta", "beta"}));
  EXPECT_EQ(Field(Get("/api/v1/accounts/at-risk?account_owner=li").second, "account"), (Ids{"zeta", "alpha"}));
  EXPECT_EQ(Field(Get("/api/v1/accounts/at-risk?tier=A&account_owner=li").second, "account"), (Ids{"zeta"}));
  EXPECT_EQ(Field(Get("/api/v1/accounts/at-risk?limit=2").second, "account"), (Ids{"zeta", "alpha"}));
  EXPECT_EQ(Field(Get("/api/v1/accounts/at-risk?tier=A&limit=1").second, "account"), (Ids{"zeta"}));
  EXPECT_EQ(Get("/api/v1/accounts/at-risk?tier=Z").second, json::array());
  EXPECT_EQ(Get("/api/v1/accounts/at-risk?limit=10000").second.size(), 3u);
}

TEST_F(ApiRoutesTest, Breaches) {
  Start(Fixture());
  auto [status, body] = Get("/api/v1/breaches");
  ASSERT_EQ(status, 200);
  ASSERT_EQ(body.size(), 3u);
  const json& b = body[0];
  EXPECT_EQ(b.at("ticket_id"), "T-1");
  EXPECT_EQ(b.at("account_id"), "acct-T-1");
  EXPECT_EQ(b.at("account_owner"), "li");
  EXPECT_EQ(b.at("metric"), "first_response");
  EXPECT_EQ(b.at("level"), "breached");
  EXPECT_EQ(b.at("breach_at"), "1970-01-01T00:16:40Z");
  EXPECT_TRUE(b.at("due_at").is_null());
  EXPECT_EQ(b.at("start"), "1969-12-31T23:16:40Z");
  EXPECT_EQ(b.at("elapsed_seconds"), 3000);
  EXPECT_EQ(b.at("target_seconds"), 3600);
  EXPECT_EQ(body[1].at("due_at"), "1970-01-01T00:33:20Z");
  // Not a department instance and not escalated: null, not missing.
  EXPECT_TRUE(b.at("group").is_null());
  EXPECT_TRUE(b.at("escalation").is_null());
  EXPECT_TRUE(b.at("escalated_at").is_null());
  EXPECT_EQ(Field(Get("/api/v1/breaches?tier=A").second, "ticket_id"), (Ids{"T-1", "T-3"}));
  EXPECT_EQ(Field(Get("/api/v1/breaches?account_owner=maria").second, "ticket_id"), (Ids{"T-2", "T-3"}));
  EXPECT_EQ(Field(Get("/api/v1/breaches?account_owner=maria&tier=B").second, "ticket_id"), (Ids{"T-2"}));
  EXPECT_EQ(Field(Get("/api/v1/breaches?limit=1").second, "ticket_id"), (Ids{"T-1"}));
}

TEST_F(ApiRoutesTest, AsOfHeaderNamesTheInstantDescribed) {
  Start(Fixture());
  EXPECT_EQ(AsOfHeader("/api/v1/accounts/at-risk"), "2026-11-18T11:06:40Z");
  EXPECT_EQ(AsOfHeader("/api/v1/accounts/at-risk?tier=Z"), "2026-11-18T11:06:40Z");
  EXPECT_EQ(AsOfHeader("/api/v1/breaches"), "2026-11-18T11:08:43Z");
  EXPECT_EQ(AsOfHeader("/api/v1/breaches?limit=0"), "");  // errors describe no instant
}

TEST_F(ApiRoutesTest, BadQueriesAre400) {
  Start(Fixture());
  for (const char* path :
       {"/api/v1/breaches?limit=0", "/api/v1/breaches?limit=10001", "/api/v1/breaches?limit=-1",
        "/api/v1/breaches?limit=abc", "/api/v1/breaches?limit=1.5", "/api/v1/breaches?limit=",
        "/api/v1/breaches?limit=99999999999999999999", "/api/v1/breaches?owner=li", "/api/v1/breaches?tier=A&tier=B",
        "/api/v1/breaches?tier=", "/api/v1/accounts/at-risk?level=watch", "/api/v1/accounts/at-risk?limit=0"}) {
    auto [status, body] = Get(path);
    EXPECT_EQ(status, 400) << path;
    ASSERT_TRUE(body.contains("error")) << path;
    EXPECT_TRUE(body.at("error").is_string()) << path;
  }
  EXPECT_NE(Get("/api/v1/breaches?owner=li").second.at("error").get<std::string>().find("owner"), std::string::npos);
}

TEST_F(ApiRoutesTest, MissingOrFailingProviderIs503) {
  ApiDataProvider p;
  p.breaches = []() -> ApiData<BreachItem> { throw std::runtime_error("replay in progress"); };
  Start(std::move(p));
  auto [status, body] = Get("/api/v1/breaches");
  EXPECT_EQ(status, 503);
  EXPECT_NE(body.at("error").get<std::string>().find("replay in progress"), std::string::npos);
  EXPECT_EQ(Get("/api/v1/accounts/at-risk").first, 503);
}

TEST(CollectBreachesTest, RunningWarningAndBreachedOnlySorted) {
  auto rec = [](const std::string& ticket, projections::InstanceState state, RiskLevel level,
                std::optional<int64_t> breach_at, std::optional<int64_t> due_at) {
    projections::SlaRecord r;
    r.ticket_id = ticket;
    r.account_id = "acme";
    r.tier = "A";
    r.state = state;
    r.level = level;
    r.breached = level == RiskLevel::kBreached;
    r.breach_at = breach_at;
    r.due_at = due_at;
    return r;
  };
  using projections::InstanceState;
  const std::vector<projections::SlaRecord> records = {
      rec("T-1", InstanceState::kActive, RiskLevel::kOk, std::nullopt, 100),
      rec("T-2", InstanceState::kStopped, RiskLevel::kBreached, 50, std::nullopt),  // stopped: not running
      rec("T-3", InstanceState::kActive, RiskLevel::kWarning, std::nullopt, 300),
      rec("T-4", InstanceState::kPaused, RiskLevel::kWarning, std::nullopt, std::nullopt),
      rec("T-5", InstanceState::kActive, RiskLevel::kBreached, 200, std::nullopt),
      rec("T-6", InstanceState::kPaused, RiskLevel::kBreached, 100, std::nullopt),
  };
  const auto items = CollectBreaches(records, [](std::string_view a) { return "owner-of-" + std::string(a); });
  std::vector<std::string> ids;
  for (const auto& b : items) ids.push_back(b.ticket_id);
  EXPECT_EQ(ids, (Ids{"T-6", "T-5", "T-3", "T-4"}));
  EXPECT_EQ(items[0].account_owner, "owner-of-acme");
}

TEST_F(ApiRoutesTest, BreachesCarryGroupAndEscalation) {
  projections::SlaRecord r;
  r.ticket_id = "X-5";
  r.account_id = "acme";
  r.tier = "A";
  r.metric = projections::Metric::kAssignment;
  r.group = "tech";
  r.state = projections::InstanceState::kActive;
  r.level = RiskLevel::kBreached;
  r.breached = true;
  r.breach_at = 1000;
  r.escalation = "team_lead";
  r.escalated_at = 8200;
  const auto items = CollectBreaches({r}, nullptr);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].group, "tech");
  EXPECT_EQ(items[0].escalation.value_or(""), "team_lead");
  ApiDataProvider provider;
  provider.breaches = [items] { return ApiData<BreachItem>{9000, items}; };
  Start(std::move(provider));
  auto [status, body] = Get("/api/v1/breaches");
  ASSERT_EQ(status, 200);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0].at("metric"), "assignment");
  EXPECT_EQ(body[0].at("group"), "tech");
  EXPECT_EQ(body[0].at("escalation"), "team_lead");
  EXPECT_EQ(body[0].at("escalated_at"), "1970-01-01T02:16:40Z");
}

}  // namespace
}  // namespace slamon::daemon

namespace slamon::daemon {
namespace {

// Accounts with value and follow-up data for the card and follow-up routes.
ApiDataProvider ValueFixture() {
  ApiDataProvider p;
  p.accounts = [] {
    auto with = [](AccountRecord r, std::optional<double> overdue, int64_t cadence_days) {
      r.value.followup_overdue_days = overdue;
      r.value.cadence_seconds = cadence_days * 86400;
      r.value.followup_reference = 1790000000;
      return r;
    };
    AccountRecord acme = with(Account("acme", "A", "li", 80, HealthLevel::kHealthy), 6.5, 14);
    acme.value.lifetime_value = 120000;
    acme.value.value_12m = 60000;
    acme.value.orders_12m = 4;
    acme.value.recency_days = 12.5;
    acme.value.r_score = 5;
    acme.value.f_score = 3;
    acme.value.m_score = 3;
    acme.value.other_currencies = {{"USD", 300, 100, 1}};
    acme.value.nps_90d = {4, 2, 1};
    acme.value.csat_30d = {2, 9};
    return ApiData<AccountRecord>{1795000000,
                                  {acme, with(Account("brio", "B", "li", 70, HealthLevel::kHealthy), 20, 30),
                                   with(Account("cora", "A", "li", 70, HealthLevel::kHealthy), 0, 14),
                                   with(Account("dune", "C", "maria", 70, HealthLevel::kHealthy), 1, 90)}};
  };
  p.account_slas = [](std::string_view account) {
    std::vector<projections::SlaRecord> out;
    if (account == "acme") {
      projections::SlaRecord r;
      r.ticket_id = "T-9";
      r.account_id = "acme";
      r.metric = projections::Metric::kResolution;
      r.start = 1794990000;
      r.elapsed_seconds = 600;
      r.target_seconds = 28800;
      r.due_at = 1795028200;
      out.push_back(r);
    }
    return out;
  };
  return p;
}

TEST_F(ApiRoutesTest, AccountCardHasValueRfmHealthNpsAndOpenSlas) {
  Start(ValueFixture());
  auto [status, card] = Get("/api/v1/accounts/acme");
  ASSERT_EQ(status, 200) << card;
  EXPECT_EQ(card.at("account"), "acme");
  EXPECT_EQ(card.at("tier"), "A");
  EXPECT_EQ(card.at("owner"), "li");
  EXPECT_EQ(
      card.at("value"),
      (json{{"lifetime_value", 120000.0},
            {"value_12m", 60000.0},
            {"other_currencies", {{"USD", {{"lifetime_value", 300.0}, {"value_12m", 100.0}, {"orders_12m", 1}}}}}}));
  EXPECT_EQ(card.at("rfm"),
            (json{{"recency_days", 12.5}, {"frequency", 4}, {"monetary", 60000.0}, {"r", 5}, {"f", 3}, {"m", 3}}));
  EXPECT_EQ(card.at("health").at("score"), 80);
  EXPECT_EQ(card.at("health").at("signals").at("engagement"), 0);
  EXPECT_EQ(card.at("nps_90d"), 25);  // (2 − 1) / 4
  EXPECT_EQ(card.at("csat").at("mean_30d"), 4.5);
  EXPECT_EQ(card.at("followup").at("cadence_days"), 14);
  EXPECT_EQ(card.at("followup").at("overdue_days"), 6.5);
  ASSERT_EQ(card.at("open_slas").size(), 1u);
  EXPECT_EQ(card.at("open_slas")[0].at("metric"), "resolution");
  EXPECT_EQ(card.at("open_slas")[0].at("due_at"), projections::FormatUtc(1795028200));
  EXPECT_EQ(AsOfHeader("/api/v1/accounts/acme"), projections::FormatUtc(1795000000));
}

TEST_F(ApiRoutesTest, UnknownAccountIs404WithJsonError) {
  Start(ValueFixture());
  auto [status, body] = Get("/api/v1/accounts/nope");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body.at("error"), "unknown account 'nope'");
  // at-risk still reaches its own route, not the card.
  EXPECT_EQ(Get("/api/v1/accounts/at-risk").first, 200);
}

TEST_F(ApiRoutesTest, FollowupOverdueGroupsPerOwnerMostOverdueFirst) {
  Start(ValueFixture());
  auto [status, body] = Get("/api/v1/accounts/followup-overdue");
  ASSERT_EQ(status, 200) << body;
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0].at("account_owner"), "li");
  EXPECT_EQ(body[0].at("count"), 2);  // cora is not overdue
  EXPECT_EQ(body[0].at("accounts")[0].at("account"), "brio");
  EXPECT_EQ(body[0].at("accounts")[0].at("overdue_days"), 20);
  EXPECT_EQ(body[0].at("accounts")[1].at("account"), "acme");
  EXPECT_EQ(body[1].at("account_owner"), "maria");
  auto filtered = Get("/api/v1/accounts/followup-overdue?tier=C").second;
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].at("accounts")[0].at("account"), "dune");
  EXPECT_EQ(Get("/api/v1/accounts/followup-overdue?bogus=1").first, 400);
}

}  // namespace
}  // namespace slamon::daemon
