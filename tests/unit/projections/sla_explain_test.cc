// Explaining a verdict: the worked examples T-1..T-5 and X-1..X-6 of
// docs/sla-semantics.md reproduced interval by interval, the gap labels'
// precedence, re-selections, and the JSON and text forms.
#include "projections/sla/sla_explain.h"

#include <gtest/gtest.h>

#include "projections/sla/sla_projection.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using events::Priority;
using events::TicketStatus;
using testing::Events;
using testing::kDocConfig;
using testing::kExtConfig;
using testing::MustLoad;
using testing::T;

// "from..to from..to" in UTC.
std::string Ranges(const std::vector<TimeRange>& rs) {
  std::string out;
  for (const TimeRange& r : rs) out += (out.empty() ? "" : " ") + FormatUtc(r.begin) + ".." + FormatUtc(r.end);
  return out;
}

// "from..to why[/status]" per gap.
std::string Gaps(const std::vector<Gap>& gs) {
  std::string out;
  for (const Gap& g : gs) {
    out += (out.empty() ? "" : " ") + FormatUtc(g.range.begin) + ".." + FormatUtc(g.range.end) + " " +
           std::string(GapReasonName(g.why));
    if (g.why == GapReason::kPaused) out += "/" + std::string(TicketStatusName(g.status));
  }
  return out;
}

// The first `n` counted ranges.
std::string FirstRanges(const std::vector<TimeRange>& rs, size_t n) {
  return Ranges(std::vector<TimeRange>(rs.begin(), rs.begin() + static_cast<ptrdiff_t>(std::min(n, rs.size()))));
}
std::string FirstGaps(const std::vector<Gap>& gs, size_t n) {
  return Gaps(std::vector<Gap>(gs.begin(), gs.begin() + static_cast<ptrdiff_t>(std::min(n, gs.size()))));
}

class ExplainTest : public ::testing::Test {
 protected:
  TicketExplanation Explain(const std::string& config, const std::string& ticket, const std::string& as_of) {
    SlaProjection p(MustLoad(config));
    for (const auto& e : ev_.all()) p.Apply(e);
    auto explained = p.Explain(ticket, T(as_of));
    if (!explained.ok()) throw std::runtime_error(explained.status().message());
    // The records are exactly replay's.
    std::vector<SlaRecord> replay;
    for (auto& r : p.Evaluate(T(as_of))) {
      if (r.ticket_id == ticket) replay.push_back(r);
    }
    EXPECT_EQ(replay.size(), explained->instances.size());
    for (size_t i = 0; i < replay.size() && i < explained->instances.size(); ++i) {
      EXPECT_EQ(replay[i], explained->instances[i].record);
    }
    return explained.take();
  }
  static const SlaExplanation& Get(const TicketExplanation& t, Metric m, int cycle = 1) {
    for (const auto& e : t.instances) {
      if (e.record.metric == m && e.record.cycle == cycle) return e;
    }
    throw std::runtime_error("no instance " + std::string(MetricName(m)));
  }
  Events ev_;
};

// --- T-1..T-5 (docs/sla-semantics.md "Worked examples") ---------------------

class DocExamples : public ExplainTest {
 protected:
  void SetUp() override {
    ev_.Upsert("a", "2026-01-01T00:00:00Z", "A");
    ev_.Upsert("b", "2026-01-01T00:00:00Z", "B");
    ev_.Upsert("c", "2026-01-01T00:00:00Z", "C");
  }
  TicketExplanation Explain(const std::string& ticket) {
    return ExplainTest::Explain(kDocConfig, ticket, "2026-11-24T00:00:00Z");
  }
};

TEST_F(DocExamples, T1WeekendBetweenTwoCountedStretches) {
  ev_.Opened("T-1", "a", "2026-11-20T17:30:00+08:00");
  ev_.AgentReply("T-1", "2026-11-23T09:10:00+08:00");
  const auto t = Explain("T-1");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(Ranges(fr.counted),
            "2026-11-20T09:30:00Z..2026-11-20T10:00:00Z 2026-11-23T01:00:00Z..2026-11-23T01:10:00Z");
  EXPECT_EQ(Gaps(fr.not_counted), "2026-11-20T10:00:00Z..2026-11-23T01:00:00Z outside_hours");
  EXPECT_EQ(fr.record.elapsed_seconds, 2400);
  EXPECT_FALSE(fr.breach);
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(Ranges(res.counted),
            "2026-11-20T09:30:00Z..2026-11-20T10:00:00Z 2026-11-23T01:00:00Z..2026-11-23T04:00:00Z "
            "2026-11-23T05:00:00Z..2026-11-23T10:00:00Z");
  EXPECT_EQ(Gaps(res.not_counted),
            "2026-11-20T10:00:00Z..2026-11-23T01:00:00Z outside_hours 2026-11-23T04:00:00Z..2026-11-23T05:00:00Z "
            "outside_hours 2026-11-23T10:00:00Z..2026-11-24T00:00:00Z outside_hours");
  ASSERT_TRUE(res.breach);
  // 30 min on Friday + 3 h before lunch = 12600 s before 13:00; 4 h 30 min into it.
  EXPECT_EQ(res.breach->at, T("2026-11-23T09:30:00Z"));
  EXPECT_EQ(res.breach->counted_before, 12600);
  EXPECT_EQ(Ranges({res.breach->interval}), "2026-11-23T05:00:00Z..2026-11-23T10:00:00Z");
  EXPECT_EQ(res.end, T("2026-11-24T00:00:00Z"));
}

TEST_F(DocExamples, T2LunchHourSkipped) {
  ev_.Opened("T-2", "b", "2026-11-18T11:00:00+08:00");
  const auto t = Explain("T-2");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(FirstRanges(fr.counted, 2),
            "2026-11-18T03:00:00Z..2026-11-18T04:00:00Z 2026-11-18T05:00:00Z..2026-11-18T10:00:00Z");
  EXPECT_EQ(FirstGaps(fr.not_counted, 1), "2026-11-18T04:00:00Z..2026-11-18T05:00:00Z outside_hours");
  ASSERT_TRUE(fr.breach);
  EXPECT_EQ(FormatUtc(fr.breach->at), "2026-11-18T08:00:00Z");
  EXPECT_EQ(fr.breach->counted_before, 3600);
  // Wed 11-12, 13-18; Thu, Fri, Mon 8 h each; Tue 08:00 local is before opening.
  EXPECT_EQ(fr.counted.size(), 8u);
  EXPECT_EQ(fr.record.elapsed_seconds, 6 * 3600 + 3 * 8 * 3600);
}

TEST_F(DocExamples, T3PausedDayIsPausedNotOutsideHours) {
  ev_.Opened("T-3", "a", "2026-11-16T09:00:00+08:00");
  ev_.AgentReply("T-3", "2026-11-16T09:20:00+08:00");
  ev_.Status("T-3", "2026-11-16T10:00:00+08:00", TicketStatus::kPending);
  ev_.Status("T-3", "2026-11-17T10:00:00+08:00", TicketStatus::kOpen);
  const auto t = Explain("T-3");
  EXPECT_EQ(Ranges(Get(t, Metric::kFirstResponse).counted), "2026-11-16T01:00:00Z..2026-11-16T01:20:00Z");
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(FirstRanges(res.counted, 3),
            "2026-11-16T01:00:00Z..2026-11-16T02:00:00Z 2026-11-17T02:00:00Z..2026-11-17T04:00:00Z "
            "2026-11-17T05:00:00Z..2026-11-17T10:00:00Z");
  // The whole pending day is `paused`, its lunch hour and night included (precedence).
  EXPECT_EQ(FirstGaps(res.not_counted, 2),
            "2026-11-16T02:00:00Z..2026-11-17T02:00:00Z paused/pending 2026-11-17T04:00:00Z..2026-11-17T05:00:00Z "
            "outside_hours");
  ASSERT_TRUE(res.breach);
  EXPECT_EQ(FormatUtc(res.breach->at), "2026-11-17T10:00:00Z");
  EXPECT_EQ(res.breach->counted_before, 3 * 3600);
}

TEST_F(DocExamples, T4DaylightSavingBegins) {
  ev_.Opened("T-4", "c", "2026-03-06T16:00:00-05:00");
  const auto t = Explain("T-4");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  // 16:00-17:00 EST Friday, then 09:00-17:00 EDT Monday (13:00Z: the offset moved).
  EXPECT_EQ(FirstRanges(fr.counted, 2),
            "2026-03-06T21:00:00Z..2026-03-06T22:00:00Z 2026-03-09T13:00:00Z..2026-03-09T21:00:00Z");
  EXPECT_EQ(FirstGaps(fr.not_counted, 1), "2026-03-06T22:00:00Z..2026-03-09T13:00:00Z outside_hours");
  ASSERT_TRUE(fr.breach);
  EXPECT_EQ(FormatUtc(fr.breach->at), "2026-03-09T16:00:00Z");
  ASSERT_GE(fr.special_days.size(), 2u);
  EXPECT_EQ(fr.special_days[0].kind, SpecialDayKind::kClockChange);
  EXPECT_EQ(FormatUtc(int64_t{fr.special_days[0].day} * 86400), "2026-03-08T00:00:00Z");
  EXPECT_EQ(fr.special_days[0].seconds, 23 * 3600);
  EXPECT_EQ(fr.special_days[1].seconds, 25 * 3600);  // 2026-11-01
}

TEST_F(DocExamples, T5HolidaysAndWeekendSkipped) {
  ev_.Opened("T-5", "b", "2026-09-30T17:00:00+08:00");
  const auto t = Explain("T-5");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(FirstRanges(fr.counted, 2),
            "2026-09-30T09:00:00Z..2026-09-30T10:00:00Z 2026-10-06T01:00:00Z..2026-10-06T04:00:00Z");
  EXPECT_EQ(FirstGaps(fr.not_counted, 5),
            "2026-09-30T10:00:00Z..2026-09-30T16:00:00Z outside_hours "
            "2026-09-30T16:00:00Z..2026-10-02T16:00:00Z holiday "
            "2026-10-02T16:00:00Z..2026-10-04T16:00:00Z outside_hours "
            "2026-10-04T16:00:00Z..2026-10-05T16:00:00Z holiday "
            "2026-10-05T16:00:00Z..2026-10-06T01:00:00Z outside_hours");
  ASSERT_TRUE(fr.breach);
  EXPECT_EQ(FormatUtc(fr.breach->at), "2026-10-06T04:00:00Z");
  EXPECT_EQ(fr.breach->counted_before, 3600);
  const std::string text = ExplainText(fr);
  EXPECT_NE(text.find("Counted "), std::string::npos) << text;
  EXPECT_NE(text.find("Wed 30 Sep 17:00–18:00; Tue 6 Oct 09:00–12:00, 13:00–18:00"), std::string::npos) << text;
  EXPECT_NE(text.find("Not counted: 1–2 Oct, 5 Oct holiday; the rest outside business hours."), std::string::npos)
      << text;
  EXPECT_NE(text.find("breached at Tue 6 Oct 12:00"), std::string::npos) << text;
}

// --- X-1..X-6 (docs/sla-semantics.md "Extensions") --------------------------

class ExtExamples : public ExplainTest {
 protected:
  void SetUp() override {
    ev_.Upsert("acme", "2026-01-01T00:00:00Z", "A").team = "east";
    ev_.Upsert("lion", "2026-01-01T00:00:00Z", "A").calendar = "sg-business";
    ev_.Upsert("brio", "2026-01-01T00:00:00Z", "B");
  }
  TicketExplanation Explain(const std::string& ticket, const std::string& as_of = "2026-11-24T00:00:00Z") {
    return ExplainTest::Explain(kExtConfig, ticket, as_of);
  }
};

TEST_F(ExtExamples, X1MakeUpSaturdayCountsItsLunchDoesNot) {
  ev_.Opened("X-1", "brio", "2026-10-09T17:00:00+08:00");
  const auto t = Explain("X-1");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(FirstRanges(fr.counted, 3),
            "2026-10-09T09:00:00Z..2026-10-09T10:00:00Z 2026-10-10T01:00:00Z..2026-10-10T04:00:00Z "
            "2026-10-10T05:00:00Z..2026-10-10T10:00:00Z");
  // The make-up day's lunch is outside its hours, and Saturday has no weekly hours: outside_hours.
  EXPECT_EQ(FirstGaps(fr.not_counted, 3),
            "2026-10-09T10:00:00Z..2026-10-10T01:00:00Z outside_hours 2026-10-10T04:00:00Z..2026-10-10T05:00:00Z "
            "outside_hours 2026-10-10T10:00:00Z..2026-10-12T01:00:00Z outside_hours");
  EXPECT_EQ(FormatUtc(fr.breach->at), "2026-10-10T04:00:00Z");
  ASSERT_FALSE(fr.special_days.empty());
  EXPECT_EQ(fr.special_days[0].kind, SpecialDayKind::kMakeUpWorkday);
  EXPECT_EQ(FormatUtc(int64_t{fr.special_days[0].day} * 86400), "2026-10-10T00:00:00Z");
  EXPECT_EQ(FormatUtc(Get(t, Metric::kResolution).breach->at), "2026-10-13T09:00:00Z");
  EXPECT_NE(ExplainText(fr).find("Sat 10 Oct 09:00–12:00, 13:00–18:00 (make-up workday)"), std::string::npos)
      << ExplainText(fr);
}

TEST_F(ExtExamples, X2HalfDayThenHoliday) {
  ev_.Opened("X-2", "brio", "2026-12-31T10:00:00+08:00");
  const auto t = Explain("X-2", "2027-01-05T00:00:00Z");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(Ranges(fr.counted),
            "2026-12-31T02:00:00Z..2026-12-31T04:00:00Z 2027-01-04T01:00:00Z..2027-01-04T04:00:00Z "
            "2027-01-04T05:00:00Z..2027-01-04T10:00:00Z");
  // 12:00-13:00 is lunch in the weekly hours too; 13:00-18:00 is what the half day took away.
  EXPECT_EQ(Gaps(fr.not_counted),
            "2026-12-31T04:00:00Z..2026-12-31T05:00:00Z outside_hours "
            "2026-12-31T05:00:00Z..2026-12-31T10:00:00Z override "
            "2026-12-31T10:00:00Z..2026-12-31T16:00:00Z outside_hours "
            "2026-12-31T16:00:00Z..2027-01-01T16:00:00Z holiday "
            "2027-01-01T16:00:00Z..2027-01-04T01:00:00Z outside_hours "
            "2027-01-04T04:00:00Z..2027-01-04T05:00:00Z outside_hours "
            "2027-01-04T10:00:00Z..2027-01-05T00:00:00Z outside_hours");
  EXPECT_EQ(FormatUtc(fr.breach->at), "2027-01-04T03:00:00Z");
  ASSERT_EQ(fr.special_days.size(), 2u);
  EXPECT_EQ(fr.special_days[0].kind, SpecialDayKind::kSpecialHours);
  EXPECT_EQ(fr.special_days[1].kind, SpecialDayKind::kHoliday);
  const std::string text = ExplainText(fr);
  EXPECT_NE(text.find("Thu 31 Dec 10:00–12:00 (special hours)"), std::string::npos) << text;
  EXPECT_NE(text.find("1 Jan holiday; 31 Dec shortened hours"), std::string::npos) << text;
}

TEST_F(ExtExamples, X3AccountCalendarAndEscalationArithmetic) {
  ev_.Opened("X-3", "lion", "2026-11-23T11:30:00+08:00");
  const auto t = Explain("X-3");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(Ranges(fr.counted), "2026-11-23T03:30:00Z..2026-11-23T09:00:00Z");
  EXPECT_EQ(Gaps(fr.not_counted), "2026-11-23T09:00:00Z..2026-11-24T00:00:00Z outside_hours");
  EXPECT_TRUE(fr.policy_match.account_calendar);
  EXPECT_EQ(fr.policy_match.calendar, "sg-business");
  EXPECT_EQ(fr.calendar->name(), "sg-business");
  ASSERT_EQ(fr.escalation_steps.size(), 2u);
  EXPECT_EQ(fr.escalation_steps[0].name, "team_lead");
  EXPECT_EQ(fr.escalation_steps[0].threshold, 3 * 3600);
  ASSERT_TRUE(fr.escalation_steps[0].reached);
  EXPECT_EQ(FormatUtc(fr.escalation_steps[0].reached->at), "2026-11-23T06:30:00Z");
  EXPECT_EQ(fr.escalation_steps[0].reached->counted_before, 0);
  EXPECT_FALSE(fr.escalation_steps[1].reached);
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(res.record.elapsed_seconds, 19800);
  EXPECT_EQ(Ranges(res.counted), "2026-11-23T03:30:00Z..2026-11-23T09:00:00Z");
  EXPECT_FALSE(res.breach);
}

TEST_F(ExtExamples, X4MatchedFieldsAndEscalationByOvershootOnly) {
  ev_.Opened("X-4", "acme", "2026-11-23T09:00:00+08:00", Priority::kHigh);
  const auto t = Explain("X-4");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(fr.policy_match.policy, "tier-a");
  EXPECT_EQ(fr.policy_match.cause, SelectionCause::kOpen);
  EXPECT_EQ(fr.policy_match.selected_at, T("2026-11-23T09:00:00+08:00"));
  ASSERT_EQ(fr.policy_match.matched.size(), 1u);
  EXPECT_EQ(fr.policy_match.matched[0], std::make_pair(std::string("tier"), std::string("A")));
  // tier-a-phone comes first and wants channel phone; the ticket has none.
  ASSERT_EQ(fr.policy_match.passed_over.size(), 1u);
  EXPECT_EQ(fr.policy_match.passed_over[0], std::make_pair(std::string("tier-a-phone"), std::string("channel")));
  EXPECT_FALSE(fr.policy_match.account_calendar);
  EXPECT_EQ(FormatUtc(fr.breach->at), "2026-11-23T02:00:00Z");
  EXPECT_EQ(FormatUtc(fr.escalation_steps[0].reached->at), "2026-11-23T04:00:00Z");
  EXPECT_EQ(Ranges({fr.escalation_steps[0].reached->interval}), "2026-11-23T01:00:00Z..2026-11-23T04:00:00Z");
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(Ranges(res.counted),
            "2026-11-23T01:00:00Z..2026-11-23T04:00:00Z 2026-11-23T05:00:00Z..2026-11-23T10:00:00Z");
  EXPECT_EQ(FormatUtc(res.breach->at), "2026-11-23T10:00:00Z");
  EXPECT_EQ(res.breach->counted_before, 3 * 3600);
  EXPECT_FALSE(res.escalation_steps[0].reached);  // overshoot 0 < 2h
}

TEST_F(ExtExamples, X5PauseInsideADepartmentStay) {
  ev_.Opened("X-5", "acme", "2026-11-23T09:00:00+08:00").channel = "portal";
  ev_.AgentReply("X-5", "2026-11-23T09:20:00+08:00");
  ev_.Assigned("X-5", "2026-11-23T09:30:00+08:00", "after_sales");
  ev_.Assigned("X-5", "2026-11-23T10:30:00+08:00", "tech");
  ev_.Status("X-5", "2026-11-23T13:30:00+08:00", TicketStatus::kPending);
  ev_.Status("X-5", "2026-11-23T15:30:00+08:00", TicketStatus::kOpen);
  ev_.Assigned("X-5", "2026-11-23T17:45:00+08:00", "after_sales", "wang");
  ev_.Assigned("X-5", "2026-11-23T17:50:00+08:00", "after_sales", "liu");
  const auto t = Explain("X-5");
  EXPECT_EQ(Ranges(Get(t, Metric::kAssignment, 1).counted), "2026-11-23T01:30:00Z..2026-11-23T02:30:00Z");
  const SlaExplanation& a2 = Get(t, Metric::kAssignment, 2);
  EXPECT_EQ(Ranges(a2.counted),
            "2026-11-23T02:30:00Z..2026-11-23T04:00:00Z 2026-11-23T05:00:00Z..2026-11-23T05:30:00Z "
            "2026-11-23T07:30:00Z..2026-11-23T09:45:00Z");
  EXPECT_EQ(Gaps(a2.not_counted),
            "2026-11-23T04:00:00Z..2026-11-23T05:00:00Z outside_hours "
            "2026-11-23T05:30:00Z..2026-11-23T07:30:00Z paused/pending");
  EXPECT_EQ(FormatUtc(a2.breach->at), "2026-11-23T09:30:00Z");
  EXPECT_EQ(a2.breach->counted_before, 7200);
  EXPECT_EQ(Ranges(Get(t, Metric::kAssignment, 3).counted), "2026-11-23T09:45:00Z..2026-11-23T10:00:00Z");
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(Ranges(res.counted),
            "2026-11-23T01:00:00Z..2026-11-23T04:00:00Z 2026-11-23T05:00:00Z..2026-11-23T05:30:00Z "
            "2026-11-23T07:30:00Z..2026-11-23T10:00:00Z");
  EXPECT_NE(ExplainText(res).find("paused 2 h while pending"), std::string::npos) << ExplainText(res);
}

TEST_F(ExtExamples, X6ChannelPolicyOnTwentyFourSeven) {
  ev_.Opened("X-6", "acme", "2026-11-21T22:00:00+08:00").channel = "phone";
  const auto t = Explain("X-6");
  ASSERT_EQ(t.instances.size(), 1u);
  const SlaExplanation& fr = t.instances[0];
  EXPECT_EQ(Ranges(fr.counted), "2026-11-21T14:00:00Z..2026-11-24T00:00:00Z");
  EXPECT_TRUE(fr.not_counted.empty());
  EXPECT_EQ(fr.policy_match.policy, "tier-a-phone");
  ASSERT_EQ(fr.policy_match.matched.size(), 2u);
  EXPECT_EQ(fr.policy_match.matched[1], std::make_pair(std::string("channel"), std::string("phone")));
  EXPECT_TRUE(fr.policy_match.passed_over.empty());
  EXPECT_EQ(FormatUtc(fr.breach->at), "2026-11-21T14:30:00Z");
}

// The worked example E-1 of docs/sla-semantics.md "Explaining a verdict": the
// text as documented, and the resolution clock's intervals.
TEST_F(ExtExamples, E1PendingLunchAndTheMakeUpSaturday) {
  ev_.Opened("E-1", "brio", "2026-09-30T17:00:00+08:00");
  ev_.Status("E-1", "2026-10-06T10:00:00+08:00", TicketStatus::kPending);
  ev_.Status("E-1", "2026-10-06T12:10:00+08:00", TicketStatus::kOpen);
  ev_.AgentReply("E-1", "2026-10-09T15:00:00+08:00");
  ev_.Resolved("E-1", "2026-10-10T14:10:00+08:00");
  const auto t = Explain("E-1");
  EXPECT_EQ(ExplainTicketText(t),
            "Ticket E-1, account brio (tier B), as of 2026-11-24T00:00:00Z\n"
            "\n"
            "E-1 first_response — calendar cn-business, Asia/Shanghai time\n"
            "Started Wed 30 Sep 2026 17:00, stopped Fri 9 Oct 15:00: 30 h counted, target 4 h — breached at Tue 6 "
            "Oct 12:00.\n"
            "Counted 30 h: Wed 30 Sep 17:00–18:00; Tue 6 Oct 09:00–12:00, 13:00–18:00; Wed 7 Oct 09:00–12:00, "
            "13:00–18:00; Thu 8 Oct 09:00–12:00, 13:00–18:00; Fri 9 Oct 09:00–12:00, 13:00–15:00.\n"
            "Not counted: 1–2 Oct, 5 Oct holiday; the rest outside business hours.\n"
            "Target reached Tue 6 Oct 12:00, 3 h into the counted interval Tue 6 Oct 09:00–12:00 (1 h counted before "
            "it).\n"
            "Policy tier-b, chosen at the open (tier B).\n"
            "\n"
            "E-1 resolution — calendar cn-business, Asia/Shanghai time\n"
            "Started Wed 30 Sep 2026 17:00, stopped Sat 10 Oct 14:10: 35 h 10 min counted, target 24 h — breached "
            "at Fri 9 Oct 10:00.\n"
            "Counted 35 h 10 min: Wed 30 Sep 17:00–18:00; Tue 6 Oct 09:00–10:00, 13:00–18:00; Wed 7 Oct 09:00–12:00, "
            "13:00–18:00; Thu 8 Oct 09:00–12:00, 13:00–18:00; Fri 9 Oct 09:00–12:00, 13:00–18:00; Sat 10 Oct "
            "09:00–12:00, 13:00–14:10 (make-up workday).\n"
            "Not counted: 1–2 Oct, 5 Oct holiday; paused 2 h 10 min while pending; the rest outside business hours.\n"
            "Target reached Fri 9 Oct 10:00, 1 h into the counted interval Fri 9 Oct 09:00–12:00 (23 h counted before "
            "it).\n"
            "Policy tier-b, chosen at the open (tier B).\n");
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(FirstRanges(res.counted, 3),
            "2026-09-30T09:00:00Z..2026-09-30T10:00:00Z 2026-10-06T01:00:00Z..2026-10-06T02:00:00Z "
            "2026-10-06T05:00:00Z..2026-10-06T10:00:00Z");
  EXPECT_EQ(FirstGaps(res.not_counted, 7),
            "2026-09-30T10:00:00Z..2026-09-30T16:00:00Z outside_hours "
            "2026-09-30T16:00:00Z..2026-10-02T16:00:00Z holiday "
            "2026-10-02T16:00:00Z..2026-10-04T16:00:00Z outside_hours "
            "2026-10-04T16:00:00Z..2026-10-05T16:00:00Z holiday "
            "2026-10-05T16:00:00Z..2026-10-06T01:00:00Z outside_hours "
            "2026-10-06T02:00:00Z..2026-10-06T04:10:00Z paused/pending "
            "2026-10-06T04:10:00Z..2026-10-06T05:00:00Z outside_hours");
  ASSERT_TRUE(res.breach);
  EXPECT_EQ(res.breach->counted_before, 82800);
  EXPECT_EQ(Ranges({res.breach->interval}), "2026-10-09T01:00:00Z..2026-10-09T04:00:00Z");
  EXPECT_EQ(Ranges({res.counted.back()}), "2026-10-10T05:00:00Z..2026-10-10T06:10:00Z");
}

// --- Re-selection, precedence, the JSON line ----------------------------------

constexpr const char* kReselectConfig = R"(
calendars:
  - name: biz
    timezone: UTC
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"],
            fri: ["09:00-17:00"]}
    holidays: ["2026-11-18"]
policies:
  - name: gold-urgent
    match: {tier: [gold], priority: [urgent]}
    targets: {first_response: 30m, next_response: 1h, resolution: 4h}
  - name: gold
    match: {tier: [gold]}
    calendar: biz
    targets: {first_response: 2h, next_response: 4h, resolution: 2d}
)";

TEST_F(ExplainTest, PriorityChangeReselectsAndSaysWhatEachClockDid) {
  ev_.Upsert("g", "2026-01-01T00:00:00Z", "gold");
  ev_.Opened("T", "g", "2026-11-16T08:00:00Z", Priority::kNormal);
  ev_.AgentReply("T", "2026-11-16T09:30:00Z");
  ev_.CustomerReply("T", "2026-11-16T09:40:00Z");
  ev_.Priority("T", "2026-11-16T10:00:00Z", Priority::kUrgent);
  ev_.Upsert("g", "2026-11-16T10:30:00Z", "silver");  // a later tier change re-selects nothing
  const auto t = Explain(kReselectConfig, "T", "2026-11-16T11:00:00Z");
  const SlaExplanation& fr = Get(t, Metric::kFirstResponse);
  EXPECT_EQ(fr.policy_match.policy, "gold");
  ASSERT_EQ(fr.policy_match.reselections.size(), 1u);
  EXPECT_EQ(fr.policy_match.reselections[0].effect, ReselectionEffect::kStopped);
  EXPECT_EQ(fr.policy_match.reselections[0].policy.value_or(""), "gold-urgent");
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(res.policy_match.policy, "gold-urgent");
  EXPECT_EQ(res.policy_match.cause, SelectionCause::kPriorityChange);
  EXPECT_EQ(res.policy_match.selected_at, T("2026-11-16T10:00:00Z"));
  ASSERT_EQ(res.policy_match.matched.size(), 2u);
  EXPECT_EQ(res.policy_match.matched[1], std::make_pair(std::string("priority"), std::string("urgent")));
  EXPECT_EQ(res.policy_match.reselections[0].effect, ReselectionEffect::kMoved);
  EXPECT_EQ(res.policy_match.tier_at_open, "gold");
  EXPECT_EQ(res.policy_match.tier_at_as_of, "silver");
  // Evaluated entirely under 24x7 from its start: no gap at all.
  EXPECT_EQ(Ranges(res.counted), "2026-11-16T08:00:00Z..2026-11-16T11:00:00Z");
  const SlaExplanation& nr = Get(t, Metric::kNextResponse);
  EXPECT_EQ(nr.policy_match.reselections[0].effect, ReselectionEffect::kMoved);
  EXPECT_NE(ExplainText(res).find("this clock moved to it from its start"), std::string::npos);
  EXPECT_NE(ExplainText(res).find("The account is tier silver now"), std::string::npos);
}

TEST_F(ExplainTest, PausedOnAHolidayIsPausedAndJsonCarriesReplaysFields) {
  ev_.Upsert("g", "2026-01-01T00:00:00Z", "gold");
  ev_.Opened("T", "g", "2026-11-17T16:00:00Z", Priority::kLow);
  ev_.Status("T", "2026-11-18T12:00:00Z", TicketStatus::kPending);  // on the holiday
  ev_.Status("T", "2026-11-18T14:00:00Z", TicketStatus::kOnHold);
  ev_.Status("T", "2026-11-19T10:00:00Z", TicketStatus::kOpen);
  const auto t = Explain(kReselectConfig, "T", "2026-11-19T12:00:00Z");
  const SlaExplanation& res = Get(t, Metric::kResolution);
  EXPECT_EQ(Ranges(res.counted),
            "2026-11-17T16:00:00Z..2026-11-17T17:00:00Z 2026-11-19T10:00:00Z..2026-11-19T12:00:00Z");
  EXPECT_EQ(Gaps(res.not_counted),
            "2026-11-17T17:00:00Z..2026-11-18T00:00:00Z outside_hours "
            "2026-11-18T00:00:00Z..2026-11-18T12:00:00Z holiday "
            "2026-11-18T12:00:00Z..2026-11-18T14:00:00Z paused/pending "
            "2026-11-18T14:00:00Z..2026-11-19T10:00:00Z paused/on_hold");
  std::string line;
  AppendExplainJsonl(res, &line);
  // replay's line, then explain's fields, in one object on one line.
  std::string replay = ToJsonl(res.record);
  replay.pop_back();  // '}' and '\n' go; explain continues the object
  replay.pop_back();
  EXPECT_EQ(line.rfind(replay + ",\"as_of\":\"2026-11-19T12:00:00Z\",\"counted\":[[\"2026-11-17T16:00:00Z\"", 0), 0u)
      << line;
  EXPECT_NE(line.find("{\"from\":\"2026-11-18T12:00:00Z\",\"to\":\"2026-11-18T14:00:00Z\",\"why\":\"paused\","
                      "\"status\":\"pending\"}"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"special_days\":[{\"date\":\"2026-11-18\",\"kind\":\"holiday\"}]}"), std::string::npos) << line;
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST_F(ExplainTest, UnknownOrNotYetOpenedTicketIsNotFound) {
  ev_.Upsert("g", "2026-01-01T00:00:00Z", "gold");
  ev_.Opened("T", "g", "2026-11-17T16:00:00Z");
  SlaProjection p(MustLoad(kReselectConfig));
  for (const auto& e : ev_.all()) p.Apply(e);
  EXPECT_EQ(p.Explain("nope", T("2026-11-18T00:00:00Z")).status().code(), Status::kNotFound);
  EXPECT_EQ(p.Explain("T", T("2026-11-17T15:00:00Z")).status().code(), Status::kNotFound);
  EXPECT_TRUE(p.Explain("T", T("2026-11-17T16:00:00Z")).ok());
}

TEST(ExplainText, HumanDurations) {
  EXPECT_EQ(HumanDuration(0), "0 min");
  EXPECT_EQ(HumanDuration(45), "45 s");
  EXPECT_EQ(HumanDuration(7800), "2 h 10 min");
  EXPECT_EQ(HumanDuration(86400 + 3 * 3600 + 5), "27 h 5 s");
}

}  // namespace
}  // namespace slamon::projections
