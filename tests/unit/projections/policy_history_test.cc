// SlaProjection with a policy history: each ticket is judged under the policy
// version in force when it opened; without history (or with the current
// config only) every ticket is re-judged under one config.
#include "projections/policy_history.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "events/store/policy_log.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/sla_event_gen.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using testing::Events;
using testing::MustLoad;
using testing::T;

// v1: urgent tickets 10 min, others 1 h first response; v2 tightens both.
constexpr const char* kV1 = R"(
policies:
  - name: urgent
    match: {priority: [urgent]}
    targets: {first_response: 10m}
  - name: std
    targets: {first_response: 1h, resolution: 8h}
)";
constexpr const char* kV2 = R"(
policies:
  - name: urgent
    match: {priority: [urgent]}
    targets: {first_response: 5m}
  - name: std
    targets: {first_response: 20m, resolution: 8h}
)";

const int64_t kV1From = T("2026-11-20T08:00:00Z");
const int64_t kV2From = T("2026-11-20T12:00:00Z");

std::shared_ptr<const PolicyHistory> History() {
  std::vector<events::PolicyVersion> records = {{1, kV1From, events::PolicyFingerprint(kV1), kV1},
                                                {2, kV2From, events::PolicyFingerprint(kV2), kV2}};
  auto h = PolicyHistory::FromRecords(records);
  EXPECT_TRUE(h.ok()) << h.status().message();
  return *h;
}

// Every first_response record by ticket.
std::map<std::string, SlaRecord> FirstResponse(const std::vector<SlaRecord>& records) {
  std::map<std::string, SlaRecord> out;
  for (const SlaRecord& r : records) {
    if (r.metric == Metric::kFirstResponse) out[r.ticket_id] = r;
  }
  return out;
}

Events Scenario() {
  Events ev;
  ev.Upsert("acme", "2026-11-01T00:00:00Z", "A");
  // Opened under v1, answered after 30 min: fine under 1 h, late under 20 min.
  ev.Opened("T-old", "acme", "2026-11-20T10:00:00Z", events::Priority::kNormal);
  ev.AgentReply("T-old", "2026-11-20T10:30:00Z");
  // Opened under v2, answered after 30 min.
  ev.Opened("T-new", "acme", "2026-11-20T13:00:00Z", events::Priority::kNormal);
  ev.AgentReply("T-new", "2026-11-20T13:30:00Z");
  // Opened before the first record: judged under the first version.
  ev.Opened("T-early", "acme", "2026-11-19T10:00:00Z", events::Priority::kNormal);
  ev.AgentReply("T-early", "2026-11-19T10:45:00Z");
  // Opened exactly when v2 took effect: v2.
  ev.Opened("T-edge", "acme", "2026-11-20T12:00:00Z", events::Priority::kNormal);
  ev.AgentReply("T-edge", "2026-11-20T12:30:00Z");
  // Opened under v1, escalated to urgent after v2 took effect: the re-selected
  // policy still comes from v1 (10 min), not v2 (5 min). Still unanswered.
  ev.Opened("T-esc", "acme", "2026-11-20T11:50:00Z", events::Priority::kNormal);
  ev.Priority("T-esc", "2026-11-20T12:10:00Z", events::Priority::kUrgent);
  return ev;
}

TEST(PolicyHistoryTest, IndexAtPicksTheVersionInForce) {
  const auto h = History();
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ(h->IndexAt(kV1From - 86400), 0u);  // before the first record: the first version
  EXPECT_EQ(h->IndexAt(kV1From), 0u);
  EXPECT_EQ(h->IndexAt(kV2From - 1), 0u);
  EXPECT_EQ(h->IndexAt(kV2From), 1u);
  EXPECT_EQ(h->IndexAt(kV2From + 86400 * 365), 1u);
  EXPECT_EQ(h->At(kV2From).version, 2u);
  EXPECT_EQ(*h->latest().sla->policies[1].target(Metric::kFirstResponse), 1200);
}

TEST(PolicyHistoryTest, TicketsAreJudgedUnderThePolicyInForceAtTheirOpen) {
  Events ev = Scenario();
  SlaProjection::Options options;
  options.history = History();
  SlaProjection at_open(MustLoad(kV2), options);
  for (const auto& e : ev.all()) at_open.Apply(e);
  const auto fr = FirstResponse(at_open.Evaluate(T("2026-11-21T00:00:00Z")));
  ASSERT_EQ(fr.size(), 5u);

  EXPECT_EQ(fr.at("T-old").target_seconds, 3600);
  EXPECT_EQ(fr.at("T-old").elapsed_seconds, 1800);
  EXPECT_FALSE(fr.at("T-old").breached);
  EXPECT_EQ(fr.at("T-old").policy_version, 1u);
  EXPECT_EQ(fr.at("T-old").policy, "std");

  EXPECT_EQ(fr.at("T-new").target_seconds, 1200);
  EXPECT_TRUE(fr.at("T-new").breached);
  EXPECT_EQ(fr.at("T-new").policy_version, 2u);

  EXPECT_EQ(fr.at("T-early").target_seconds, 3600);
  EXPECT_FALSE(fr.at("T-early").breached);
  EXPECT_EQ(fr.at("T-early").policy_version, 1u);

  EXPECT_EQ(fr.at("T-edge").target_seconds, 1200);
  EXPECT_TRUE(fr.at("T-edge").breached);
  EXPECT_EQ(fr.at("T-edge").policy_version, 2u);

  EXPECT_EQ(fr.at("T-esc").policy, "urgent");
  EXPECT_EQ(fr.at("T-esc").target_seconds, 600);
  EXPECT_EQ(fr.at("T-esc").policy_version, 1u);
  EXPECT_EQ(fr.at("T-esc").breach_at, T("2026-11-20T12:00:00Z"));

  // The JSONL record names the version.
  EXPECT_NE(ToJsonl(fr.at("T-new")).find("\"policy\":\"std\",\"policy_version\":2,"), std::string::npos)
      << ToJsonl(fr.at("T-new"));
}

TEST(PolicyHistoryTest, AsOfBeforeTheChangeUsesTheOldPolicy) {
  Events ev = Scenario();
  SlaProjection::Options options;
  options.history = History();
  SlaProjection at_open(MustLoad(kV2), options);
  for (const auto& e : ev.all()) at_open.Apply(e);
  // At 10:25 only T-old (and T-early) exist; T-old runs 25 min of a 1 h target.
  const auto fr = FirstResponse(at_open.Evaluate(T("2026-11-20T10:25:00Z")));
  ASSERT_EQ(fr.count("T-new"), 0u);
  EXPECT_EQ(fr.at("T-old").state, InstanceState::kActive);
  EXPECT_EQ(fr.at("T-old").target_seconds, 3600);
  EXPECT_EQ(fr.at("T-old").level, RiskLevel::kOk);
  EXPECT_EQ(fr.at("T-old").due_at, T("2026-11-20T11:00:00Z"));
}

TEST(PolicyHistoryTest, CurrentPolicyReJudgesEveryTicket) {
  Events ev = Scenario();
  SlaProjection current(MustLoad(kV2));
  for (const auto& e : ev.all()) current.Apply(e);
  const auto fr = FirstResponse(current.Evaluate(T("2026-11-21T00:00:00Z")));
  ASSERT_EQ(fr.size(), 5u);
  for (const std::string t : {"T-old", "T-new", "T-early", "T-edge"}) {
    EXPECT_EQ(fr.at(t).target_seconds, 1200) << t;
    EXPECT_TRUE(fr.at(t).breached) << t;
    EXPECT_EQ(fr.at(t).policy_version, 0u) << t;
  }
  EXPECT_EQ(fr.at("T-esc").target_seconds, 300);
  EXPECT_EQ(ToJsonl(fr.at("T-old")).find("policy_version"), std::string::npos);
}

TEST(PolicyHistoryTest, OneVersionHistoryEqualsTheConfigAndLiveModeAgrees) {
  testing::GenOptions go;
  go.tickets = 400;
  const auto events = testing::GenerateEvents(go);
  const std::string text = testing::kDocConfig;
  auto one = PolicyHistory::FromRecords({{1, go.begin + go.span / 2, events::PolicyFingerprint(text), text}});
  ASSERT_TRUE(one.ok()) << one.status().message();
  SlaProjection::Options options;
  options.history = *one;
  SlaProjection with(MustLoad(kV2), options);  // the constructor's config is not used for judging
  SlaProjection without(MustLoad(text));
  for (const auto& e : events) {
    with.Apply(e);
    without.Apply(e);
  }
  const int64_t as_of = go.begin + go.span - 86400;
  auto a = with.Evaluate(as_of);
  const auto b = without.Evaluate(as_of);
  ASSERT_FALSE(b.empty());
  for (SlaRecord& r : a) {
    EXPECT_EQ(r.policy_version, 1u);
    r.policy_version = 0;
  }
  EXPECT_EQ(a, b);

  // Live mode with two versions: the incremental counters equal the
  // aggregation of a full evaluation under the same history.
  auto two = PolicyHistory::FromRecords({{1, go.begin, events::PolicyFingerprint(text), text},
                                         {2, go.begin + go.span / 2, events::PolicyFingerprint(kV1), kV1}});
  ASSERT_TRUE(two.ok()) << two.status().message();
  SlaProjection::Options live_options;
  live_options.live = true;
  live_options.history = *two;
  SlaProjection live(MustLoad(kV1), live_options);
  for (const auto& e : events) live.Apply(e);
  live.AdvanceTo(as_of);
  const auto records = live.Evaluate(as_of);
  size_t v1 = 0, v2 = 0;
  for (const SlaRecord& r : records) (r.policy_version == 1 ? v1 : v2)++;
  EXPECT_GT(v1, 0u);
  EXPECT_GT(v2, 0u);
  EXPECT_EQ(live.Snapshot(), AggregateRecords(records, as_of, live.histogram_bounds(),
                                              [&](const std::string& acc) { return live.OwnerOf(acc); }));
}

TEST(PolicyHistoryTest, UnparsableRecordIsCorruptionNamingTheVersion) {
  const std::string bad = "policies:\n  - name: x\n    targets: {first_response: -1}\n";
  auto h = PolicyHistory::FromRecords(
      {{1, 0, events::PolicyFingerprint(kV1), kV1}, {2, 10, events::PolicyFingerprint(bad), bad}});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Status::kCorruption);
  EXPECT_NE(h.status().message().find("policy version 2"), std::string::npos) << h.status().message();
}

}  // namespace
}  // namespace slamon::projections
