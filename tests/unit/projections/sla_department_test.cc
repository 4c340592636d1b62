// Extension rules beyond the worked examples: department stays across
// resolve/reopen, re-selection, team matching, account calendars kept for the
// ticket's life, escalation of stopped instances, snapshot round trips.
#include <gtest/gtest.h>

#include <algorithm>

#include "projections/core/state_codec.h"
#include "projections/report/report.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using events::Priority;
using events::TicketStatus;
using testing::Events;
using testing::MustLoad;
using testing::T;

// 24x7 keeps the arithmetic obvious; "late" is a UTC calendar 12:00-24:00.
constexpr const char* kConfig = R"(
calendars:
  - name: late
    timezone: UTC
    hours: {mon: ["12:00-24:00"], tue: ["12:00-24:00"], wed: ["12:00-24:00"], thu: ["12:00-24:00"],
            fri: ["12:00-24:00"], sat: ["12:00-24:00"], sun: ["12:00-24:00"]}
policies:
  - name: east-urgent
    match: {team: [east], priority: [urgent]}
    use_account_calendar: true
    targets: {first_response: 10m, resolution: 1h}
    group_targets: {tech: 1h}
  - name: east
    match: {team: [east]}
    use_account_calendar: true
    targets: {first_response: 1h, resolution: 4h}
    escalation: [{name: lead, after: 0}, {name: head, after: 2h}]
    group_targets: {tech: 2h, sales: 30m}
  - name: rest
    targets: {first_response: 2h}
    group_targets: {sales: 1h}
)";

class DepartmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& e = ev_.Upsert("e", "2026-01-01T00:00:00Z", "A");
    e.team = "east";
    e.calendar = "late";
    ev_.Upsert("n", "2026-01-01T00:00:00Z", "A");  // no team
  }
  std::vector<SlaRecord> Eval(const std::string& as_of, SlaProjection* keep = nullptr) {
    SlaProjection p(MustLoad(kConfig));
    for (const auto& e : ev_.all()) p.Apply(e);
    if (keep != nullptr) {
      std::string state;
      p.SaveState(&state);
      EXPECT_TRUE(keep->LoadState(state).ok());
    }
    return p.Evaluate(T(as_of));
  }
  static std::vector<const SlaRecord*> Of(const std::vector<SlaRecord>& rs, Metric m) {
    std::vector<const SlaRecord*> out;
    for (const auto& r : rs) {
      if (r.metric == m) out.push_back(&r);
    }
    return out;
  }
  Events ev_;
};

TEST_F(DepartmentTest, ResolveRemembersGroupAndReopenStartsNewStay) {
  ev_.Opened("D", "n", "2026-11-02T00:00:00Z");
  ev_.Assigned("D", "2026-11-02T01:00:00Z", "sales");
  ev_.Resolved("D", "2026-11-02T01:20:00Z");
  ev_.Assigned("D", "2026-11-02T02:00:00Z", "tech");   // while resolved: only remembered
  ev_.Assigned("D", "2026-11-02T02:10:00Z", "sales");  // ... and changed back
  ev_.Reopened("D", "2026-11-02T03:00:00Z");
  auto rs = Eval("2026-11-02T04:00:00Z");
  auto stays = Of(rs, Metric::kAssignment);
  ASSERT_EQ(stays.size(), 2u);
  EXPECT_EQ(stays[0]->cycle, 1);
  EXPECT_EQ(*stays[0]->stop, T("2026-11-02T01:20:00Z"));
  EXPECT_EQ(stays[0]->elapsed_seconds, 1200);
  EXPECT_EQ(stays[1]->cycle, 2);
  EXPECT_EQ(stays[1]->group, "sales");
  EXPECT_EQ(stays[1]->start, T("2026-11-02T03:00:00Z"));
  EXPECT_EQ(stays[1]->elapsed_seconds, 3600);
  EXPECT_TRUE(stays[1]->breached);  // rest: sales 1h
  EXPECT_EQ(stays[1]->policy, "rest");
}

TEST_F(DepartmentTest, StaysWithoutTargetStillCountCycles) {
  ev_.Opened("D", "n", "2026-11-02T00:00:00Z");
  ev_.Assigned("D", "2026-11-02T00:00:00Z", "tech");  // rest has no tech target
  ev_.Assigned("D", "2026-11-02T01:00:00Z", "sales");
  ev_.Assigned("D", "2026-11-02T01:30:00Z", "finance");
  auto rs = Eval("2026-11-02T04:00:00Z");
  auto stays = Of(rs, Metric::kAssignment);
  ASSERT_EQ(stays.size(), 1u);
  EXPECT_EQ(stays[0]->cycle, 2);
  EXPECT_EQ(stays[0]->group, "sales");
  EXPECT_EQ(stays[0]->elapsed_seconds, 1800);
  EXPECT_EQ(stays[0]->state, InstanceState::kStopped);
}

TEST_F(DepartmentTest, AssignmentBeforeOpenChangesNothing) {
  ev_.Assigned("D", "2026-11-02T00:00:00Z", "sales");
  ev_.Opened("D", "n", "2026-11-02T01:00:00Z");
  EXPECT_TRUE(Of(Eval("2026-11-02T04:00:00Z"), Metric::kAssignment).empty());
}

TEST_F(DepartmentTest, TeamMatchAccountCalendarAndPausedStay) {
  // Account e (team east, calendar "late" 12-24 UTC): policy east on "late".
  ev_.Opened("D", "e", "2026-11-02T10:00:00Z", Priority::kNormal);
  ev_.Assigned("D", "2026-11-02T11:00:00Z", "tech");
  ev_.Status("D", "2026-11-02T13:00:00Z", TicketStatus::kOnHold);
  ev_.Status("D", "2026-11-02T14:00:00Z", TicketStatus::kOpen);
  auto rs = Eval("2026-11-02T15:00:00Z");
  auto stays = Of(rs, Metric::kAssignment);
  ASSERT_EQ(stays.size(), 1u);
  EXPECT_EQ(stays[0]->policy, "east");
  EXPECT_EQ(stays[0]->elapsed_seconds, 7200);  // 12-13 and 14-15; on_hold pauses assignment by default
  EXPECT_EQ(stays[0]->target_seconds, 7200);
  EXPECT_TRUE(stays[0]->breached);
  EXPECT_EQ(*stays[0]->breach_at, T("2026-11-02T15:00:00Z"));
  EXPECT_EQ(stays[0]->escalation.value_or(""), "lead");  // after 0: escalated at the breach
  EXPECT_EQ(*stays[0]->escalated_at, T("2026-11-02T15:00:00Z"));
  // Without a team the east policies never match.
  ev_.Opened("N", "n", "2026-11-02T10:00:00Z", Priority::kUrgent);
  for (const auto& r : Eval("2026-11-02T15:00:00Z")) {
    if (r.ticket_id == "N") {
      EXPECT_EQ(r.policy, "rest");
    }
  }
}

TEST_F(DepartmentTest, PriorityChangeMovesRunningStayAndKeepsAccountCalendar) {
  ev_.Opened("D", "e", "2026-11-02T12:00:00Z", Priority::kNormal);
  ev_.Assigned("D", "2026-11-02T12:00:00Z", "tech");
  ev_.Assigned("D", "2026-11-02T12:10:00Z", "sales");  // east-urgent has no sales target
  // A later upsert moving the account to 24x7 does not touch the open ticket.
  ev_.Upsert("e", "2026-11-02T12:20:00Z", "A").team = "east";
  ev_.Priority("D", "2026-11-02T12:30:00Z", Priority::kUrgent);
  auto rs = Eval("2026-11-03T00:00:00Z");
  auto stays = Of(rs, Metric::kAssignment);
  ASSERT_EQ(stays.size(), 2u);
  EXPECT_EQ(stays[0]->policy, "east");  // stopped before the change
  EXPECT_EQ(stays[1]->group, "sales");
  EXPECT_EQ(stays[1]->policy, "east");  // no sales target in east-urgent: stays
  for (const auto& r : rs) {
    if (r.metric == Metric::kResolution) {
      EXPECT_EQ(r.policy, "east-urgent");
      EXPECT_EQ(r.elapsed_seconds, 12 * 3600);  // still on "late": 12:00-24:00
    }
  }
  // A tech stay running at the change moves (retroactively) to east-urgent.
  ev_.Assigned("D", "2026-11-02T12:20:00Z", "tech");
  rs = Eval("2026-11-02T13:00:00Z");
  stays = Of(rs, Metric::kAssignment);
  ASSERT_EQ(stays.size(), 3u);
  EXPECT_EQ(stays[2]->group, "tech");
  EXPECT_EQ(stays[2]->policy, "east-urgent");
  EXPECT_EQ(stays[2]->target_seconds, 3600);
}

TEST_F(DepartmentTest, StoppedBreachEscalatesToLaterStep) {
  ev_.Opened("D", "e", "2026-11-02T12:00:00Z", Priority::kNormal);
  ev_.AgentReply("D", "2026-11-02T16:30:00Z");  // first_response 1h: overshoot 3h30
  auto rs = Eval("2026-11-03T00:00:00Z");
  const SlaRecord* fr = Of(rs, Metric::kFirstResponse).at(0);
  EXPECT_EQ(fr->state, InstanceState::kStopped);
  EXPECT_EQ(fr->escalation.value_or(""), "head");
  EXPECT_EQ(*fr->escalated_at, T("2026-11-02T15:00:00Z"));
}

TEST_F(DepartmentTest, UnknownAccountCalendarFallsBackAndIsCounted) {
  ev_.Upsert("u", "2026-01-01T00:00:00Z", "A").team = "east";
  ev_.all().back().calendar = "nowhere";
  ev_.Upsert("u", "2026-02-01T00:00:00Z", "A").team = "east";
  ev_.all().back().calendar = "nowhere";
  ev_.Opened("D", "u", "2026-11-02T00:00:00Z", Priority::kNormal);
  SlaProjection p(MustLoad(kConfig));
  for (const auto& e : ev_.all()) p.Apply(e);
  EXPECT_EQ(p.unknown_calendar_count(), 1u) << "counted once per account, not per upsert";
  auto rs = p.Evaluate(T("2026-11-02T01:00:00Z"));
  ASSERT_FALSE(rs.empty());
  EXPECT_EQ(rs[0].policy, "east");
  EXPECT_EQ(rs[0].elapsed_seconds, 3600);  // the policy's own 24x7
}

TEST_F(DepartmentTest, SnapshotRoundTripKeepsAssignmentsChannelsAndCalendars) {
  ev_.Opened("D", "e", "2026-11-02T12:00:00Z").channel = "phone";
  ev_.Assigned("D", "2026-11-02T12:00:00Z", "tech", "wang");
  ev_.Assigned("D", "2026-11-02T13:00:00Z", "sales");
  ev_.Resolved("D", "2026-11-02T13:10:00Z");
  ev_.Reopened("D", "2026-11-02T14:00:00Z");
  SlaProjection restored(MustLoad(kConfig));
  auto rs = Eval("2026-11-02T20:00:00Z", &restored);
  EXPECT_EQ(Of(rs, Metric::kAssignment).size(), 3u);
  EXPECT_EQ(restored.Evaluate(T("2026-11-02T20:00:00Z")), rs);
  // Saving the restored projection gives the same bytes.
  SlaProjection again(MustLoad(kConfig));
  for (const auto& e : ev_.all()) again.Apply(e);
  std::string a, b;
  again.SaveState(&a);
  restored.SaveState(&b);
  EXPECT_EQ(a, b);
}

TEST_F(DepartmentTest, ReportCountsDepartmentsPerGroupApartFromTierFigures) {
  ev_.Opened("D", "n", "2026-11-02T00:00:00Z");
  ev_.Assigned("D", "2026-11-02T00:00:00Z", "sales");  // rest: sales 1h
  ev_.Assigned("D", "2026-11-02T00:30:00Z", "tech");   // no tech target in rest
  ev_.Assigned("D", "2026-11-02T00:40:00Z", "sales");
  ev_.AgentReply("D", "2026-11-02T00:45:00Z");
  ReportBuilder builder(MustLoad(kConfig), HealthConfig{});
  for (const auto& e : ev_.all()) builder.Apply(e);
  const Report report = builder.Build({.from = T("2026-11-01T00:00:00Z"), .to = T("2026-11-03T00:00:00Z")});
  ASSERT_EQ(report.by_department.size(), 1u);
  EXPECT_EQ(report.by_department[0].group, "sales");
  EXPECT_EQ(report.by_department[0].counts.instances, 2);
  EXPECT_EQ(report.by_department[0].counts.met, 1);       // the first stay: 30 min
  EXPECT_EQ(report.by_department[0].counts.breached, 1);  // the third ran 23h20m by the end
  EXPECT_EQ(report.by_department[0].counts.open, 0);
  // The tier figures hold the first response only.
  EXPECT_EQ(report.total.all.instances, 1);
  EXPECT_EQ(report.total.metrics[static_cast<size_t>(Metric::kAssignment)].instances, 0);
  const auto notes = ReportNotes(report);
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(),
                          [](const std::string& n) { return n.find("Department clocks") != std::string::npos; }));
}

TEST_F(DepartmentTest, ReadsFormatOneStateWithoutNames) {
  // Format 1 (before channels, groups, teams and calendars): one account with
  // one upsert and one opened ticket.
  std::string state;
  projections::detail::StateWriter w(&state);
  w.Header("SLAP", 1);
  w.Varint(2);  // tiers
  w.String("unknown");
  w.String("A");
  w.Varint(2);  // owners
  w.String("");
  w.String("o");
  std::string_view prev;
  w.Varint(1);  // accounts
  w.Prefixed("n", &prev);
  w.Varint(1);
  w.Signed(T("2026-01-01T00:00:00Z"));
  prev = {};
  w.Prefixed("u1", &prev);
  w.Varint(1);
  w.Varint(1);
  w.Varint(1);  // tickets
  prev = {};
  w.Prefixed("D", &prev);
  w.Varint(1);
  w.Signed(T("2026-11-02T00:00:00Z") - T("2026-01-01T00:00:00Z"));
  w.Byte(static_cast<uint8_t>(events::EventType::kTicketOpened));
  w.Byte(static_cast<uint8_t>(Priority::kHigh));
  w.Varint(1);
  prev = {};
  w.Prefixed("o1", &prev);
  SlaProjection p(MustLoad(kConfig));
  ASSERT_TRUE(p.LoadState(state).ok());
  auto rs = p.Evaluate(T("2026-11-02T01:00:00Z"));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].policy, "rest");
  EXPECT_EQ(rs[0].elapsed_seconds, 3600);
  // Saved again, it is the current format (3) and still loads.
  std::string again;
  p.SaveState(&again);
  EXPECT_EQ(static_cast<uint8_t>(again[4]), 3);
  SlaProjection q(MustLoad(kConfig));
  ASSERT_TRUE(q.LoadState(again).ok());
  EXPECT_EQ(q.Evaluate(T("2026-11-02T01:00:00Z")), rs);
}

}  // namespace
}  // namespace slamon::projections
