// The ticket routes over real HTTP on 127.0.0.1: GET /api/v1/tickets/{id}/sla
// (explain's lines as a JSON array) and the console's ticket page
// /tickets/{id}: 200 with the intervals, 404 alike for an unknown ticket and
// one a scope filter hides, 400 for query parameters, 503 without data,
// hostile ids escaped in HTML and encoded in links, the SVG timeline.
#include "daemon/api/ticket_routes.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "daemon/api/ticket_page.h"
#include "daemon/http/http_server.h"
#include "events/codec.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/raw_http.h"
#include "tests/support/sla_test_util.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using projections::testing::Events;
using projections::testing::kExtConfig;
using projections::testing::MustLoad;
using projections::testing::T;
using slamon::testing::HeaderOf;
using slamon::testing::RawRequest;

const std::string kHostile = "<script>alert(\"x\")</script>&'/?#";
const std::string kHostileInPath = "%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%26%27%2F%3F%23";

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// The X-5 ticket of docs/sla-semantics.md (pause, department stays), one
// with a hostile id and account, and one the scope filter below hides.
class TicketRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Events ev;
    ev.Upsert("acme", "2026-01-01T00:00:00Z", "A").team = "east";
    ev.Upsert(kHostile, "2026-01-01T00:00:00Z", "B", kHostile);
    ev.Opened("X-5", "acme", "2026-11-23T09:00:00+08:00").channel = "portal";
    ev.AgentReply("X-5", "2026-11-23T09:20:00+08:00");
    ev.Assigned("X-5", "2026-11-23T10:30:00+08:00", "tech");
    ev.Status("X-5", "2026-11-23T13:30:00+08:00", events::TicketStatus::kPending);
    ev.Status("X-5", "2026-11-23T15:30:00+08:00", events::TicketStatus::kOpen);
    ev.Opened(kHostile, kHostile, "2026-09-30T17:00:00+08:00");
    ev.Opened("SECRET-1", "acme", "2026-11-23T10:00:00+08:00");
    projection_ = std::make_unique<projections::SlaProjection>(MustLoad(kExtConfig));
    for (const auto& e : ev.all()) projection_->Apply(e);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // Serves the projection at kAsOf; tickets in `hidden` answer NotFound, as a
  // scope filter in front of the daemon's source does.
  void Start(std::set<std::string> hidden = {}) {
    HttpSettings settings;
    settings.listen = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(settings, nullptr);
    TicketSource source;
    source.explain = [this, hidden](const HttpRequest&,
                                    std::string_view id) -> StatusOr<projections::TicketExplanation> {
      if (hidden.count(std::string(id))) return Status::NotFound("out of scope (never shown)");
      return projection_->Explain(id, kAsOf);
    };
    RegisterTicketRoutes(*server_, source);
    ASSERT_TRUE(server_->Start().ok());
  }
  slamon::testing::RawConnection::Response Get(const std::string& path) {
    return RawRequest(server_->port(), "GET", path, 5s);
  }

  static inline const int64_t kAsOf = T("2026-11-24T00:00:00Z");
  std::unique_ptr<projections::SlaProjection> projection_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TicketRoutesTest, JsonIsExplainsLinesAsAnArray) {
  Start();
  const auto res = Get("/api/v1/tickets/X-5/sla");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(HeaderOf(res.head, "Content-Type"), "application/json");
  EXPECT_EQ(HeaderOf(res.head, "X-Slamon-As-Of"), "2026-11-24T00:00:00Z");
  const json body = json::parse(res.body);
  ASSERT_TRUE(body.is_array());
  ASSERT_EQ(body.size(), 3u);  // assignment (tech), first_response, resolution
  // Each element is exactly explain's JSON line (one per line of the body).
  auto explained = projection_->Explain("X-5", kAsOf);
  ASSERT_TRUE(explained.ok());
  for (const auto& e : explained->instances) {
    std::string line;
    projections::AppendExplainJsonl(e, &line);
    line.pop_back();
    EXPECT_NE(res.body.find("\n" + line), std::string::npos) << line;
  }
  for (const json& item : body) {
    int64_t sum = 0;
    for (const json& c : item.at("counted")) {
      int64_t from = 0, to = 0;
      ASSERT_TRUE(events::ParseRfc3339(c.at(0).get<std::string>(), &from));
      ASSERT_TRUE(events::ParseRfc3339(c.at(1).get<std::string>(), &to));
      sum += to - from;
    }
    EXPECT_EQ(sum, item.at("elapsed_seconds").get<int64_t>());
  }
  const json& assignment = body.at(0);
  EXPECT_EQ(assignment.at("metric"), "assignment");
  EXPECT_EQ(assignment.at("group"), "tech");
  EXPECT_EQ(
      assignment.at("not_counted").at(1),
      json::parse(R"({"from":"2026-11-23T05:30:00Z","to":"2026-11-23T07:30:00Z","why":"paused","status":"pending"})"));
  EXPECT_EQ(assignment.at("policy_match").at("policy"), "tier-a");
  EXPECT_EQ(assignment.at("policy_match").at("matched"), json::parse(R"({"tier":"A"})"));
  EXPECT_EQ(assignment.at("breach").at("at"), "2026-11-23T09:30:00Z");
}

TEST_F(TicketRoutesTest, UnknownAndOutOfScopeAnswerTheSame404) {
  Start({"SECRET-1"});
  const auto hidden = Get("/api/v1/tickets/SECRET-1/sla");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(json::parse(hidden.body), json::parse(R"({"error":"unknown ticket 'SECRET-1'"})"));
  const auto hidden_page = Get("/tickets/SECRET-1");
  EXPECT_EQ(hidden_page.status, 404);
  // The same ids on a server that has never seen them: byte for byte the same answers.
  server_->Stop();
  projection_ = std::make_unique<projections::SlaProjection>(MustLoad(kExtConfig));
  Start();
  const auto unknown = Get("/api/v1/tickets/SECRET-1/sla");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, hidden.body);
  const auto unknown_page = Get("/tickets/SECRET-1");
  EXPECT_EQ(unknown_page.status, 404);
  EXPECT_EQ(unknown_page.body, hidden_page.body);
  EXPECT_EQ(HeaderOf(unknown_page.head, "Content-Type"), "text/html; charset=utf-8");
}

TEST_F(TicketRoutesTest, ATicketOutsideTheScopeIsUnknownAndMetricsGets403) {
  auto web = std::make_shared<WebConfig>();
  // Python's crypt.crypt("s3cret", "$2b$04$abcdefghijklmnopqrstuu").
  for (const char* user : {"east", "west", "prom"}) {
    web->basic_auth_users[user] = "$2b$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG";
  }
  web->scopes = {{"east", "team:east"}, {"west", "team:west"}, {"prom", "metrics"}};
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  settings.web = web;
  server_ = std::make_unique<HttpServer>(settings, nullptr);
  TicketSource source;
  source.explain = [this](const HttpRequest&, std::string_view id) { return projection_->Explain(id, kAsOf); };
  // acme is team east's (what InScope reads from the views).
  source.in_scope = [](const AccessScope& scope, std::string_view account) {
    return scope.AllowsAccount("", account == "acme" ? "east" : "");
  };
  RegisterTicketRoutes(*server_, source);
  ASSERT_TRUE(server_->Start().ok());
  auto get_as = [this](const std::string& basic, const std::string& path) {
    return RawRequest(server_->port(), "GET", path, 5s, "Authorization: Basic " + basic + "\r\n");
  };
  const std::string east = "ZWFzdDpzM2NyZXQ=", west = "d2VzdDpzM2NyZXQ=", prom = "cHJvbTpzM2NyZXQ=";
  EXPECT_EQ(get_as(east, "/api/v1/tickets/X-5/sla").status, 200);
  EXPECT_EQ(get_as(east, "/tickets/X-5").status, 200);
  const auto hidden = get_as(west, "/api/v1/tickets/X-5/sla");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.body, R"({"error":"unknown ticket 'X-5'"})");
  const auto hidden_page = get_as(west, "/tickets/X-5");
  EXPECT_EQ(hidden_page.status, 404);
  // Word for word the page of a ticket nobody knows (its id in the same place).
  std::string unknown_page = get_as(west, "/tickets/X-6").body;
  for (size_t at = unknown_page.find("X-6"); at != std::string::npos; at = unknown_page.find("X-6", at)) {
    unknown_page.replace(at, 3, "X-5");
  }
  EXPECT_EQ(hidden_page.body, unknown_page);
  EXPECT_EQ(get_as(prom, "/api/v1/tickets/X-5/sla").status, 403);
  EXPECT_EQ(get_as(prom, "/tickets/X-5").status, 403);
}

TEST_F(TicketRoutesTest, BadRequestsAndMissingData) {
  Start();
  EXPECT_EQ(Get("/api/v1/tickets/X-5/sla?x=1").status, 400);
  EXPECT_EQ(Get("/tickets/X-5?x=1").status, 400);
  EXPECT_EQ(Get("/api/v1/tickets/X-5").status, 404);  // no such route
  EXPECT_EQ(Get("/api/v1/tickets//sla").status, 404);
  EXPECT_EQ(Get("/api/v1/tickets/nope/sla").status, 404);
  EXPECT_EQ(Get("/tickets/").status, 404);
  // A source that fails, or none at all: 503.
  server_->Stop();
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  server_ = std::make_unique<HttpServer>(settings, nullptr);
  RegisterTicketRoutes(
      *server_, TicketSource{[](const HttpRequest&, std::string_view) -> StatusOr<projections::TicketExplanation> {
                               throw std::runtime_error("boom");
                             },
                             {}});
  ASSERT_TRUE(server_->Start().ok());
  EXPECT_EQ(Get("/api/v1/tickets/X-5/sla").status, 503);
  EXPECT_EQ(Get("/tickets/X-5").status, 503);
  server_->Stop();
  server_ = std::make_unique<HttpServer>(settings, nullptr);
  RegisterTicketRoutes(*server_, TicketSource{});
  ASSERT_TRUE(server_->Start().ok());
  EXPECT_EQ(Get("/api/v1/tickets/X-5/sla").status, 503);
}

TEST_F(TicketRoutesTest, HostileIdsAreEncodedInPathsAndEscapedInHtml) {
  Start();
  const auto json_res = Get("/api/v1/tickets/" + kHostileInPath + "/sla");
  ASSERT_EQ(json_res.status, 200) << json_res.body;
  EXPECT_EQ(json::parse(json_res.body).at(0).at("ticket_id"), kHostile);
  const auto page = Get("/tickets/" + kHostileInPath);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(HeaderOf(page.head, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(HeaderOf(page.head, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(HeaderOf(page.head, "Cache-Control"), "no-store");
  const std::string& html = page.body;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("alert(\"x\")"), std::string::npos);
  EXPECT_GE(Count(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;/?#"), 3u) << html;
  EXPECT_NE(html.find("href=\"/api/v1/accounts/" + kHostileInPath + "\""), std::string::npos) << html;
  EXPECT_NE(html.find("href=\"/api/v1/tickets/" + kHostileInPath + "/sla\""), std::string::npos) << html;
  // The unknown-ticket page escapes the id it repeats, too.
  const auto unknown = Get("/tickets/%3Cb%3Enope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body.find("<b>"), std::string::npos);
  EXPECT_NE(unknown.body.find("&lt;b&gt;nope"), std::string::npos);
}

TEST_F(TicketRoutesTest, PageDrawsTheTimelineAndPrintsTheText) {
  Start();
  const auto page = Get("/tickets/X-5");
  ASSERT_EQ(page.status, 200);
  const std::string& html = page.body;
  EXPECT_NE(html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"), std::string::npos);
  EXPECT_EQ(Count(html, "<svg class=\"bar\""), 3u);
  EXPECT_NE(html.find("fill=\"#2e7d32\"><title>counted Mon 23 Nov 10:30 – Mon 23 Nov 12:00</title>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("fill=\"#90caf9\"><title>paused (pending) Mon 23 Nov 13:30 – Mon 23 Nov 15:30</title>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<polygon"), std::string::npos);                  // the breach mark
  EXPECT_NE(html.find("stroke-dasharray=\"5 3\""), std::string::npos);  // the target line
  EXPECT_NE(html.find("<p>Not counted: paused 2 h while pending; the rest outside business hours.</p>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<a href=\"/\">← console</a>"), std::string::npos);
}

TEST(TicketPageTest, HolidayAndOverrideSwatchesAndTheHollowFuture) {
  Events ev;
  ev.Upsert("brio", "2026-01-01T00:00:00Z", "B");
  ev.Opened("X-2", "brio", "2026-12-31T10:00:00+08:00");
  projections::SlaProjection p(MustLoad(kExtConfig));
  for (const auto& e : ev.all()) p.Apply(e);
  auto t = p.Explain("X-2", T("2027-01-02T00:00:00Z"));
  ASSERT_TRUE(t.ok());
  const projections::SlaExplanation& fr = t->instances.front();
  ASSERT_FALSE(fr.record.breached);
  const std::string svg = TimelineSvg(fr);
  EXPECT_NE(svg.find("fill=\"#ce93d8\"><title>holiday Fri 1 Jan 00:00 – Sat 2 Jan 00:00</title>"), std::string::npos)
      << svg;
  EXPECT_NE(svg.find("fill=\"#ffcc80\"><title>shortened or closed day Thu 31 Dec 13:00 – Thu 31 Dec 18:00</title>"),
            std::string::npos)
      << svg;
  // Still running: the time until the due instant is drawn hollow, the target line at its end.
  EXPECT_NE(svg.find("<title>still to come</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("x1=\"1000.00\" x2=\"1000.00\""), std::string::npos) << svg;
  EXPECT_EQ(svg.find("<polygon"), std::string::npos);
}

TEST(TicketPageTest, ALongClockDrawsNeighbouringStretchesAsOneAndNoDayTicks) {
  Events ev;
  ev.Upsert("brio", "2026-01-01T00:00:00Z", "B");
  ev.Opened("LONG-1", "brio", "2026-01-05T10:00:00+08:00");
  projections::SlaProjection p(MustLoad(kExtConfig));
  for (const auto& e : ev.all()) p.Apply(e);
  auto t = p.Explain("LONG-1", T("2028-01-05T00:00:00Z"));  // unanswered for two years
  ASSERT_TRUE(t.ok());
  const projections::SlaExplanation& fr = t->instances.front();
  ASSERT_EQ(fr.record.metric, projections::Metric::kFirstResponse);
  ASSERT_GT(fr.counted.size(), 400u);
  const std::string svg = TimelineSvg(fr);
  // Stretches closer than half a drawing unit (about 9 h here) merge: a
  // working day's morning and afternoon are one rectangle, and the nights,
  // lunches and weekends between two holidays are one.
  const size_t rects = Count(svg, "<rect");
  EXPECT_LT(rects, (fr.counted.size() + fr.not_counted.size()) / 2) << rects;
  EXPECT_NE(svg.find("<title>counted, "), std::string::npos) << svg.substr(0, 2000);
  EXPECT_NE(svg.find("<title>outside business hours, "), std::string::npos) << svg.substr(0, 2000);
  // Two years of local midnights would be unreadable: the only line is the target.
  EXPECT_EQ(Count(svg, "<line"), 1u);
  EXPECT_NE(svg.find("<polygon"), std::string::npos);  // breached long ago
}

}  // namespace
}  // namespace slamon::daemon
