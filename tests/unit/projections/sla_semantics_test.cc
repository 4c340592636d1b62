// Clock rules of docs/sla-semantics.md beyond the worked examples.
#include <gtest/gtest.h>

#include "projections/sla/sla_projection.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using events::Priority;
using events::TicketStatus;
using testing::Events;
using testing::Get;
using testing::MustLoad;
using testing::T;

// 24x7 policies keep the arithmetic obvious; "biz" is 09:00-17:00 UTC Mon-Fri.
constexpr const char* kConfig = R"(
calendars:
  - name: biz
    timezone: UTC
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"],
            fri: ["09:00-17:00"]}
policies:
  - name: gold-urgent
    match: {tier: [gold], priority: [urgent]}
    targets: {first_response: 30m, next_response: 1h, resolution: 4h}
  - name: gold
    match: {tier: [gold]}
    calendar: biz
    targets: {first_response: 2h, next_response: 4h, resolution: 2d}
    warn_at: 0.5
  - name: silver
    match: {tier: [silver]}
    targets: {first_response: 8h}
  - name: biz-all
    match: {tier: [bronze]}
    calendar: biz
    targets: {first_response: 1h, resolution: 1d}
    pause_metrics: [resolution, first_response]
)";

class SemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ev_.Upsert("g", "2026-01-01T00:00:00Z", "gold");
    ev_.Upsert("s", "2026-01-01T00:00:00Z", "silver");
    ev_.Upsert("b", "2026-01-01T00:00:00Z", "bronze");
  }
  std::vector<SlaRecord> Eval(const std::string& as_of) { return testing::Replay(kConfig, ev_.all(), T(as_of)); }
  static int Count(const std::vector<SlaRecord>& rs, Metric m) {
    return static_cast<int>(std::count_if(rs.begin(), rs.end(), [m](const SlaRecord& r) { return r.metric == m; }));
  }
  Events ev_;
};

TEST_F(SemanticsTest, PauseAcrossNightAndWeekend) {
  // Fri 2026-11-20 10:00 open; pending Fri 16:00 .. Mon 11:00 on a 9-17 calendar.
  ev_.Opened("T", "b", "2026-11-20T10:00:00Z");
  ev_.Status("T", "2026-11-20T16:00:00Z", TicketStatus::kPending);
  ev_.Status("T", "2026-11-23T11:00:00Z", TicketStatus::kOpen);
  auto rs = Eval("2026-11-23T12:00:00Z");
  const SlaRecord& res = Get(rs, Metric::kResolution);
  EXPECT_EQ(res.elapsed_seconds, 6 * 3600 + 3600);  // Fri 10-16, Mon 11-12
  EXPECT_EQ(res.state, InstanceState::kActive);
  // 1d = 24 h of counted time: 17 h left = Mon 12-17, Tue 9-17, Wed 9-13.
  EXPECT_EQ(*res.due_at, T("2026-11-25T13:00:00Z"));
  // While paused: state paused, elapsed frozen, no due_at.
  rs = Eval("2026-11-21T12:00:00Z");
  EXPECT_EQ(Get(rs, Metric::kResolution).state, InstanceState::kPaused);
  EXPECT_EQ(Get(rs, Metric::kResolution).elapsed_seconds, 6 * 3600);
  EXPECT_FALSE(Get(rs, Metric::kResolution).due_at.has_value());
}

TEST_F(SemanticsTest, FirstResponseIsNotPausedByDefault) {
  ev_.Opened("T", "g", "2026-11-16T09:00:00Z");
  ev_.Status("T", "2026-11-16T09:30:00Z", TicketStatus::kOnHold);
  auto rs = Eval("2026-11-16T12:00:00Z");
  const SlaRecord& fr = Get(rs, Metric::kFirstResponse);
  EXPECT_EQ(fr.state, InstanceState::kActive);
  EXPECT_EQ(fr.elapsed_seconds, 3 * 3600);
  EXPECT_TRUE(fr.breached);
  EXPECT_EQ(*fr.breach_at, T("2026-11-16T11:00:00Z"));
  EXPECT_EQ(Get(rs, Metric::kResolution).state, InstanceState::kPaused);
  EXPECT_EQ(Get(rs, Metric::kResolution).elapsed_seconds, 1800);
}

TEST_F(SemanticsTest, FirstResponsePausedWhenListed) {
  ev_.Opened("T", "b", "2026-11-16T09:00:00Z");
  ev_.Status("T", "2026-11-16T09:30:00Z", TicketStatus::kPending);
  auto rs = Eval("2026-11-16T12:00:00Z");
  EXPECT_EQ(Get(rs, Metric::kFirstResponse).state, InstanceState::kPaused);
  EXPECT_EQ(Get(rs, Metric::kFirstResponse).elapsed_seconds, 1800);
}

TEST_F(SemanticsTest, NextResponseCycles) {
  ev_.Opened("T", "g", "2026-11-16T09:00:00Z");
  ev_.CustomerReply("T", "2026-11-16T09:10:00Z");  // before any agent reply: no cycle
  ev_.AgentReply("T", "2026-11-16T09:30:00Z");
  ev_.CustomerReply("T", "2026-11-16T10:00:00Z");  // cycle 1
  ev_.CustomerReply("T", "2026-11-16T10:30:00Z");  // cycle running: nothing
  ev_.AgentReply("T", "2026-11-16T11:00:00Z");     // stops cycle 1
  ev_.CustomerReply("T", "2026-11-16T16:00:00Z");  // cycle 2
  ev_.Resolved("T", "2026-11-17T10:00:00Z");       // stops cycle 2
  ev_.CustomerReply("T", "2026-11-17T11:00:00Z");  // resolved: nothing
  auto rs = Eval("2026-11-18T00:00:00Z");
  ASSERT_EQ(Count(rs, Metric::kNextResponse), 2);
  const SlaRecord& c1 = Get(rs, Metric::kNextResponse, 1);
  EXPECT_EQ(c1.start, T("2026-11-16T10:00:00Z"));
  EXPECT_EQ(*c1.stop, T("2026-11-16T11:00:00Z"));
  EXPECT_EQ(c1.elapsed_seconds, 3600);
  const SlaRecord& c2 = Get(rs, Metric::kNextResponse, 2);
  EXPECT_EQ(*c2.stop, T("2026-11-17T10:00:00Z"));
  EXPECT_EQ(c2.elapsed_seconds, 2 * 3600);  // 16-17 Mon, 09-10 Tue
  EXPECT_FALSE(c2.breached);
  EXPECT_EQ(*Get(rs, Metric::kFirstResponse).stop, T("2026-11-16T09:30:00Z"));
}

TEST_F(SemanticsTest, InternalNotesStopNothing) {
  ev_.Opened("T", "g", "2026-11-16T09:00:00Z");
  ev_.Reply("T", "2026-11-16T09:10:00Z", events::Author::kAgent, /*is_public=*/false);
  auto rs = Eval("2026-11-16T12:00:00Z");
  EXPECT_EQ(Get(rs, Metric::kFirstResponse).state, InstanceState::kActive);
  EXPECT_EQ(Count(rs, Metric::kNextResponse), 0);
}

TEST_F(SemanticsTest, ReopenStartsNewResolutionCycle) {
  ev_.Opened("T", "s", "2026-11-16T09:00:00Z");
  ev_.Resolved("T", "2026-11-16T10:00:00Z");
  ev_.Reopened("T", "2026-11-16T12:00:00Z");
  ev_.Opened("T", "g", "2026-11-16T13:00:00Z");  // a second open is ignored
  auto rs = Eval("2026-11-16T14:00:00Z");
  EXPECT_EQ(Count(rs, Metric::kResolution), 0);  // silver has no resolution target
  EXPECT_EQ(Get(rs, Metric::kFirstResponse).policy, "silver");

  Events more;
  more.Upsert("g", "2026-01-01T00:00:00Z", "gold");
  more.Opened("U", "g", "2026-11-16T09:00:00Z", Priority::kUrgent);
  more.Resolved("U", "2026-11-16T10:00:00Z");
  more.Reopened("U", "2026-11-16T12:00:00Z");
  more.Reopened("U", "2026-11-16T12:30:00Z");  // not resolved: ignored
  more.Resolved("U", "2026-11-16T13:00:00Z");
  more.Reopened("U", "2026-11-16T20:00:00Z");
  SlaProjection p(MustLoad(kConfig));
  for (const auto& e : more.all()) p.Apply(e);
  rs = p.Evaluate(T("2026-11-17T02:00:00Z"));
  ASSERT_EQ(Count(rs, Metric::kResolution), 3);
  EXPECT_EQ(Get(rs, Metric::kResolution, 1).elapsed_seconds, 3600);
  EXPECT_EQ(Get(rs, Metric::kResolution, 2).elapsed_seconds, 3600);
  const SlaRecord& c3 = Get(rs, Metric::kResolution, 3);
  EXPECT_EQ(c3.elapsed_seconds, 6 * 3600);
  EXPECT_TRUE(c3.breached);
  EXPECT_EQ(*c3.breach_at, T("2026-11-17T00:00:00Z"));
  EXPECT_EQ(c3.state, InstanceState::kActive);
}

TEST_F(SemanticsTest, PriorityChangeIsRetroactiveForRunningInstances) {
  // gold normal: biz calendar, fr 2h. Escalated to urgent at 10:00: 24x7, fr 30m.
  ev_.Opened("T", "g", "2026-11-16T08:00:00Z", Priority::kNormal);
  ev_.AgentReply("T", "2026-11-16T09:30:00Z");     // fr stopped under gold (30 min of 9-17)
  ev_.CustomerReply("T", "2026-11-16T09:40:00Z");  // next_response cycle 1 under gold
  ev_.Priority("T", "2026-11-16T10:00:00Z", Priority::kUrgent);
  auto rs = Eval("2026-11-16T11:00:00Z");
  const SlaRecord& fr = Get(rs, Metric::kFirstResponse);
  EXPECT_EQ(fr.policy, "gold");  // stopped instances keep their policy
  EXPECT_EQ(fr.elapsed_seconds, 1800);
  EXPECT_EQ(fr.priority, Priority::kUrgent);
  const SlaRecord& res = Get(rs, Metric::kResolution);
  EXPECT_EQ(res.policy, "gold-urgent");  // from its original start, on 24x7
  EXPECT_EQ(res.elapsed_seconds, 3 * 3600);
  EXPECT_EQ(res.target_seconds, 4 * 3600);
  EXPECT_EQ(*res.due_at, T("2026-11-16T12:00:00Z"));
  const SlaRecord& nr = Get(rs, Metric::kNextResponse);
  EXPECT_EQ(nr.policy, "gold-urgent");
  EXPECT_TRUE(nr.breached);
  EXPECT_EQ(*nr.breach_at, T("2026-11-16T10:40:00Z"));
}

TEST_F(SemanticsTest, RunningInstanceWithoutTargetInNewPolicyKeepsOld) {
  Events e;
  e.Upsert("g", "2026-01-01T00:00:00Z", "gold");
  e.Opened("T", "g", "2026-11-16T08:00:00Z", Priority::kUrgent);
  e.Priority("T", "2026-11-16T08:10:00Z", Priority::kLow);  // gold (biz) has all three metrics
  SlaProjection p(MustLoad(kConfig));
  for (const auto& ev : e.all()) p.Apply(ev);
  auto rs = p.Evaluate(T("2026-11-16T10:00:00Z"));
  EXPECT_EQ(Get(rs, Metric::kFirstResponse).policy, "gold");
  EXPECT_EQ(Get(rs, Metric::kFirstResponse).elapsed_seconds, 3600);
  // silver has only first_response: resolution keeps gold-urgent.
  Events f;
  f.Upsert("x", "2026-01-01T00:00:00Z", "gold");
  f.Opened("T", "x", "2026-11-16T08:00:00Z", Priority::kUrgent);
  f.Upsert("x", "2026-11-16T08:05:00Z", "silver");  // tier changes apply to later tickets only
  f.Priority("T", "2026-11-16T08:10:00Z", Priority::kLow);
  SlaProjection q(MustLoad(kConfig));
  for (const auto& ev : f.all()) q.Apply(ev);
  rs = q.Evaluate(T("2026-11-16T10:00:00Z"));
  EXPECT_EQ(Get(rs, Metric::kResolution).tier, "gold");
  EXPECT_EQ(Get(rs, Metric::kResolution).policy, "gold");
}

TEST_F(SemanticsTest, EventsBeforeOpenAndAfterAsOfChangeNothing) {
  ev_.AgentReply("T", "2026-11-16T08:00:00Z");  // before the open: ignored
  ev_.Status("T", "2026-11-16T08:30:00Z", TicketStatus::kPending);
  ev_.Opened("T", "s", "2026-11-16T09:00:00Z");
  ev_.AgentReply("T", "2026-11-16T12:00:00Z");  // after as-of
  auto rs = Eval("2026-11-16T10:00:00Z");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].state, InstanceState::kActive);
  EXPECT_EQ(rs[0].elapsed_seconds, 3600);
  EXPECT_EQ(*rs[0].due_at, T("2026-11-16T17:00:00Z"));
  EXPECT_EQ(rs[0].level, RiskLevel::kOk);
  EXPECT_TRUE(Eval("2026-11-16T08:59:59Z").empty());
}

TEST_F(SemanticsTest, TierFromLatestUpsertAtOrBeforeOpen) {
  Events e;
  e.Upsert("a", "2026-11-16T09:00:00Z", "silver");  // same second as the open: applies
  e.Opened("T1", "a", "2026-11-16T09:00:00Z");
  e.Upsert("a", "2026-11-16T10:00:00Z", "gold");
  e.Opened("T2", "a", "2026-11-16T11:00:00Z");
  e.Opened("T3", "nobody", "2026-11-16T11:00:00Z");
  SlaProjection p(MustLoad(kConfig));
  for (auto it = e.all().rbegin(); it != e.all().rend(); ++it) p.Apply(*it);  // reverse arrival
  auto rs = p.Evaluate(T("2026-11-16T12:00:00Z"));
  ASSERT_EQ(rs.size(), 3u);  // T1 silver: fr; T2 gold: fr, res; T3 tier unknown: no policy
  EXPECT_EQ(rs[0].ticket_id, "T1");
  EXPECT_EQ(rs[0].tier, "silver");
  EXPECT_EQ(rs[1].tier, "gold");
  EXPECT_EQ(p.Evaluate(T("2026-11-16T12:00:00Z"), "nobody").size(), 0u);
  EXPECT_EQ(p.Evaluate(T("2026-11-16T12:00:00Z"), "a").size(), 3u);
}

TEST_F(SemanticsTest, SameSecondEventsFollowTypeRank) {
  ev_.Opened("T", "g", "2026-11-16T09:00:00Z", Priority::kUrgent);
  ev_.AgentReply("T", "2026-11-16T09:05:00Z");
  // Added resolved-first, but replied (rank 5) precedes resolved (rank 6): a
  // zero-length next_response cycle starts and stops in the same second.
  ev_.Resolved("T", "2026-11-16T09:10:00Z");
  ev_.CustomerReply("T", "2026-11-16T09:10:00Z");
  // status_changed (rank 3) in the open's second applies after the open (rank 2).
  Events e;
  e.Upsert("g", "2026-01-01T00:00:00Z", "gold");
  e.Status("U", "2026-11-16T09:00:00Z", TicketStatus::kPending);
  e.Opened("U", "g", "2026-11-16T09:00:00Z", Priority::kUrgent);
  auto rs = Eval("2026-11-16T10:00:00Z");
  const SlaRecord& nr = Get(rs, Metric::kNextResponse);
  EXPECT_EQ(nr.start, T("2026-11-16T09:10:00Z"));
  EXPECT_EQ(*nr.stop, nr.start);
  EXPECT_EQ(nr.elapsed_seconds, 0);
  SlaProjection p(MustLoad(kConfig));
  for (const auto& x : e.all()) p.Apply(x);
  rs = p.Evaluate(T("2026-11-16T10:00:00Z"));
  EXPECT_EQ(Get(rs, Metric::kResolution).state, InstanceState::kPaused);
  EXPECT_EQ(Get(rs, Metric::kResolution).elapsed_seconds, 0);
}

TEST_F(SemanticsTest, WarningLevel) {
  ev_.Opened("T", "g", "2026-11-16T09:00:00Z", Priority::kHigh);  // gold: fr 2h, warn_at 0.5
  EXPECT_EQ(Get(Eval("2026-11-16T09:59:59Z"), Metric::kFirstResponse).level, RiskLevel::kOk);
  EXPECT_EQ(Get(Eval("2026-11-16T10:00:00Z"), Metric::kFirstResponse).level, RiskLevel::kWarning);
  const auto at_target = Get(Eval("2026-11-16T11:00:00Z"), Metric::kFirstResponse);
  EXPECT_EQ(at_target.level, RiskLevel::kBreached);  // elapsed >= target
  EXPECT_EQ(*at_target.breach_at, T("2026-11-16T11:00:00Z"));
}

TEST_F(SemanticsTest, ReplyExactlyAtTargetIsABreach) {
  ev_.Opened("T", "s", "2026-11-16T09:00:00Z");
  ev_.AgentReply("T", "2026-11-16T17:00:00Z");
  const auto fr = Get(Eval("2026-11-17T00:00:00Z"), Metric::kFirstResponse);
  EXPECT_TRUE(fr.breached);
  EXPECT_EQ(*fr.breach_at, T("2026-11-16T17:00:00Z"));
  EXPECT_EQ(fr.state, InstanceState::kStopped);
}

}  // namespace
}  // namespace slamon::projections
