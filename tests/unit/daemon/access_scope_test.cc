// Access levels without a network: parsing scopes, which scope may call
// which kind of route, which accounts a scope sees, the failed-login rate
// limit, the web config's `scopes` (accepted, and rejected with file, line,
// field and reason), and the console built for a scope.
#include "daemon/config/access_scope.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "daemon/api/console.h"
#include "daemon/config/config_error.h"
#include "daemon/http/access_control.h"
#include "daemon/http/login_throttle.h"
#include "daemon/http/web_config.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using Kind = AccessScope::Kind;

// `htpasswd -nbBC 4`-style hash of "s3cret" (Python's crypt, "$2b$").
constexpr const char* kHash = "$2b$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG";

AccessScope Parsed(const std::string& text) {
  std::string why;
  auto s = AccessScope::Parse(text, &why);
  EXPECT_TRUE(s.has_value()) << text << ": " << why;
  return s.value_or(AccessScope::Metrics());
}

std::string ParseError(const std::string& text) {
  std::string why;
  EXPECT_FALSE(AccessScope::Parse(text, &why).has_value()) << text;
  return why;
}

TEST(AccessScopeTest, ParsesTheFourKindsAndPrintsThemBack) {
  EXPECT_EQ(Parsed("all").kind(), Kind::kAll);
  EXPECT_EQ(Parsed("metrics").kind(), Kind::kMetrics);
  EXPECT_EQ(Parsed("team:emea"), AccessScope::Team("emea"));
  EXPECT_EQ(Parsed("owner:li.wei"), AccessScope::Owner("li.wei"));
  // Everything after the first colon is the id, colons included.
  EXPECT_EQ(Parsed("owner:crm:42").value(), "crm:42");
  for (const std::string text : {"all", "metrics", "team:emea", "owner:li.wei"}) {
    EXPECT_EQ(Parsed(text).ToString(), text);
  }
  EXPECT_EQ(AccessScope(), Parsed("all"));  // a user without an entry
}

TEST(AccessScopeTest, RejectsWhatIsNoScope) {
  EXPECT_NE(ParseError("everything").find("is not a scope (all, team:<team>, owner:<owner id> or metrics)"),
            std::string::npos);
  EXPECT_NE(ParseError("team:").find("names no team"), std::string::npos);
  EXPECT_NE(ParseError("owner:").find("names no owner"), std::string::npos);
  EXPECT_NE(ParseError("team: emea").find("starts or ends with a space"), std::string::npos);
  EXPECT_NE(ParseError("All").find("is not a scope"), std::string::npos);  // case matters, as in ids
  EXPECT_NE(ParseError("").find("is not a scope"), std::string::npos);
}

TEST(AccessScopeTest, AllowsAccountsByOwnerOrTeam) {
  const AccessScope all;
  const AccessScope team = AccessScope::Team("emea");
  const AccessScope owner = AccessScope::Owner("li");
  const AccessScope metrics = AccessScope::Metrics();
  EXPECT_TRUE(all.AllowsAccount("li", "emea"));
  EXPECT_TRUE(all.AllowsAccount("", ""));
  EXPECT_TRUE(team.AllowsAccount("maria", "emea"));
  EXPECT_FALSE(team.AllowsAccount("li", "apac"));
  EXPECT_FALSE(team.AllowsAccount("li", ""));  // an account without a team belongs to no team scope
  EXPECT_TRUE(owner.AllowsAccount("li", "apac"));
  EXPECT_FALSE(owner.AllowsAccount("maria", "emea"));
  EXPECT_FALSE(owner.AllowsAccount("", "emea"));
  EXPECT_FALSE(owner.AllowsAccount("li.wei", ""));  // exact, not a prefix
  EXPECT_FALSE(metrics.AllowsAccount("li", "emea"));
}

TEST(AccessScopeTest, RouteKindsPerScope) {
  struct Row {
    AccessScope scope;
    bool metrics, data, admin;
  };
  for (const Row& r :
       {Row{AccessScope(), true, true, true}, Row{AccessScope::Team("t"), false, true, false},
        Row{AccessScope::Owner("o"), false, true, false}, Row{AccessScope::Metrics(), true, false, false}}) {
    SCOPED_TRACE(r.scope.ToString());
    EXPECT_TRUE(ScopePermits(r.scope, RouteAccess::kOpen));
    EXPECT_TRUE(ScopePermits(r.scope, RouteAccess::kAnyUser));
    EXPECT_EQ(ScopePermits(r.scope, RouteAccess::kMetrics), r.metrics);
    EXPECT_EQ(ScopePermits(r.scope, RouteAccess::kAccountData), r.data);
    EXPECT_EQ(ScopePermits(r.scope, RouteAccess::kAdmin), r.admin);
  }
}

TEST(LoginThrottleTest, LocksAPairAfterFiveFailuresAndDoublesTheLock) {
  LoginThrottle t;
  const auto t0 = LoginThrottle::Clock::time_point{} + 1000h;
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) {
    EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0), 0) << i;
    t.Failed("10.0.0.1", "li", t0);
  }
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0), 0);  // five wrong passwords are free
  t.Failed("10.0.0.1", "li", t0);
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0), 30);
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0 + 29500ms), 1);  // rounded up, never 0 while locked
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0 + 30s), 0);
  t.Failed("10.0.0.1", "li", t0 + 30s);
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0 + 30s), 60);
  // Never longer than the cap, however many failures.
  for (int i = 0; i < 40; ++i) t.Failed("10.0.0.1", "li", t0 + 31s);
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0 + 31s), 900);
}

TEST(LoginThrottleTest, OtherUsersAndAddressesAreUnaffectedAndSuccessForgets) {
  LoginThrottle t;
  const auto t0 = LoginThrottle::Clock::time_point{} + 1000h;
  for (int i = 0; i < 10; ++i) t.Failed("10.0.0.1", "li", t0);
  EXPECT_GT(t.RetryAfter("10.0.0.1", "li", t0), 0);
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "maria", t0), 0);  // the same office, another user
  EXPECT_EQ(t.RetryAfter("10.0.0.2", "li", t0), 0);     // the same user, elsewhere
  t.Succeeded("10.0.0.1", "li");
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0), 0);
  EXPECT_EQ(t.size(), 0u);
}

TEST(LoginThrottleTest, QuietPairsAreForgottenAndTheTableIsBounded) {
  LoginThrottle t;
  const auto t0 = LoginThrottle::Clock::time_point{} + 1000h;
  for (int i = 0; i < 4; ++i) t.Failed("10.0.0.1", "li", t0);
  // A quarter of an hour later the four old failures no longer count.
  t.Failed("10.0.0.1", "li", t0 + LoginThrottle::kMaxLock);
  t.Failed("10.0.0.1", "li", t0 + LoginThrottle::kMaxLock);
  EXPECT_EQ(t.RetryAfter("10.0.0.1", "li", t0 + LoginThrottle::kMaxLock), 0);
  for (size_t i = 0; i < LoginThrottle::kMaxEntries + 100; ++i) t.Failed("10.0.0.9", "u" + std::to_string(i), t0);
  EXPECT_LE(t.size(), LoginThrottle::kMaxEntries);
}

class WebScopesTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const std::string path = dir_.Sub("web.yml");
    std::ofstream(path) << text;
    return path;
  }
  std::string ErrorOf(const std::string& text) {
    try {
      LoadWebConfig(Write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  std::string Users() const {
    return std::string("basic_auth_users:\n  admin: ") + kHash + "\n  li: " + kHash + "\n  prom: " + kHash + "\n";
  }
  testing::TempDir dir_;
};

TEST_F(WebScopesTest, ReadsScopesBesideTheUsers) {
  const WebConfig c = LoadWebConfig(Write(Users() + "scopes:\n  li: owner:li\n  prom: metrics\n"));
  EXPECT_EQ(c.scopes, (std::map<std::string, std::string>{{"li", "owner:li"}, {"prom", "metrics"}}));
  // Without scopes, as before: everyone sees everything.
  EXPECT_TRUE(LoadWebConfig(Write(Users())).scopes.empty());
}

TEST_F(WebScopesTest, RejectsAnUnknownUserABadScopeAndScopesWithoutUsers) {
  const std::string file = dir_.Sub("web.yml");
  EXPECT_EQ(ErrorOf(Users() + "scopes:\n  li: owner:li\n  bob: team:emea\n"),
            file + ":7: scopes.bob: is not a user of basic_auth_users");
  EXPECT_EQ(ErrorOf(Users() + "scopes:\n  li: owners:li\n"),
            file + ":6: scopes.li: \"owners:li\" is not a scope (all, team:<team>, owner:<owner id> or metrics)");
  EXPECT_EQ(ErrorOf(Users() + "scopes:\n  li: \"team:\"\n"), file + ":6: scopes.li: \"team:\" names no team");
  const std::string list = ErrorOf(Users() + "scopes: [li]\n");
  EXPECT_EQ(list.rfind(file + ":5: scopes: expected a mapping", 0), 0u) << list;
  const std::string no_users = ErrorOf("tls_server_config: null\nscopes:\n  li: all\n");
  EXPECT_NE(no_users.find("scopes: needs basic_auth_users"), std::string::npos) << no_users;
}

TEST_F(WebScopesTest, AccessControlGivesEachUserItsScope) {
  HttpSettings settings;
  settings.web = std::make_shared<const WebConfig>(LoadWebConfig(Write(Users() + "scopes:\n  li: owner:li\n")));
  AccessControl access(settings, std::make_shared<LoginThrottle>());
  const auto now = LoginThrottle::Clock::now();
  HttpRequest req;
  req.client_address = "127.0.0.1";
  req.headers = {{"authorization", "Basic bGk6czNjcmV0"}};  // li:s3cret
  AccessVerdict v = access.Authenticate(req, now);
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.user, "li");
  EXPECT_EQ(v.scope, AccessScope::Owner("li"));
  req.headers = {{"authorization", "Basic YWRtaW46czNjcmV0"}};  // admin:s3cret, no entry: all
  v = access.Authenticate(req, now);
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.scope, AccessScope());
  req.headers = {};
  EXPECT_EQ(access.Authenticate(req, now).status, 401);
  EXPECT_EQ(access.throttle().size(), 0u);  // no credentials is no failed login
}

// Console: the lists hold only the scope's accounts, the tier aggregates
// (which count every account) are left out.
projections::AccountRecord Record(const std::string& id, const std::string& owner, const std::string& team) {
  projections::AccountRecord r;
  r.account_id = id;
  r.tier = "gold";
  r.owner = owner;
  r.team = team;
  r.level = projections::HealthLevel::kAtRisk;
  r.health_score = 40;
  r.value.followup_overdue_days = 3;
  return r;
}

BreachItem BreachOf(const std::string& ticket, const std::string& account, const std::string& owner,
                    const std::string& team) {
  BreachItem b;
  b.ticket_id = ticket;
  b.account_id = account;
  b.account_owner = owner;
  b.account_team = team;
  b.tier = "gold";
  b.level = projections::RiskLevel::kBreached;
  b.breach_at = 1000;
  return b;
}

TEST(ConsoleScopeTest, ListsOnlyTheScopesAccountsAndNoTierAggregates) {
  projections::SlaSnapshot sla;
  sla.tiers = {"gold"};
  sla.completed[{"gold", projections::Metric::kFirstResponse, false}] = 7;
  const std::vector<projections::AccountRecord> accounts = {Record("acme", "li", "emea"),
                                                            Record("globex", "maria", "apac")};
  const std::vector<BreachItem> breaches = {BreachOf("T-1", "acme", "li", "emea"),
                                            BreachOf("T-2", "globex", "maria", "apac")};
  const ConsoleSnapshot all = MakeConsoleSnapshot(sla, accounts, breaches, 2000);
  EXPECT_EQ(all.at_risk.size(), 2u);
  EXPECT_EQ(all.breaches.size(), 2u);
  EXPECT_EQ(all.tiers.size(), 1u);
  const std::string all_page = RenderConsole(all);
  EXPECT_NE(all_page.find("SLA by tier"), std::string::npos);
  EXPECT_NE(all_page.find("globex"), std::string::npos);

  for (const AccessScope& scope : {AccessScope::Team("emea"), AccessScope::Owner("li")}) {
    SCOPED_TRACE(scope.ToString());
    const ConsoleSnapshot s = MakeConsoleSnapshot(sla, accounts, breaches, 2000, scope);
    ASSERT_EQ(s.at_risk.size(), 1u);
    EXPECT_EQ(s.at_risk[0].account_id, "acme");
    ASSERT_EQ(s.followups.size(), 1u);
    ASSERT_EQ(s.breaches.size(), 1u);
    EXPECT_EQ(s.breaches[0].ticket_id, "T-1");
    EXPECT_TRUE(s.tiers.empty());
    const std::string page = RenderConsole(s);
    EXPECT_EQ(page.find("globex"), std::string::npos);
    EXPECT_EQ(page.find("T-2"), std::string::npos);
    EXPECT_EQ(page.find("SLA by tier"), std::string::npos);
    EXPECT_EQ(page.find("SLA compliance"), std::string::npos);
    EXPECT_EQ(page.find("href=\"/metrics\""), std::string::npos);
    EXPECT_NE(page.find("acme"), std::string::npos);
    EXPECT_NE(page.find("Showing the accounts of"), std::string::npos);
  }
  const ConsoleSnapshot nobody = MakeConsoleSnapshot(sla, accounts, breaches, 2000, AccessScope::Team("amer"));
  EXPECT_TRUE(nobody.at_risk.empty());
  EXPECT_TRUE(nobody.breaches.empty());
}

}  // namespace
}  // namespace slamon::daemon
