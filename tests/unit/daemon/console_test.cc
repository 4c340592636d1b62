// The web console: the renderer as a pure function (escaping of hostile ids,
// the empty state, capped lists), the per-tier figures from an SLA snapshot,
// and the route on a real HttpServer (content type, headers, basic auth, the
// other endpoints untouched).
#include "daemon/api/console.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/http/http_server.h"
#include "tests/support/raw_http.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using projections::AccountRecord;
using projections::Metric;
using projections::RiskLevel;
using slamon::testing::HeaderOf;
using slamon::testing::RawRequest;

constexpr int64_t kNow = 1764000000;  // 2025-11-24T16:00:00Z
const std::string kHostile = "<script>alert(\"x\")</script>&'/?#";

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

BreachItem Breach(std::string ticket, RiskLevel level, std::string account = "acct-1") {
  BreachItem b;
  b.ticket_id = std::move(ticket);
  b.account_id = std::move(account);
  b.tier = "A";
  b.account_owner = "li.wei";
  b.metric = Metric::kFirstResponse;
  b.level = level;
  b.start = kNow - 7200;
  b.elapsed_seconds = 7200;
  b.target_seconds = 3600;
  if (level == RiskLevel::kBreached) {
    b.breach_at = kNow - 3600;
  } else {
    b.due_at = kNow + 900;
  }
  return b;
}

AccountRecord Account(std::string id, projections::HealthLevel level, double score) {
  AccountRecord r;
  r.account_id = std::move(id);
  r.tier = "B";
  r.owner = "maria.garcia";
  r.level = level;
  r.health_score = score;
  return r;
}

TEST(ConsoleTest, EscapesHostileValuesEverywhere) {
  ConsoleSnapshot s;
  s.as_of = kNow;
  s.tiers = {ConsoleTier{.tier = kHostile, .running = 1, .warning = 0, .running_breached = 1, .met = 0, .breached = 1}};
  BreachItem b = Breach(kHostile, RiskLevel::kBreached, kHostile);
  b.account_owner = kHostile;
  b.tier = kHostile;
  b.group = kHostile;
  b.escalation = kHostile;
  b.escalated_at = kNow - 60;
  s.breaches = {b};
  AccountRecord a = Account(kHostile, projections::HealthLevel::kAtRisk, 20);
  a.owner = kHostile;
  a.value.followup_overdue_days = 3;
  s.at_risk = {a};
  s.followups = {a};
  const std::string html = RenderConsole(s);

  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("alert(\"x\")"), std::string::npos);
  // Tier, ticket, account (breach, at-risk, follow-up), owner ×4, group, escalation.
  EXPECT_GE(Count(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;/?#"), 10u) << html;
  // Account links are percent-encoded path segments (then HTML-escaped: no '&' is left).
  EXPECT_NE(html.find("href=\"/api/v1/accounts/%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%26%27%2F%3F%23\""),
            std::string::npos)
      << html;
  // So are the breach rows' links to the ticket page.
  EXPECT_NE(html.find("<td><a href=\"/tickets/%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%26%27%2F%3F%23\">"
                      "&lt;script&gt;"),
            std::string::npos)
      << html;
  // So are the links to the owner's page.
  EXPECT_EQ(Count(html, "href=\"/owners/%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%26%27%2F%3F%23\""), 3u) << html;
}

projections::TrendSeries Series(int weeks, int64_t breaches_last_week) {
  projections::TrendSeries s;
  s.as_of = kNow;
  const int32_t last = projections::WeekOf(kNow);
  for (int32_t w = last - weeks + 1; w <= last; ++w) {
    s.weeks.push_back({w, projections::WeekStart(w), w == last, {}});
  }
  s.weeks.back().counts[projections::TrendCount::kFirstResponseBreached] = breaches_last_week;
  s.weeks.back().counts[projections::TrendCount::kFirstResponseMet] = 3;
  return s;
}

projections::Scorecard Card(std::string name, std::vector<std::string> related) {
  projections::Scorecard c;
  c.name = std::move(name);
  c.related = std::move(related);
  c.accounts = 4;
  c.first_response_met = 3;
  c.first_response_breached = 1;
  c.at_risk = 1;
  return c;
}

TEST(ConsoleTest, TrendsPerTierAndScorecardsLinkToOwnerAndTeamPages) {
  ConsoleSnapshot s;
  s.as_of = kNow;
  s.tiers = {ConsoleTier{.tier = "A",
                         .running = 1,
                         .warning = 0,
                         .running_breached = 0,
                         .met = 1,
                         .breached = 0,
                         .owners = {"li.wei", "maria garcia"}}};
  s.tier_trends = {{"A", Series(12, 2)}};
  s.owners = {Card("li.wei", {"east"}), Card("maria garcia", {"east", "west/2"})};
  s.teams = {Card("east", {"li.wei", "maria garcia"})};
  const std::string html = RenderConsole(s);
  EXPECT_NE(html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"), std::string::npos);
  // The tier's owners, each a link to their page (a space is %20).
  EXPECT_NE(html.find("<td class=\"links\"><a href=\"/owners/li.wei\">li.wei</a> <a "
                      "href=\"/owners/maria%20garcia\">maria garcia</a></td></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<h2 id=\"trends\">Trends by tier, last 12 weeks</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h3>Tier A</h3>"), std::string::npos);
  EXPECT_EQ(Count(html, "<figure class=\"chart\">"), 5u);
  EXPECT_NE(html.find("SLA clocks breached per week"), std::string::npos);
  EXPECT_NE(html.find("<h2 id=\"owners\">Owners (2)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td><a href=\"/owners/maria%20garcia\">maria garcia</a></td><td class=\"links\"><a "
                      "href=\"/teams/east\">east</a> <a href=\"/teams/west%2F2\">west/2</a></td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<h2 id=\"teams\">Teams (1)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td><a href=\"/teams/east\">east</a></td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num no\">75.0</td>"), std::string::npos) << "3 of 4 first responses met";
  // Every table scrolls inside its own box.
  EXPECT_EQ(Count(html, "<div class=\"scroll\">\n<table>"), Count(html, "<table>"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(ConsoleTest, AScopedConsoleShowsTheTrendsAndScorecardsOfItsScopeOnly) {
  std::vector<std::string> asked;  // the filters the source saw
  auto name = [](const projections::TrendFilter& f) {
    return f.tier.value_or("-") + "/" + f.team.value_or("-") + "/" + f.owner.value_or("-");
  };
  TrendsSource trends;
  trends.series = [&](const projections::TrendFilter& f, int) {
    asked.push_back("series " + name(f));
    return Series(12, 2);
  };
  trends.scorecards = [&](projections::TrendDimension by, const projections::TrendFilter& f, int) {
    asked.push_back(std::string(by == projections::TrendDimension::kOwner ? "owners " : "teams ") + name(f));
    return ApiData<projections::Scorecard>{kNow, {Card(f.owner.value_or("everyone"), {})}};
  };
  ConsoleSnapshot s = MakeConsoleSnapshot(projections::SlaSnapshot(), {}, {}, kNow, AccessScope::Owner("li.wei"));
  AddConsoleTrends(trends, &s);
  EXPECT_EQ(asked, (std::vector<std::string>{"series -/-/li.wei", "owners -/-/li.wei", "teams -/-/li.wei"}));
  const std::string html = RenderConsole(s);
  EXPECT_NE(html.find("<h2 id=\"trends\">Trends of owner li.wei, last 12 weeks</h2>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<h3>Tier"), std::string::npos);
  EXPECT_EQ(Count(html, "<figure class=\"chart\">"), 5u);
  EXPECT_NE(html.find("<h2 id=\"owners\">Owners (1)</h2>"), std::string::npos);
  EXPECT_EQ(html.find("everyone"), std::string::npos);
  EXPECT_EQ(html.find("href=\"/metrics\""), std::string::npos) << "403 for this scope";

  asked.clear();
  ConsoleSnapshot team = MakeConsoleSnapshot(projections::SlaSnapshot(), {}, {}, kNow, AccessScope::Team("east"));
  AddConsoleTrends(trends, &team);
  EXPECT_EQ(asked, (std::vector<std::string>{"series -/east/-", "owners -/east/-", "teams -/east/-"}));
  EXPECT_NE(RenderConsole(team).find("Trends of team east, last 12 weeks"), std::string::npos);

  asked.clear();
  projections::SlaSnapshot sla;
  sla.tiers = {"A"};
  ConsoleSnapshot all = MakeConsoleSnapshot(sla, {}, {}, kNow);
  AddConsoleTrends(trends, &all);
  EXPECT_EQ(asked, (std::vector<std::string>{"series A/-/-", "owners -/-/-", "teams -/-/-"}));
  EXPECT_NE(RenderConsole(all).find("href=\"/metrics\""), std::string::npos);
}

TEST(ConsoleTest, EmptyStateIsAPageWithoutTables) {
  ConsoleSnapshot s;
  s.as_of = kNow;
  const std::string html = RenderConsole(s);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"10\">"), std::string::npos);
  EXPECT_NE(html.find("As of 2025-11-24T16:00:00Z"), std::string::npos);
  EXPECT_NE(html.find("No tickets yet."), std::string::npos);
  EXPECT_NE(html.find("Breached SLA clocks (0)"), std::string::npos);
  EXPECT_NE(html.find("No running SLA clock is past its target."), std::string::npos);
  EXPECT_NE(html.find("No warnings."), std::string::npos);
  EXPECT_NE(html.find("No account is at risk."), std::string::npos);
  EXPECT_NE(html.find("No follow-up is overdue."), std::string::npos);
  EXPECT_EQ(html.find("<table"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("n/a %"), std::string::npos);  // compliance without any verdict
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(ConsoleTest, ReplayingPageSaysSo) {
  ConsoleSnapshot s;
  s.as_of = kNow;
  s.replaying = true;
  const std::string html = RenderConsole(s);
  EXPECT_NE(html.find("replaying its event store"), std::string::npos);
  EXPECT_EQ(html.find("Breached SLA clocks"), std::string::npos);
}

TEST(ConsoleTest, LongListsAreCapped) {
  ConsoleSnapshot s;
  s.as_of = kNow;
  for (int i = 0; i < 250; ++i) s.breaches.push_back(Breach("B-" + std::to_string(1000 + i), RiskLevel::kBreached));
  for (int i = 0; i < 3; ++i) s.breaches.push_back(Breach("W-" + std::to_string(i), RiskLevel::kWarning));
  for (int i = 0; i < 120; ++i) {
    s.at_risk.push_back(Account("risk-" + std::to_string(1000 + i), projections::HealthLevel::kAtRisk, i / 10.0));
  }
  const std::string html = RenderConsole(s, 100);
  EXPECT_NE(html.find("Breached SLA clocks (250)"), std::string::npos);
  EXPECT_NE(html.find(">B-1099</a></td>"), std::string::npos);
  EXPECT_EQ(html.find(">B-1100</a></td>"), std::string::npos);
  EXPECT_EQ(Count(html, "\">B-"), 100u);
  EXPECT_NE(html.find("… and 150 more (the full list: /api/v1/breaches)"), std::string::npos);
  // The warnings are not crowded out by the breaches, and are not capped below the limit.
  EXPECT_NE(html.find("Warnings: close to their target (3)"), std::string::npos);
  EXPECT_EQ(Count(html, "\">W-"), 3u);
  EXPECT_EQ(Count(html, "… and"), 2u);
  EXPECT_NE(html.find("… and 20 more (the full list: /api/v1/accounts/at-risk)"), std::string::npos);
  EXPECT_EQ(Count(html, ">risk-1"), 100u);
}

TEST(ConsoleTest, BreachRowsShowDueTimesAndEscalation) {
  ConsoleSnapshot s;
  s.as_of = kNow;
  BreachItem b = Breach("T-9", RiskLevel::kBreached);
  b.metric = Metric::kNextResponse;
  b.cycle = 2;
  b.escalation = "team_lead";
  b.escalated_at = kNow - 600;
  s.breaches = {b, Breach("T-10", RiskLevel::kWarning)};
  const std::string html = RenderConsole(s);
  EXPECT_NE(
      html.find("<td><a href=\"/tickets/T-9\">T-9</a></td><td class=\"acct\"><a "
                "href=\"/api/v1/accounts/acct-1\">acct-1</a></td>"
                "<td><a href=\"/owners/li.wei\">li.wei</a></td><td>A</td>"
                "<td>normal</td><td>next_response #2</td><td>2025-11-24T15:00:00Z</td>"
                "<td class=\"no\">1h ago</td><td>2h / 1h</td><td class=\"wrap\">team_lead (2025-11-24T15:50:00Z)</td>"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("<td><a href=\"/tickets/T-10\">T-10</a></td>"), std::string::npos);
  EXPECT_NE(html.find("<td>2025-11-24T16:15:00Z</td><td class=\"warn\">in 15m</td>"), std::string::npos) << html;
}

TEST(ConsoleTest, TiersFromTheSlaSnapshot) {
  projections::SlaSnapshot snap;
  snap.tiers = {"A", "B", "C"};
  snap.open[{"A", events::Priority::kHigh, Metric::kFirstResponse, RiskLevel::kOk}] = 4;
  snap.open[{"A", events::Priority::kNormal, Metric::kResolution, RiskLevel::kWarning}] = 2;
  snap.open[{"A", events::Priority::kNormal, Metric::kResolution, RiskLevel::kBreached}] = 1;
  snap.completed[{"A", Metric::kFirstResponse, false}] = 9;
  snap.completed[{"A", Metric::kFirstResponse, true}] = 2;  // already counted in breaches
  snap.breaches[{"A", Metric::kFirstResponse}] = 2;
  snap.breaches[{"A", Metric::kResolution}] = 1;
  snap.completed[{"B", Metric::kResolution, false}] = 5;
  const std::vector<ConsoleTier> tiers = ConsoleTiers(snap);
  ASSERT_EQ(tiers.size(), 3u);
  EXPECT_EQ(tiers[0].tier, "A");
  EXPECT_EQ(tiers[0].running, 7);
  EXPECT_EQ(tiers[0].warning, 2);
  EXPECT_EQ(tiers[0].running_breached, 1);
  EXPECT_EQ(tiers[0].met, 9);
  EXPECT_EQ(tiers[0].breached, 3);
  EXPECT_DOUBLE_EQ(*tiers[0].PercentMet(), 75.0);
  EXPECT_DOUBLE_EQ(*tiers[1].PercentMet(), 100.0);
  EXPECT_FALSE(tiers[2].PercentMet().has_value());

  ConsoleSnapshot s;
  s.tiers = tiers;
  const std::string html = RenderConsole(s);
  EXPECT_NE(html.find("<tr><td>A</td><td class=\"num\">7</td><td class=\"num warn\">2</td><td class=\"num no\">1</td>"
                      "<td class=\"num\">9</td><td class=\"num\">3</td><td class=\"num no\">75.0</td><td>-</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td class=\"num ok\">100.0</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"sub\"><td>All tiers</td><td class=\"num\">7</td>"), std::string::npos);
}

TEST(ConsoleTest, SnapshotFiltersAndSortsAccounts) {
  std::vector<AccountRecord> accounts = {
      Account("b", projections::HealthLevel::kAtRisk, 40), Account("a", projections::HealthLevel::kAtRisk, 40),
      Account("c", projections::HealthLevel::kAtRisk, 10), Account("d", projections::HealthLevel::kWatch, 60),
      Account("e", projections::HealthLevel::kHealthy, 90)};
  accounts[3].value.followup_overdue_days = 2.5;
  accounts[4].value.followup_overdue_days = 7;
  accounts[2].value.followup_overdue_days = 0;  // due today: not overdue
  const ConsoleSnapshot s = MakeConsoleSnapshot({}, accounts, {}, kNow);
  ASSERT_EQ(s.at_risk.size(), 3u);
  EXPECT_EQ(s.at_risk[0].account_id, "c");
  EXPECT_EQ(s.at_risk[1].account_id, "a");
  EXPECT_EQ(s.at_risk[2].account_id, "b");
  ASSERT_EQ(s.followups.size(), 2u);
  EXPECT_EQ(s.followups[0].account_id, "e");
  EXPECT_EQ(s.followups[1].account_id, "d");
  EXPECT_EQ(s.as_of, kNow);
}

TEST(ConsoleTest, RouteServesHtmlBehindBasicAuthAndLeavesOtherPathsAlone) {
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  settings.basic_auth_user = "ops";
  settings.basic_auth_password = "s3cret";
  HttpServer server(settings, nullptr);
  auto sla = std::make_shared<projections::SlaSnapshot>();
  sla->tiers = {"A"};
  ConsoleSources sources;
  sources.sla = [sla] { return sla; };
  sources.api.breaches = [] { return ApiData<BreachItem>{kNow, {Breach("T-ROUTE", RiskLevel::kBreached)}}; };
  sources.api.accounts = [] { return ApiData<AccountRecord>{kNow, {}}; };
  sources.trends.series = [](const projections::TrendFilter& f, int weeks) {
    EXPECT_EQ(f.tier, "A");
    EXPECT_EQ(weeks, 12);
    return Series(weeks, 1);
  };
  sources.trends.scorecards = [](projections::TrendDimension by, const projections::TrendFilter&, int) {
    if (by == projections::TrendDimension::kTeam) return ApiData<projections::Scorecard>{kNow, {}};
    return ApiData<projections::Scorecard>{kNow, {Card("li.wei", {})}};
  };
  RegisterConsole(server, sources);
  ASSERT_TRUE(server.Start().ok());
  const int port = server.port();
  const std::string auth = "Authorization: Basic b3BzOnMzY3JldA==\r\n";  // ops:s3cret

  EXPECT_EQ(RawRequest(port, "GET", "/", 2s).status, 401);
  const auto page = RawRequest(port, "GET", "/", 2s, auth);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(HeaderOf(page.head, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(HeaderOf(page.head, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(HeaderOf(page.head, "Cache-Control"), "no-store");
  EXPECT_NE(page.body.find("<td><a href=\"/tickets/T-ROUTE\">T-ROUTE</a></td>"), std::string::npos);
  EXPECT_NE(page.body.find("<h3>Tier A</h3>"), std::string::npos);
  EXPECT_NE(page.body.find("<td><a href=\"/owners/li.wei\">li.wei</a></td><td>-</td>"), std::string::npos);
  EXPECT_NE(page.body.find("No team yet."), std::string::npos);
  const auto head = RawRequest(port, "HEAD", "/", 2s, auth);
  EXPECT_EQ(head.status, 200);
  // "/" is an exact route: other paths are still unknown, the built-in endpoints unchanged.
  EXPECT_EQ(RawRequest(port, "GET", "/nope", 2s, auth).status, 404);
  EXPECT_EQ(RawRequest(port, "GET", "/index.html", 2s, auth).status, 404);
  EXPECT_EQ(RawRequest(port, "GET", "/metrics", 2s, auth).status, 200);
  EXPECT_EQ(RawRequest(port, "GET", "/healthz", 2s).status, 200);

  // Before the replay is done there is no SLA snapshot: a page that says so, 503.
  ConsoleSources starting;
  starting.sla = [] { return std::shared_ptr<const projections::SlaSnapshot>(); };
  HttpSettings open_settings;
  open_settings.listen = "127.0.0.1:0";
  HttpServer early(open_settings, nullptr);
  RegisterConsole(early, starting);
  ASSERT_TRUE(early.Start().ok());
  const auto wait = RawRequest(early.port(), "GET", "/", 2s);
  EXPECT_EQ(wait.status, 503);
  EXPECT_NE(wait.body.find("replaying its event store"), std::string::npos);
  early.Stop();
  server.Stop();
}

}  // namespace
}  // namespace slamon::daemon
