// The trends and scorecard routes and the owner and team pages, over a real
// projection set fed a known history (the scenario of the trends projection's
// own test): the exact weekly figures in the JSON, the scorecards of the
// owner before and after a hand-over, the charts drawn from the same weeks,
// and the answers to bad queries and unknown names.
#include "daemon/api/trends_routes.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/api/scorecard_pages.h"
#include "daemon/api/scorecards.h"
#include "daemon/http/http_server.h"
#include "projections/registry.h"
#include "tests/support/health_test_util.h"
#include "tests/support/raw_http.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using events::EventType;
using projections::TrendDimension;
using projections::TrendFilter;
using projections::health_testing::T;
using slamon::testing::HeaderOf;
using slamon::testing::RawRequest;

constexpr const char* kConfig = R"(
policies:
  - name: all
    calendar: 24x7
    targets: {first_response: 1h, next_response: 2h, resolution: 8h}
)";

// Account acme (tier A, team east) owned by ann until bob takes over on
// Tue 1 Dec 11:00. W48 is 23–29 Nov, W49 from 30 Nov; now is Wed 2 Dec 01:00.
// - T1 opened Fri 27 Nov 23:30, answered Mon 30 Nov 00:10: first response
//   breached (28 Nov 00:30) and resolution breached (28 Nov 07:30), both W48,
//   ann; its first response took 175200 s, given in W49 under ann.
// - T2 opened Tue 1 Dec 10:00, answered 10:20 (ann: met, 1200 s), resolved
//   12:00 (bob: met).
// - T3 opened Wed 2 Dec 00:00, never answered: first response breached at
//   01:00, bob.
// - CSAT 5 on 24 Nov (W48, ann), 2 on 1 Dec 12:00 (W49, bob).
class TrendsRoutesTest : public ::testing::Test {
 protected:
  static constexpr const char* kNow = "2026-12-02T01:00:00Z";

  TrendsRoutesTest() : set_(Configs()) {
    projections::health_testing::Events ev;
    ev.Upsert("acme", T("2026-11-02T00:00:00Z"), "A", "ann").team = "east";
    ev.Survey("acme", T("2026-11-24T10:00:00Z"), 5);
    ev.Ticket(EventType::kTicketOpened, "acme", T("2026-11-27T23:30:00Z"), "T1");
    ev.Reply("acme", T("2026-11-30T00:10:00Z"), "T1", events::Author::kAgent);
    ev.Ticket(EventType::kTicketOpened, "acme", T("2026-12-01T10:00:00Z"), "T2");
    ev.Reply("acme", T("2026-12-01T10:20:00Z"), "T2", events::Author::kAgent);
    auto& handover = ev.Add(EventType::kAccountUpdated, "acme", T("2026-12-01T11:00:00Z"));
    handover.owner = "bob";
    handover.fields = events::FieldBit(events::AccountField::kOwner);
    ev.Ticket(EventType::kTicketResolved, "acme", T("2026-12-01T12:00:00Z"), "T2");
    ev.Survey("acme", T("2026-12-01T12:00:00Z"), 2);
    ev.Ticket(EventType::kTicketOpened, "acme", T("2026-12-02T00:00:00Z"), "T3");
    ev.ApplyTo(&set_);
    set_.AdvanceTo(T(kNow));
    accounts_ = set_.health().EvaluateAccounts(T(kNow), set_.sla().Evaluate(T(kNow)));

    HttpSettings settings;
    settings.listen = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(settings, nullptr);
    RegisterTrendsRoutes(*server_, Source());
    RegisterScorecardPages(*server_, Source());
    EXPECT_TRUE(server_->Start().ok());
  }

  static projections::ProjectionConfigs Configs() {
    auto sla = projections::LoadSlaConfigText(kConfig, "test.yaml");
    if (!sla.ok()) throw std::runtime_error(sla.status().message());
    projections::HealthConfig health;
    health.value.followup = {};  // no follow-up verdicts in this history
    return {.sla = std::make_shared<const projections::SlaConfig>(sla.take()),
            .health = std::make_shared<const projections::HealthConfig>(health),
            .live = true};
  }

  // What TrendsSourceFromViews does over a daemon's views, over the set.
  TrendsSource Source() {
    const int64_t now = T(kNow);
    return {
        .series = [this](const TrendFilter& f, int weeks) { return set_.trends().Series(f, weeks); },
        .scorecards =
            [this, now](TrendDimension by, const TrendFilter& f, int weeks) {
              return ApiData<projections::Scorecard>{
                  now, LiveScorecards(by, set_.trends().Totals(by, f, weeks), accounts_, f)};
            },
        .accounts =
            [this, now](const TrendFilter& f) {
              ApiData<projections::AccountRecord> out{now, {}};
              for (const auto& a : accounts_) {
                if (AccountMatches(a, f)) out.items.push_back(a);
              }
              return out;
            },
        .known = [this](TrendDimension by, const std::string& name) { return set_.trends().Names(by).count(name) > 0; },
    };
  }

  slamon::testing::RawConnection::Response Get(const std::string& path) {
    return RawRequest(server_->port(), "GET", path, 2s);
  }

  // Serves the same routes behind basic auth: users admin (all), ann and bob
  // (owner:), east and west (team:), prom (metrics), every password "s3cret".
  void StartScoped() {
    server_->Stop();
    auto web = std::make_shared<WebConfig>();
    // Python's crypt.crypt("s3cret", "$2b$04$abcdefghijklmnopqrstuu").
    for (const char* user : {"admin", "ann", "bob", "east", "west", "prom"}) {
      web->basic_auth_users[user] = "$2b$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG";
    }
    web->scopes = {
        {"ann", "owner:ann"}, {"bob", "owner:bob"}, {"east", "team:east"}, {"west", "team:west"}, {"prom", "metrics"}};
    HttpSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.web = web;
    server_ = std::make_unique<HttpServer>(settings, nullptr);
    RegisterTrendsRoutes(*server_, Source());
    RegisterScorecardPages(*server_, Source());
    ASSERT_TRUE(server_->Start().ok());
  }
  // GET `path` as `user` (StartScoped).
  slamon::testing::RawConnection::Response GetAs(const std::string& user, const std::string& path) {
    static const std::map<std::string, std::string> kAuth = {
        {"admin", "YWRtaW46czNjcmV0"}, {"ann", "YW5uOnMzY3JldA=="},  {"bob", "Ym9iOnMzY3JldA=="},
        {"east", "ZWFzdDpzM2NyZXQ="},  {"west", "d2VzdDpzM2NyZXQ="}, {"prom", "cHJvbTpzM2NyZXQ="}};
    return RawRequest(server_->port(), "GET", path, 5s, "Authorization: Basic " + kAuth.at(user) + "\r\n");
  }

  projections::ProjectionSet set_;
  std::vector<projections::AccountRecord> accounts_;
  std::unique_ptr<HttpServer> server_;
};

constexpr const char* kNoCsat = R"("csat":{"answers":0,"satisfied":0,"percent":null})";
constexpr const char* kNoNps = R"("nps":{"answers":0,"promoters":0,"detractors":0,"score":null})";
constexpr const char* kNoFollowups = R"("followups":{"on_time":0,"late":0,"percent_on_time":null},"churned":0)";

TEST_F(TrendsRoutesTest, TrendsOfAnOwnerAreTheExactWeeklyCounts) {
  const auto res = Get("/api/v1/trends?account_owner=ann&weeks=2");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(HeaderOf(res.head, "X-Slamon-As-Of"), kNow);
  const std::string w48 =
      R"({"week":"2026-W48","start":"2026-11-23T00:00:00Z","end":"2026-11-30T00:00:00Z","partial":false,)"
      R"("sla":{"first_response":{"met":0,"breached":1,"percent_met":0},)"
      R"("next_response":{"met":0,"breached":0,"percent_met":null},)"
      R"("resolution":{"met":0,"breached":1,"percent_met":0},"all":{"met":0,"breached":2,"percent_met":0}},)"
      R"("breaches":2,"first_response_median_seconds":null,"csat":{"answers":1,"satisfied":1,"percent":100},)" +
      std::string(kNoNps) + "," + kNoFollowups + "}";
  const std::string w49 =
      R"({"week":"2026-W49","start":"2026-11-30T00:00:00Z","end":"2026-12-07T00:00:00Z","partial":true,)"
      R"("sla":{"first_response":{"met":1,"breached":0,"percent_met":100},)"
      R"("next_response":{"met":0,"breached":0,"percent_met":null},)"
      R"("resolution":{"met":0,"breached":0,"percent_met":null},"all":{"met":1,"breached":0,"percent_met":100}},)"
      R"("breaches":0,"first_response_median_seconds":1200,)" +
      std::string(kNoCsat) + "," + kNoNps + "," + kNoFollowups + "}";
  const std::string want =
      R"j({"as_of":"2026-12-02T01:00:00Z","weeks":2,"week_start":"Monday 00:00:00 UTC (ISO weeks)",)j"
      R"("filter":{"tier":null,"account_owner":"ann","team":null},"total":{)"
      R"("sla":{"first_response":{"met":1,"breached":1,"percent_met":50},)"
      R"("next_response":{"met":0,"breached":0,"percent_met":null},)"
      R"("resolution":{"met":0,"breached":1,"percent_met":0},)"
      R"("all":{"met":1,"breached":2,"percent_met":33.333333333333336}},)"
      R"("breaches":2,"first_response_median_seconds":1200,"csat":{"answers":1,"satisfied":1,"percent":100},)" +
      std::string(kNoNps) + "," + kNoFollowups + R"(},"series":[)" + w48 + "," + w49 + "]}";
  EXPECT_EQ(res.body, want);
}

TEST_F(TrendsRoutesTest, TeamAndTierSumTheirOwnersAndTwelveWeeksIsTheDefault) {
  const auto team = Get("/api/v1/trends?team=east&tier=A");
  ASSERT_EQ(team.status, 200) << team.body;
  EXPECT_NE(team.body.find(R"("weeks":12,)"), std::string::npos);
  // ann's W48 and W49 plus bob's W49: T2's resolution met, T3's first response breached, CSAT 2.
  EXPECT_NE(team.body.find(R"("total":{"sla":{"first_response":{"met":1,"breached":2,)"), std::string::npos)
      << team.body;
  EXPECT_NE(team.body.find(R"("resolution":{"met":1,"breached":1,"percent_met":50})"), std::string::npos);
  EXPECT_NE(team.body.find(R"("breaches":3,"first_response_median_seconds":1200,)"
                           R"("csat":{"answers":2,"satisfied":1,"percent":50})"),
            std::string::npos);
  EXPECT_NE(team.body.find(R"("week":"2026-W38")"), std::string::npos) << "twelve weeks back from W49";
  const auto other_tier = Get("/api/v1/trends?tier=B&weeks=1");
  ASSERT_EQ(other_tier.status, 200);
  EXPECT_NE(other_tier.body.find(R"("breaches":0,"first_response_median_seconds":null)"), std::string::npos);
}

TEST_F(TrendsRoutesTest, BadQueriesAre400AndUnknownNames404) {
  for (const char* path : {"/api/v1/trends?weeks=0", "/api/v1/trends?weeks=53", "/api/v1/trends?weeks=x",
                           "/api/v1/trends?tier=", "/api/v1/trends?owner=ann", "/api/v1/trends?tier=A&tier=B",
                           "/api/v1/owners/ann?tier=A", "/owners/ann?weeks=99"}) {
    const auto res = Get(path);
    EXPECT_EQ(res.status, 400) << path;
    const bool json = std::string_view(path).starts_with("/api/");
    if (json) {
      EXPECT_TRUE(res.body.starts_with(R"({"error":")")) << path << ": " << res.body;
    }
  }
  EXPECT_EQ(Get("/api/v1/owners/zed").status, 404);
  EXPECT_EQ(Get("/api/v1/owners/zed").body, R"({"error":"unknown account owner 'zed'"})");
  EXPECT_EQ(Get("/api/v1/teams/west").status, 404);
  EXPECT_EQ(Get("/owners/zed").status, 404);
  EXPECT_EQ(Get("/teams/west").status, 404);
}

TEST_F(TrendsRoutesTest, OwnerScorecardsFollowTheHandOver) {
  const auto ann = Get("/api/v1/owners/ann");
  ASSERT_EQ(ann.status, 200) << ann.body;
  // ann: T1's two breaches, T2's first response met; no account now.
  EXPECT_NE(ann.body.find(R"("teams":[],"scorecard":{"accounts":0,)"
                          R"("first_response":{"met":1,"breached":1,"percent_met":50},)"
                          R"("resolution":{"met":0,"breached":1,"percent_met":0},)"
                          R"("first_responses":2,"median_first_response_seconds":1200,)"
                          R"("csat":{"answers":1,"satisfied":1,"percent":100},)"),
            std::string::npos)
      << ann.body;
  EXPECT_NE(ann.body.find(R"("accounts":[])"), std::string::npos);
  const auto bob = Get("/api/v1/owners/bob");
  ASSERT_EQ(bob.status, 200) << bob.body;
  EXPECT_NE(bob.body.find(R"("teams":["east"],"scorecard":{"accounts":1,)"
                          R"("first_response":{"met":0,"breached":1,"percent_met":0},)"
                          R"("resolution":{"met":1,"breached":0,"percent_met":100},)"
                          R"("first_responses":0,"median_first_response_seconds":null,)"
                          R"("csat":{"answers":1,"satisfied":0,"percent":0},)"),
            std::string::npos)
      << bob.body;
  EXPECT_NE(bob.body.find(R"("accounts":[{"account":"acme","tier":"A","team":"east",)"), std::string::npos);
  const auto team = Get("/api/v1/teams/east");
  ASSERT_EQ(team.status, 200) << team.body;
  EXPECT_NE(team.body.find(R"("owners":["bob"],"scorecard":{"accounts":1,)"
                           R"("first_response":{"met":1,"breached":2,)"),
            std::string::npos)
      << team.body;
  EXPECT_NE(team.body.find(R"("owner_scorecards":[{"owner":"ann","accounts":0,)"), std::string::npos);
  EXPECT_NE(team.body.find(R"({"owner":"bob","accounts":1,)"), std::string::npos);
}

TEST_F(TrendsRoutesTest, OwnerPageDrawsTheSameWeeks) {
  const auto page = Get("/owners/ann?weeks=2");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(HeaderOf(page.head, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(HeaderOf(page.head, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(page.body.find("<h1>Owner: ann</h1>"), std::string::npos);
  // First response met: 0 % in W48, 100 % in W49, at x = 113 and 271 of the
  // 360-unit plot, y = 168 (0 %) and 30 (100 %).
  EXPECT_NE(page.body.find(R"(stroke="#1565c0" points="113.0,168.0 271.0,30.0")"), std::string::npos) << page.body;
  // Two breaches in W48, none yet in W49.
  EXPECT_NE(page.body.find("<title>breached, 2026-W48 (from 2026-11-23): 2</title>"), std::string::npos);
  EXPECT_NE(page.body.find("<div class=\"cv\">50.0 %</div>"), std::string::npos) << "first response met";
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
  const auto team = Get("/teams/east");
  ASSERT_EQ(team.status, 200) << team.body;
  EXPECT_NE(team.body.find("<td><a href=\"/owners/bob\">bob</a></td>"), std::string::npos) << team.body;
}

TEST_F(TrendsRoutesTest, AnOwnerScopeSeesItsOwnerOnlyAndOthersAsUnknown) {
  StartScoped();
  // ann's own answers are the unscoped ones for ann, byte for byte.
  const auto mine = GetAs("ann", "/api/v1/trends?weeks=2");
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.body, GetAs("admin", "/api/v1/trends?account_owner=ann&weeks=2").body);
  EXPECT_NE(mine.body.find(R"("filter":{"tier":null,"account_owner":"ann","team":null})"), std::string::npos);
  EXPECT_NE(mine.body.find(R"("breaches":2,"first_response_median_seconds":1200,)"), std::string::npos) << mine.body;
  EXPECT_EQ(GetAs("ann", "/api/v1/owners/ann").body, GetAs("admin", "/api/v1/owners/ann").body);
  EXPECT_EQ(GetAs("ann", "/owners/ann").status, 200);
  // bob exists, but not for ann: exactly the answers for an owner nobody knows.
  const auto bob = GetAs("ann", "/api/v1/owners/bob");
  EXPECT_EQ(bob.status, 404);
  EXPECT_EQ(bob.body, R"({"error":"unknown account owner 'bob'"})");
  const auto bob_page = GetAs("ann", "/owners/bob");
  const auto zed_page = GetAs("ann", "/owners/zeb");
  EXPECT_EQ(bob_page.status, 404);
  EXPECT_EQ(zed_page.status, 404);
  std::string as_zed = bob_page.body;
  for (size_t at = as_zed.find("bob"); at != std::string::npos; at = as_zed.find("bob", at))
    as_zed.replace(at, 3, "zeb");
  EXPECT_EQ(as_zed, zed_page.body);
  // Asking for bob's trends gives the weeks of an owner without data.
  const auto bob_trends = GetAs("ann", "/api/v1/trends?account_owner=bob");
  ASSERT_EQ(bob_trends.status, 200);
  std::string zeb_trends = GetAs("admin", "/api/v1/trends?account_owner=zeb").body;
  zeb_trends.replace(zeb_trends.find("\"zeb\""), 5, "\"bob\"");
  EXPECT_EQ(bob_trends.body, zeb_trends);
  EXPECT_NE(bob_trends.body.find(R"("total":{"sla":{"first_response":{"met":0,"breached":0,)"), std::string::npos);
  // Team east, where ann's figures fall: only ann's share of it.
  const auto east = GetAs("ann", "/api/v1/teams/east");
  ASSERT_EQ(east.status, 200) << east.body;
  EXPECT_NE(east.body.find(R"("owner_scorecards":[{"owner":"ann",)"), std::string::npos) << east.body;
  EXPECT_EQ(east.body.find(R"({"owner":"bob")"), std::string::npos) << east.body;
  EXPECT_NE(east.body.find(R"("first_response":{"met":1,"breached":1,"percent_met":50})"), std::string::npos);
  // bob's figures in east are his: T3's breached first response, T2's resolution.
  const auto bob_east = GetAs("bob", "/api/v1/teams/east");
  ASSERT_EQ(bob_east.status, 200) << bob_east.body;
  EXPECT_NE(bob_east.body.find(R"("scorecard":{"accounts":1,"first_response":{"met":0,"breached":1,)"),
            std::string::npos)
      << bob_east.body;
  EXPECT_EQ(GetAs("bob", "/api/v1/owners/ann").status, 404);
  EXPECT_EQ(GetAs("bob", "/teams/west").status, 404);
}

TEST_F(TrendsRoutesTest, ATeamScopeSeesItsTeamAndItsOwnersOnly) {
  StartScoped();
  const auto east = GetAs("east", "/api/v1/trends?tier=A");
  ASSERT_EQ(east.status, 200) << east.body;
  EXPECT_EQ(east.body, GetAs("admin", "/api/v1/trends?tier=A&team=east").body);
  EXPECT_NE(east.body.find(R"("breaches":3,)"), std::string::npos) << east.body;
  EXPECT_EQ(GetAs("east", "/api/v1/teams/east").body, GetAs("admin", "/api/v1/teams/east").body);
  EXPECT_EQ(GetAs("east", "/api/v1/owners/ann").status, 200);
  EXPECT_EQ(GetAs("east", "/owners/bob").status, 200);
  // Team west has no data: it sees no owner, and east is unknown to it.
  const auto west_trends = GetAs("west", "/api/v1/trends");
  ASSERT_EQ(west_trends.status, 200);
  EXPECT_EQ(west_trends.body, GetAs("admin", "/api/v1/trends?team=west").body);
  EXPECT_NE(west_trends.body.find(R"("breaches":0,)"), std::string::npos);
  const auto hidden = GetAs("west", "/api/v1/teams/east");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.body, R"({"error":"unknown team 'east'"})");
  EXPECT_EQ(GetAs("west", "/api/v1/owners/ann").status, 404);
  EXPECT_EQ(GetAs("west", "/teams/east").status, 404);
  EXPECT_EQ(GetAs("west", "/owners/bob").status, 404);
  // Another team named in the query: the weeks of a team without data.
  const auto other = GetAs("west", "/api/v1/trends?team=east");
  ASSERT_EQ(other.status, 200);
  EXPECT_NE(other.body.find(R"("breaches":0,)"), std::string::npos) << other.body;
}

TEST_F(TrendsRoutesTest, AMetricsScopeGets403AndAllSeesEverything) {
  StartScoped();
  for (const char* path :
       {"/api/v1/trends", "/api/v1/owners/ann", "/api/v1/teams/east", "/owners/ann", "/teams/east"}) {
    EXPECT_EQ(GetAs("prom", path).status, 403) << path;
    EXPECT_EQ(GetAs("admin", path).status, 200) << path;
  }
}

}  // namespace
}  // namespace slamon::daemon
