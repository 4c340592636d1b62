// Access levels over real HTTP on 127.0.0.1: every route for every scope
// (all, team:, owner:, metrics), 404 for an account outside the scope exactly
// as for an unknown one, 403 for a route outside the scope's kind, the
// failed-login rate limit, and a reload that rejects a bad scope and applies
// a changed one without a restart.
#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "daemon/api/api_routes.h"
#include "daemon/api/console.h"
#include "daemon/host/config_reload.h"
#include "daemon/http/http_server.h"
#include "daemon/http/web_config.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

using nlohmann::json;
using projections::AccountRecord;
using projections::HealthLevel;
using projections::RiskLevel;

// Python's crypt.crypt("s3cret", "$2b$04$abcdefghijklmnopqrstuu"): every user's password here.
constexpr const char* kHash = "$2b$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG";
constexpr const char* kPassword = "s3cret";
constexpr int64_t kAsOf = 1795000000;

AccountRecord Account(const std::string& id, const std::string& owner, const std::string& team, double overdue) {
  AccountRecord r;
  r.account_id = id;
  r.tier = "gold";
  r.owner = owner;
  r.team = team;
  r.health_score = 40;
  r.level = HealthLevel::kAtRisk;
  if (overdue > 0) r.value.followup_overdue_days = overdue;
  return r;
}

BreachItem Breach(const std::string& ticket, const std::string& account, const std::string& owner,
                  const std::string& team) {
  BreachItem b;
  b.ticket_id = ticket;
  b.account_id = account;
  b.account_owner = owner;
  b.account_team = team;
  b.tier = "gold";
  b.level = RiskLevel::kBreached;
  b.breach_at = kAsOf - 60;
  return b;
}

ApiDataProvider Provider() {
  ApiDataProvider p;
  p.accounts = [] {
    return ApiData<AccountRecord>{kAsOf,
                                  {Account("acme", "li", "emea", 3), Account("globex", "maria", "emea", 0),
                                   Account("initech", "ken", "apac", 5)}};
  };
  p.breaches = [] {
    return ApiData<BreachItem>{kAsOf,
                               {Breach("T-1", "acme", "li", "emea"), Breach("T-2", "globex", "maria", "emea"),
                                Breach("T-3", "initech", "ken", "apac")}};
  };
  return p;
}

std::shared_ptr<const WebConfig> Web(std::map<std::string, std::string> scopes) {
  auto web = std::make_shared<WebConfig>();
  for (const char* user : {"admin", "lead", "am", "prom"}) web->basic_auth_users[user] = kHash;
  web->scopes = std::move(scopes);
  return web;
}

struct Answer {
  int status = 0;
  std::string body;
  std::string retry_after;
};

class ScopedRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.web = Web({{"lead", "team:emea"}, {"am", "owner:li"}, {"prom", "metrics"}});
    server_ = std::make_unique<HttpServer>(settings, nullptr);
    RegisterApiRoutes(*server_, Provider());
    RegisterConsole(*server_, ConsoleSources{.sla = [] { return std::make_shared<const projections::SlaSnapshot>(); },
                                             .api = Provider(),
                                             .trends = {}});
    server_->Post("/-/reload", [](const HttpRequest&) { return HttpResponse::Json(200, "{}\n"); });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  Answer Call(const std::string& user, const std::string& path, const std::string& password = kPassword,
              bool post = false) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    if (!user.empty()) client.set_basic_auth(user, password);
    auto res = post ? client.Post(path, "", "text/plain") : client.Get(path);
    if (!res) {
      ADD_FAILURE() << "no response for " << path;
      return {};
    }
    return {res->status, res->body, res->get_header_value("Retry-After")};
  }
  // The values of `key` in the JSON list at `path`, as `user` sees it.
  std::set<std::string> Ids(const std::string& user, const std::string& path, const std::string& key) {
    const Answer a = Call(user, path);
    EXPECT_EQ(a.status, 200) << user << " " << path << ": " << a.body;
    std::set<std::string> out;
    if (a.status != 200) return out;
    for (const auto& item : json::parse(a.body)) out.insert(item.at(key).get<std::string>());
    return out;
  }

  std::unique_ptr<HttpServer> server_;
};

using Set = std::set<std::string>;

TEST_F(ScopedRoutesTest, EachScopeSeesExactlyItsAccountsOnEveryList) {
  struct Row {
    std::string user;
    Set tickets, at_risk, followup_owners;
  };
  for (const Row& r : {Row{"admin", {"T-1", "T-2", "T-3"}, {"acme", "globex", "initech"}, {"li", "ken"}},
                       Row{"lead", {"T-1", "T-2"}, {"acme", "globex"}, {"li"}}, Row{"am", {"T-1"}, {"acme"}, {"li"}}}) {
    SCOPED_TRACE(r.user);
    EXPECT_EQ(Ids(r.user, "/api/v1/breaches", "ticket_id"), r.tickets);
    EXPECT_EQ(Ids(r.user, "/api/v1/accounts/at-risk", "account"), r.at_risk);
    EXPECT_EQ(Ids(r.user, "/api/v1/accounts/followup-overdue", "account_owner"), r.followup_owners);
    // A filter naming someone else's owner finds nothing rather than an error.
    EXPECT_EQ(Ids(r.user, "/api/v1/breaches?account_owner=ken", "ticket_id"), r.user == "admin" ? Set{"T-3"} : Set{});
  }
}

TEST_F(ScopedRoutesTest, AnAccountOutsideTheScopeIsA404LikeAnUnknownOne) {
  const Answer unknown = Call("admin", "/api/v1/accounts/initeck");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "{\"error\":\"unknown account 'initeck'\"}");
  struct Row {
    std::string user;
    Set visible;
  };
  for (const Row& r :
       {Row{"admin", {"acme", "globex", "initech"}}, Row{"lead", {"acme", "globex"}}, Row{"am", {"acme"}}}) {
    for (const std::string id : {"acme", "globex", "initech"}) {
      SCOPED_TRACE(r.user + " " + id);
      const Answer a = Call(r.user, "/api/v1/accounts/" + id);
      if (r.visible.contains(id)) {
        EXPECT_EQ(a.status, 200);
        EXPECT_EQ(json::parse(a.body).at("account"), id);
      } else {
        EXPECT_EQ(a.status, 404);
        EXPECT_EQ(a.body, "{\"error\":\"unknown account '" + id + "'\"}");
      }
    }
  }
}

TEST_F(ScopedRoutesTest, TheConsoleShowsOnlyTheScopesAccounts) {
  struct Row {
    std::string user;
    Set shown, hidden;
  };
  for (const Row& r : {Row{"admin", {"acme", "globex", "initech", "SLA by tier"}, {}},
                       Row{"lead", {"acme", "globex", "T-2"}, {"initech", "T-3", "SLA by tier"}},
                       Row{"am", {"acme", "T-1"}, {"globex", "initech", "T-2", "T-3", "SLA by tier"}}}) {
    SCOPED_TRACE(r.user);
    const Answer a = Call(r.user, "/");
    ASSERT_EQ(a.status, 200);
    for (const auto& s : r.shown) EXPECT_NE(a.body.find(s), std::string::npos) << s;
    for (const auto& s : r.hidden) EXPECT_EQ(a.body.find(s), std::string::npos) << s;
  }
}

TEST_F(ScopedRoutesTest, EveryRouteAnswersEveryScope) {
  // 403: a route outside the scope's kind; /healthz needs no user at all.
  const std::vector<std::string> users = {"admin", "lead", "am", "prom"};
  struct Row {
    std::string path;
    bool post;
    std::vector<int> statuses;  // per user, in `users` order
  };
  const std::vector<Row> rows = {
      {"/", false, {200, 200, 200, 403}},
      {"/api/v1/breaches", false, {200, 200, 200, 403}},
      {"/api/v1/accounts/at-risk", false, {200, 200, 200, 403}},
      {"/api/v1/accounts/followup-overdue", false, {200, 200, 200, 403}},
      {"/api/v1/accounts/acme", false, {200, 200, 200, 403}},
      {"/api/v1/accounts/initech", false, {200, 404, 404, 403}},
      {"/metrics", false, {200, 403, 403, 200}},
      {"/readyz", false, {200, 200, 200, 200}},
      {"/healthz", false, {200, 200, 200, 200}},
      {"/-/reload", true, {200, 403, 403, 403}},
      {"/no/such/page", false, {404, 404, 404, 404}},
  };
  for (const Row& row : rows) {
    for (size_t i = 0; i < users.size(); ++i) {
      EXPECT_EQ(Call(users[i], row.path, kPassword, row.post).status, row.statuses[i]) << users[i] << " " << row.path;
    }
  }
  EXPECT_EQ(Call("", "/healthz").status, 200);
  EXPECT_EQ(Call("", "/metrics").status, 401);
  EXPECT_EQ(Call("prom", "/", "wrong").status, 401);  // 401 before 403: a scope is only known after the password
  const Answer denied = Call("prom", "/api/v1/breaches");
  EXPECT_EQ(denied.body, "{\"error\":\"the scope metrics does not include /api/v1/breaches\"}\n");
}

TEST_F(ScopedRoutesTest, FailedLoginsAreRateLimitedPerAddressAndUser) {
  for (int i = 0; i < LoginThrottle::kFreeFailures + 1; ++i) EXPECT_EQ(Call("am", "/", "guess").status, 401) << i;
  // Locked: even the right password is refused until the lock ends.
  const Answer locked = Call("am", "/");
  EXPECT_EQ(locked.status, 429);
  EXPECT_GE(std::stoi(locked.retry_after.empty() ? "0" : locked.retry_after), 1);
  EXPECT_LE(std::stoi(locked.retry_after.empty() ? "0" : locked.retry_after), 30);
  // Another user from the same address is never refused because of them.
  EXPECT_EQ(Call("lead", "/").status, 200);
  EXPECT_EQ(Call("lead", "/", "typo").status, 401);
  EXPECT_EQ(Call("lead", "/").status, 200);
}

TEST(ScopedReloadTest, ABadScopeFailsTheReloadAndAGoodOneAppliesLive) {
  testing::TempDir dir;
  const std::string web_file = dir.Sub("web.yml");
  const std::string config_file = dir.Sub("slamon.yaml");
  auto write_web = [&](const std::string& scopes) {
    std::ofstream(web_file) << "basic_auth_users:\n  admin: " << kHash << "\n  am: " << kHash << "\n" << scopes;
  };
  write_web("scopes:\n  am: owner:li\n");
  std::ofstream(config_file) << "kafka: {brokers: 127.0.0.1:9092, topics: [t]}\nstore: {path: " << dir.Sub("store")
                             << "}\nhttp: {web_config_file: " << web_file
                             << "}\npolicies:\n  - name: std\n    targets: {first_response: 4h}\n";
  DaemonConfig cfg = LoadDaemonConfig(config_file);
  LoadWebConfigInto(&cfg);
  cfg.http.listen = "127.0.0.1:0";
  HttpServer server(cfg.http, nullptr);
  RegisterApiRoutes(server, Provider());
  ASSERT_TRUE(server.Start().ok());
  prometheus::Registry registry;
  ConfigReloader reloader(config_file, {}, cfg, nullptr, nullptr, registry);
  reloader.set_on_web_config([&server](std::shared_ptr<const WebConfig> web) { server.SetWebConfig(std::move(web)); });
  auto at_risk = [&](const std::string& user) {
    httplib::Client client("127.0.0.1", server.port());
    client.set_basic_auth(user, kPassword);
    auto res = client.Get("/api/v1/accounts/at-risk");
    Set out;
    if (!res || res->status != 200) return Set{"status " + std::to_string(res ? res->status : 0)};
    for (const auto& item : json::parse(res->body)) out.insert(item.at("account").get<std::string>());
    return out;
  };
  EXPECT_EQ(at_risk("am"), Set{"acme"});

  write_web("scopes:\n  am: owner:maria\n  bob: team:emea\n");
  ReloadResult bad = reloader.Reload();
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.error, web_file + ":6: scopes.bob: is not a user of basic_auth_users");
  EXPECT_EQ(at_risk("am"), Set{"acme"});  // nothing changed

  write_web("scopes:\n  am: owner:maria\n");
  ReloadResult good = reloader.Reload();
  ASSERT_TRUE(good.ok) << good.error;
  EXPECT_NE(std::find(good.changes.live.begin(), good.changes.live.end(), "web config: basic_auth_users, scopes"),
            good.changes.live.end());
  EXPECT_EQ(at_risk("am"), Set{"globex"});
  EXPECT_EQ(at_risk("admin"), (Set{"acme", "globex", "initech"}));
  server.Stop();
}

}  // namespace
}  // namespace slamon::daemon
