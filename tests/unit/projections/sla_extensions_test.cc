// The worked examples X-1 ... X-6 of docs/sla-semantics.md "Extensions" (calendar
// overrides, account calendars, channel matching, escalation, department
// clocks), reproduced record for record with the documented config.
#include <gtest/gtest.h>

#include "projections/sla/sla_projection.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using events::Priority;
using events::TicketStatus;
using testing::Events;
using testing::kExtConfig;
using testing::MustLoad;
using testing::T;

using testing::Get;
using testing::Replay;
using testing::Utc;

class ExtensionExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    ev_.Upsert("acme", "2026-01-01T00:00:00Z", "A").team = "east";
    ev_.Upsert("lion", "2026-01-01T00:00:00Z", "A").calendar = "sg-business";
    ev_.Upsert("brio", "2026-01-01T00:00:00Z", "B");
  }
  std::vector<SlaRecord> Eval(const std::string& as_of = "2026-11-24T00:00:00Z") {
    return Replay(kExtConfig, ev_.all(), T(as_of));
  }
  Events ev_;
};

TEST_F(ExtensionExamples, X1MakeUpSaturdayCounts) {
  ev_.Opened("X-1", "brio", "2026-10-09T17:00:00+08:00");
  auto rs = Eval();
  ASSERT_EQ(rs.size(), 2u);
  const SlaRecord& fr = Get(rs, Metric::kFirstResponse);
  EXPECT_EQ(fr.policy, "tier-b");
  EXPECT_EQ(Utc(fr.breach_at), "2026-10-10T04:00:00Z");
  EXPECT_EQ(Utc(Get(rs, Metric::kResolution).breach_at), "2026-10-13T09:00:00Z");
  // tier-b has no escalation steps: a breach alone escalates nothing.
  EXPECT_FALSE(fr.escalation.has_value());
  EXPECT_FALSE(fr.escalated_at.has_value());
}

TEST_F(ExtensionExamples, X2HalfDayThenHolidayAndWeekend) {
  ev_.Opened("X-2", "brio", "2026-12-31T10:00:00+08:00");
  auto rs = Eval("2027-01-05T00:00:00Z");
  const SlaRecord& fr = Get(rs, Metric::kFirstResponse);
  EXPECT_TRUE(fr.breached);
  EXPECT_EQ(Utc(fr.breach_at), "2027-01-04T03:00:00Z");
}

TEST_F(ExtensionExamples, X3AccountCalendarAndEscalation) {
  ev_.Opened("X-3", "lion", "2026-11-23T11:30:00+08:00");
  auto rs = Eval();
  ASSERT_EQ(rs.size(), 2u);
  const SlaRecord& fr = Get(rs, Metric::kFirstResponse);
  EXPECT_EQ(fr.policy, "tier-a");
  EXPECT_EQ(Utc(fr.breach_at), "2026-11-23T04:30:00Z");
  EXPECT_EQ(fr.escalation.value_or(""), "team_lead");
  EXPECT_EQ(Utc(fr.escalated_at), "2026-11-23T06:30:00Z");
  const SlaRecord& res = Get(rs, Metric::kResolution);
  EXPECT_EQ(res.elapsed_seconds, 19800);
  EXPECT_FALSE(res.breached);
  EXPECT_EQ(Utc(res.due_at), "2026-11-24T02:30:00Z");
  EXPECT_FALSE(res.escalation.has_value());
}

TEST_F(ExtensionExamples, X4EscalationByOvershootOnly) {
  ev_.Opened("X-4", "acme", "2026-11-23T09:00:00+08:00", Priority::kHigh);
  auto rs = Eval();
  const SlaRecord& fr = Get(rs, Metric::kFirstResponse);
  EXPECT_EQ(Utc(fr.breach_at), "2026-11-23T02:00:00Z");
  EXPECT_EQ(fr.escalation.value_or(""), "team_lead");
  EXPECT_EQ(Utc(fr.escalated_at), "2026-11-23T04:00:00Z");
  const SlaRecord& res = Get(rs, Metric::kResolution);
  EXPECT_TRUE(res.breached);
  EXPECT_EQ(Utc(res.breach_at), "2026-11-23T10:00:00Z");
  EXPECT_FALSE(res.escalation.has_value());  // overshoot 0 < 2h
  EXPECT_EQ(Utc(res.escalated_at), "null");
}

TEST_F(ExtensionExamples, X5DepartmentStays) {
  ev_.Opened("X-5", "acme", "2026-11-23T09:00:00+08:00").channel = "portal";
  ev_.AgentReply("X-5", "2026-11-23T09:20:00+08:00");
  ev_.Assigned("X-5", "2026-11-23T09:30:00+08:00", "after_sales");
  ev_.Assigned("X-5", "2026-11-23T10:30:00+08:00", "tech");
  ev_.Status("X-5", "2026-11-23T13:30:00+08:00", TicketStatus::kPending);
  ev_.Status("X-5", "2026-11-23T15:30:00+08:00", TicketStatus::kOpen);
  ev_.Assigned("X-5", "2026-11-23T17:45:00+08:00", "after_sales", "wang");
  ev_.Assigned("X-5", "2026-11-23T17:50:00+08:00", "after_sales", "liu");
  auto rs = Eval();
  // 3 assignment, first_response, resolution; sorted by metric name then cycle.
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(rs[0].metric, Metric::kAssignment);
  EXPECT_EQ(rs[2].cycle, 3);
  EXPECT_EQ(rs[3].metric, Metric::kFirstResponse);

  const SlaRecord& a1 = Get(rs, Metric::kAssignment, 1);
  EXPECT_EQ(a1.group, "after_sales");
  EXPECT_EQ(Utc(a1.start), "2026-11-23T01:30:00Z");
  EXPECT_EQ(Utc(a1.stop), "2026-11-23T02:30:00Z");
  EXPECT_EQ(a1.state, InstanceState::kStopped);
  EXPECT_EQ(a1.elapsed_seconds, 3600);
  EXPECT_EQ(a1.target_seconds, 7200);
  EXPECT_FALSE(a1.breached);

  const SlaRecord& a2 = Get(rs, Metric::kAssignment, 2);
  EXPECT_EQ(a2.group, "tech");
  EXPECT_EQ(Utc(a2.start), "2026-11-23T02:30:00Z");
  EXPECT_EQ(Utc(a2.stop), "2026-11-23T09:45:00Z");
  EXPECT_EQ(a2.elapsed_seconds, 15300);
  EXPECT_TRUE(a2.breached);
  EXPECT_EQ(Utc(a2.breach_at), "2026-11-23T09:30:00Z");
  EXPECT_FALSE(a2.escalation.has_value());

  const SlaRecord& a3 = Get(rs, Metric::kAssignment, 3);
  EXPECT_EQ(a3.group, "after_sales");
  EXPECT_EQ(Utc(a3.start), "2026-11-23T09:45:00Z");
  EXPECT_EQ(a3.state, InstanceState::kActive);
  EXPECT_EQ(a3.elapsed_seconds, 900);
  EXPECT_EQ(Utc(a3.due_at), "2026-11-24T02:45:00Z");

  const SlaRecord& res = Get(rs, Metric::kResolution);
  EXPECT_EQ(res.elapsed_seconds, 21600);
  EXPECT_EQ(Utc(res.due_at), "2026-11-24T03:00:00Z");
  EXPECT_EQ(res.group, "");

  // The new keys come after the documented ones; group is null off assignment.
  const std::string line = ToJsonl(a2);
  EXPECT_NE(line.find("\"due_at\":null,\"group\":\"tech\",\"escalation\":null,\"escalated_at\":null}"),
            std::string::npos)
      << line;
  EXPECT_NE(ToJsonl(res).find("\"group\":null,"), std::string::npos);
}

TEST_F(ExtensionExamples, X6ChannelMatch) {
  ev_.Opened("X-6", "acme", "2026-11-21T22:00:00+08:00").channel = "phone";
  auto rs = Eval();
  ASSERT_EQ(rs.size(), 1u);  // tier-a-phone has only a first_response target
  EXPECT_EQ(rs[0].policy, "tier-a-phone");
  EXPECT_EQ(Utc(rs[0].breach_at), "2026-11-21T14:30:00Z");
  EXPECT_EQ(ToJsonl(rs[0]).find("\"escalation\":null,\"escalated_at\":null}") != std::string::npos, true);
}

TEST_F(ExtensionExamples, EscalationJsonCarriesStepAndInstant) {
  ev_.Opened("X-4", "acme", "2026-11-23T09:00:00+08:00");
  const std::string line = ToJsonl(Get(Eval(), Metric::kFirstResponse));
  EXPECT_NE(line.find("\"group\":null,\"escalation\":\"team_lead\",\"escalated_at\":\"2026-11-23T04:00:00Z\"}"),
            std::string::npos)
      << line;
}

}  // namespace
}  // namespace slamon::projections
