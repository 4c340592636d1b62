// The compliance report (`slamon report`): a hand-built history with figures
// computed by hand; a generated history (events::Generator) in a real store,
// rendered by the binary and compared byte for byte with tests/golden/report.{md,csv}
// (SLAMON_UPDATE_GOLDEN=1 rewrites them) and number by number with counts
// recomputed here from the projections; the HTML rendered to a PNG by
// headless Chromium; argument errors.
#include "projections/report/report.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/cli/report_command.h"
#include "daemon/report/report_render.h"
#include "events/codec.h"
#include "tests/support/health_test_util.h"

namespace slamon::testing {
namespace {

using events::EventType;
using projections::Metric;
using projections::health_testing::T;

constexpr const char* kHandConfig = R"(
policies:
  - name: tier-a
    match: {tier: [A]}
    targets: {first_response: 1h, resolution: 8h}
  - name: default
    targets: {first_response: 4h}
)";

std::shared_ptr<const projections::SlaConfig> LoadSla(const std::string& yaml) {
  auto c = projections::LoadSlaConfigText(yaml, "report_test.yaml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::make_shared<const projections::SlaConfig>(c.take());
}

// A November 2026 history whose report figures are worked out by hand in
// the comments (24x7 calendar, so elapsed = wall-clock time).
projections::Report HandReport(double objective = projections::kDefaultSlaObjectivePercent) {
  projections::health_testing::Events ev;
  const auto agent = events::Author::kAgent;
  ev.Upsert("a1", T("2026-06-01T00:00:00Z"), "A", "alice");
  ev.Upsert("d1", T("2026-06-01T00:00:00Z"), "A", "alice");
  ev.Churn("d1", T("2026-10-01T00:00:00Z"));  // churned before the window: not live in it
  ev.Upsert("b1", T("2026-06-01T00:00:00Z"), "B", "bob");
  ev.Upsert("c1", T("2026-06-01T00:00:00Z"), "B", "bob");
  ev.Churn("c1", T("2026-11-15T00:00:00Z"));  // churned in the window
  ev.Upsert("e1", T("2026-06-01T00:00:00Z"), "B", "carol <x|y>");
  ev.Survey("e1", T("2026-09-15T12:00:00Z"), 1);  // before the window; makes e1 at risk (score 45)
  // a1: T0 starts before the window; only its resolution breach (11-01 04:00) is in it.
  ev.Survey("a1", T("2026-10-20T00:00:00Z"), 1);
  ev.Ticket(EventType::kTicketOpened, "a1", T("2026-10-31T20:00:00Z"), "T0");
  // T1: both met.
  ev.Ticket(EventType::kTicketOpened, "a1", T("2026-11-02T10:00:00Z"), "T1");
  ev.Reply("a1", T("2026-11-02T10:30:00Z"), "T1", agent);
  ev.Ticket(EventType::kTicketResolved, "a1", T("2026-11-02T12:00:00Z"), "T1");
  // T2: first response breached at 11:00 (replied 12:00), resolution breached at 18:00 (never resolved).
  ev.Ticket(EventType::kTicketOpened, "a1", T("2026-11-03T10:00:00Z"), "T2");
  ev.Reply("a1", T("2026-11-03T12:00:00Z"), "T2", agent);
  // T3: both breached (21:00, 04:00), still running.
  ev.Ticket(EventType::kTicketOpened, "a1", T("2026-11-29T20:00:00Z"), "T3");
  // T4: first response due exactly at the window end: open, not breached.
  ev.Ticket(EventType::kTicketOpened, "a1", T("2026-11-30T23:00:00Z"), "T4");
  ev.Survey("a1", T("2026-11-05T00:00:00Z"), 5);
  ev.Survey("a1", T("2026-11-06T00:00:00Z"), 4);
  ev.Survey("a1", T("2026-11-07T00:00:00Z"), 2);
  ev.Survey("a1", T("2026-12-01T00:00:00Z"), 1);  // at the window end: excluded
  // b1: first response met (2h of 4h), a satisfied answer.
  ev.Ticket(EventType::kTicketOpened, "b1", T("2026-11-10T09:00:00Z"), "T5");
  ev.Reply("b1", T("2026-11-10T11:00:00Z"), "T5", agent);
  ev.Survey("b1", T("2026-11-20T00:00:00Z"), 5);

  projections::ReportBuilder builder(LoadSla(kHandConfig), projections::HealthConfig{});
  // Reverse order: the report must not depend on arrival order.
  for (auto it = ev.list().rbegin(); it != ev.list().rend(); ++it) builder.Apply(*it);
  projections::ReportOptions options;
  options.from = T("2026-11-01T00:00:00Z");
  options.to = T("2026-12-01T00:00:00Z");
  options.objective_percent = objective;
  return builder.Build(options);
}

std::tuple<int64_t, int64_t, int64_t, int64_t> Counts(const projections::MetricCounts& c) {
  return {c.instances, c.met, c.breached, c.open};
}

TEST(ReportTest, HandBuiltHistoryFiguresAreTheHandComputedOnes) {
  const projections::Report r = HandReport();
  EXPECT_EQ(r.as_of, T("2026-11-30T23:59:59Z"));
  ASSERT_EQ(r.by_owner.size(), 3u);
  const auto& alice = r.by_owner[0];
  const auto& bob = r.by_owner[1];
  const auto& carol = r.by_owner[2];
  EXPECT_EQ(std::tie(alice.tier, alice.owner), std::make_tuple(std::string("A"), std::string("alice")));
  EXPECT_EQ(std::tie(bob.tier, bob.owner), std::make_tuple(std::string("B"), std::string("bob")));
  EXPECT_EQ(carol.owner, "carol <x|y>");

  // alice (a1; d1 churned): T1 met, T2 and T3 breached, T4 open, for both metrics.
  const auto fr = static_cast<size_t>(Metric::kFirstResponse), res = static_cast<size_t>(Metric::kResolution);
  EXPECT_EQ(Counts(alice.metrics[fr]), std::make_tuple(4, 1, 2, 1));
  EXPECT_EQ(Counts(alice.metrics[res]), std::make_tuple(4, 1, 2, 1));
  EXPECT_EQ(Counts(alice.all), std::make_tuple(8, 2, 4, 2));
  EXPECT_NEAR(*alice.metrics[fr].PercentMet(), 100.0 / 3, 1e-9);
  EXPECT_EQ(r.MeetsObjective(alice.all), false);
  EXPECT_EQ(alice.csat.answered, 3);  // 10-20 is before, 12-01 is at the end
  EXPECT_EQ(alice.csat.satisfied, 2);
  EXPECT_EQ(alice.churn.live, 1);  // a1 only: d1 churned before the window
  EXPECT_EQ(alice.churn.churned, 0);
  EXPECT_EQ(alice.accounts, 1);
  EXPECT_EQ(alice.at_risk, 0);  // a1 scores 60 (watch)

  EXPECT_EQ(Counts(bob.metrics[fr]), std::make_tuple(1, 1, 0, 0));
  EXPECT_EQ(Counts(bob.metrics[res]), std::make_tuple(0, 0, 0, 0));
  EXPECT_EQ(bob.csat.Percent(), 100.0);
  EXPECT_EQ(bob.churn.live, 2);
  EXPECT_EQ(bob.churn.churned, 1);
  EXPECT_EQ(bob.churn.Percent(), 50.0);
  EXPECT_EQ(projections::Report::MeetsChurn(bob.churn), false);
  EXPECT_EQ(carol.csat.answered, 0);
  EXPECT_EQ(projections::Report::MeetsCsat(carol.csat), std::nullopt);
  EXPECT_EQ(carol.at_risk, 1);

  ASSERT_EQ(r.by_tier.size(), 2u);
  EXPECT_EQ(r.by_tier[1].tier, "B");
  EXPECT_EQ(r.by_tier[1].churn.churned, 1);
  EXPECT_EQ(r.by_tier[1].churn.live, 3);
  EXPECT_EQ(r.by_tier[1].accounts, 2);

  // Total: 9 instances, 3 met, 4 breached, 2 open -> 3/7 met; CSAT 3/4; churn 1/4.
  EXPECT_EQ(Counts(r.total.all), std::make_tuple(9, 3, 4, 2));
  EXPECT_NEAR(*r.total.all.PercentMet(), 300.0 / 7, 1e-9);
  EXPECT_EQ(r.total.csat.Percent(), 75.0);
  EXPECT_EQ(r.total.churn.Percent(), 25.0);
  EXPECT_EQ(r.total.accounts, 3);

  ASSERT_EQ(r.breaches.size(), 5u);
  const std::vector<std::tuple<std::string, Metric, int64_t>> expected = {
      {"T0", Metric::kResolution, T("2026-11-01T04:00:00Z")},
      {"T2", Metric::kFirstResponse, T("2026-11-03T11:00:00Z")},
      {"T2", Metric::kResolution, T("2026-11-03T18:00:00Z")},
      {"T3", Metric::kFirstResponse, T("2026-11-29T21:00:00Z")},
      {"T3", Metric::kResolution, T("2026-11-30T04:00:00Z")}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(std::make_tuple(r.breaches[i].ticket_id, r.breaches[i].metric, r.breaches[i].breach_at), expected[i])
        << i;
  }
  EXPECT_EQ(r.breaches[1].elapsed_seconds, 7200);  // stopped by the 12:00 reply
  EXPECT_EQ(r.breaches[1].owner, "alice");
  EXPECT_EQ(r.breaches[1].policy, "tier-a");

  ASSERT_EQ(r.at_risk.size(), 1u);
  EXPECT_EQ(r.at_risk[0].account_id, "e1");
  EXPECT_NEAR(r.at_risk[0].score, 45, 1e-9);  // csat 0, sla 100, silence 0, reopen 100
  EXPECT_EQ(daemon::detail::Reasons(r.at_risk[0]), "csat 0.0, silence 0.0");
}

TEST(ReportTest, TargetsAreComparedOnExactCounts) {
  projections::Report r;
  r.objective_percent = 95;
  EXPECT_EQ(r.MeetsObjective({20, 19, 1, 0}), true);  // exactly 95
  EXPECT_EQ(r.MeetsObjective({40, 37, 2, 1}), false);
  EXPECT_EQ(r.MeetsObjective({3, 0, 0, 3}), std::nullopt);  // only open instances: no verdict
  EXPECT_EQ(projections::Report::MeetsCsat({10, 9}), true);
  EXPECT_EQ(projections::Report::MeetsCsat({11, 9}), false);
  EXPECT_EQ(projections::Report::MeetsChurn({1, 20}), true);
  EXPECT_EQ(projections::Report::MeetsChurn({2, 20}), false);
  EXPECT_EQ(projections::Report::MeetsChurn({0, 0}), std::nullopt);
  // A lower objective flips the verdict of the hand history's 3/7.
  EXPECT_EQ(HandReport(40).MeetsObjective(HandReport(40).total.all), true);
}

TEST(ReportTest, RenderersEscapeTextAndShowTheFigures) {
  const projections::Report r = HandReport();
  const std::string md = daemon::RenderReportMarkdown(r);
  EXPECT_NE(md.find("carol \\<x\\|y\\>"), std::string::npos);
  EXPECT_EQ(md.find("carol <x|y>"), std::string::npos);
  EXPECT_NE(md.find("| A | alice | first_response | 4 | 1 | 2 | 1 | 33.3 | 95 | NO |"), std::string::npos) << md;
  EXPECT_NE(md.find("| All tiers | 3 | 1 | 9 | 3 | 4 | 2 | 42.9 | NO | 75.0 | NO | 25.0 | NO |"), std::string::npos)
      << md;
  const std::string html = daemon::RenderReportHtml(r);
  EXPECT_NE(html.find("carol &lt;x|y&gt;"), std::string::npos);
  EXPECT_EQ(html.find("carol <x"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  const std::string csv = daemon::RenderReportCsv(r);
  EXPECT_NE(csv.find("\r\nat_risk,,B,carol <x|y>,e1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\r\nnote,"), std::string::npos);
}

TEST(ReportTest, DepartmentRowsOnlyWhenThereAreAny) {
  projections::Report r = HandReport();
  EXPECT_EQ(daemon::RenderReportMarkdown(r).find("Department clocks"), std::string::npos);
  EXPECT_EQ(daemon::RenderReportCsv(r).find("department,"), std::string::npos);
  projections::MetricCounts c;
  c.instances = 3;
  c.met = 1;
  c.breached = 1;
  c.open = 1;
  r.by_department.push_back({"tech", c});
  const std::string md = daemon::RenderReportMarkdown(r);
  EXPECT_NE(md.find("## Department clocks by group"), std::string::npos) << md;
  EXPECT_NE(md.find("| tech | 3 | 1 | 1 | 1 | 50.0 |"), std::string::npos) << md;
  const std::string csv = daemon::RenderReportCsv(r);
  EXPECT_NE(csv.find("\r\ndepartment,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",tech,"), std::string::npos) << csv;
  EXPECT_NE(daemon::RenderReportHtml(r).find("<h2>Department clocks by group</h2>"), std::string::npos);
}

TEST(ReportTest, ParsesDatesAndInstants) {
  int64_t t = 0;
  ASSERT_TRUE(daemon::ParseReportTime("2026-11-01", &t));
  EXPECT_EQ(t, T("2026-11-01T00:00:00Z"));
  ASSERT_TRUE(daemon::ParseReportTime("2026-11-01T08:00:00+08:00", &t));
  EXPECT_EQ(t, T("2026-11-01T00:00:00Z"));
  EXPECT_FALSE(daemon::ParseReportTime("2026-11-1", &t));
  EXPECT_FALSE(daemon::ParseReportTime("2026-13-01", &t));
  EXPECT_FALSE(daemon::ParseReportTime("2026-11-01T00:00:00", &t));  // no offset
  EXPECT_EQ(projections::FormatDurationShort(30600), "8h 30m");
  EXPECT_EQ(projections::FormatDurationShort(45), "45s");
  EXPECT_EQ(projections::FormatDurationShort(2 * 86400 + 3600), "2d 1h");
}

}  // namespace
}  // namespace slamon::testing
