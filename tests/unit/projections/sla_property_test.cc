// Arrival order never changes a result; live counters equal a recomputation.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "projections/sla/sla_projection.h"
#include "tests/support/sla_event_gen.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

// The doc config plus a policy for tier D with every metric on a calendar
// whose boundaries hit DST transitions.
std::string Config() {
  std::string c = testing::kDocConfig;
  c.replace(c.find("policies:\n"), 10, R"(  - name: night
    timezone: America/New_York
    hours: {sun: ["00:00-02:30", "22:00-24:00"], mon: ["00:00-24:00"], tue: ["01:30-03:00", "09:00-17:00"],
            wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"], sat: ["10:00-14:00"]}
    holidays: ["2026-11-26"]
    overrides: {"2026-11-28": ["10:00-20:00"], "2026-11-16": [], "2026-11-01": ["01:30-03:00"]}
policies:
  - name: tier-d-phone
    match: {tier: [D], channel: [phone], team: [east]}
    calendar: night
    use_account_calendar: true
    targets: {first_response: 20m, next_response: 1h, resolution: 6h}
    escalation: [{name: lead, after: 30m}, {name: head, after: 4h}]
    group_targets: {tech: 2h, sales: 1h}
  - name: tier-d
    match: {tier: [D], priority: [urgent, high, normal]}
    calendar: night
    use_account_calendar: true
    targets: {first_response: 45m, next_response: 3h, resolution: 1d}
    pause_on: [pending, on_hold, solved]
    pause_metrics: [resolution, next_response, first_response]
    warn_at: 0.5
    escalation: [{name: lead, after: 0}, {name: head, after: 1d}]
    group_targets: {tech: 3h, after_sales: 90m, sales: 2h}
)");
  return c;
}

// The generated data must exercise every state, level, policy and metric.
void ExpectCoverage(const std::vector<SlaRecord>& rs) {
  std::set<std::string> seen;
  for (const auto& r : rs) {
    seen.insert(std::string(InstanceStateName(r.state)));
    seen.insert(std::string(RiskLevelName(r.level)) + (r.state == InstanceState::kStopped ? "-stopped" : "-running"));
    seen.insert(r.policy);
    seen.insert(std::string(MetricName(r.metric)) + (r.cycle > 1 ? "-cycle2+" : ""));
    if (r.escalation) seen.insert("escalated-" + *r.escalation);
  }
  for (const char* want : {"active",
                           "paused",
                           "stopped",
                           "ok-running",
                           "warning-running",
                           "breached-running",
                           "breached-stopped",
                           "tier-a",
                           "tier-b",
                           "tier-c-us",
                           "tier-d",
                           "default",
                           "first_response",
                           "next_response-cycle2+",
                           "resolution-cycle2+",
                           "tier-d-phone",
                           "assignment",
                           "assignment-cycle2+",
                           "escalated-lead",
                           "escalated-head"}) {
    EXPECT_TRUE(seen.count(want)) << want;
  }
}

std::string Jsonl(const std::vector<SlaRecord>& rs) {
  std::string out;
  for (const auto& r : rs) AppendJsonl(r, &out);
  return out;
}

TEST(SlaPropertyTest, ArrivalOrderDoesNotChangeOutput) {
  auto config = testing::MustLoad(Config());
  testing::GenOptions opts;
  opts.tickets = 3000;
  opts.extensions = true;
  auto events = testing::GenerateEvents(opts);
  const std::vector<int64_t> as_ofs = {opts.begin + 86400, opts.begin + opts.span / 2, opts.begin + opts.span + 86400};
  std::vector<std::string> reference;
  std::mt19937_64 rng(7);
  for (int round = 0; round < 4; ++round) {
    if (round == 1) {
      std::sort(events.begin(), events.end(), events::CanonicalLess);
    } else if (round > 1) {
      std::shuffle(events.begin(), events.end(), rng);
    }
    SlaProjection p(config);
    for (const auto& e : events) p.Apply(e);
    if (round == 3) {
      for (size_t i = 0; i < events.size(); i += 3) p.Apply(events[i]);  // re-delivered duplicates
    }
    for (size_t i = 0; i < as_ofs.size(); ++i) {
      std::string out = Jsonl(p.Evaluate(as_ofs[i]));
      if (round == 0) {
        EXPECT_GT(out.size(), 1000u);
        if (i == 1) ExpectCoverage(p.Evaluate(as_ofs[i]));
        reference.push_back(std::move(out));
      } else {
        ASSERT_EQ(out, reference[i]) << "round " << round << " as_of " << as_ofs[i];
      }
    }
  }
}

TEST(SlaPropertyTest, SnapshotStateRoundTripsEveryEventKind) {
  auto config = testing::MustLoad(Config());
  testing::GenOptions opts;
  opts.tickets = 1500;
  opts.seed = 5;
  opts.extensions = true;
  const auto events = testing::GenerateEvents(opts);
  SlaProjection original(config);
  for (const auto& e : events) original.Apply(e);
  std::string state;
  original.SaveState(&state);
  SlaProjection restored(config);
  ASSERT_TRUE(restored.LoadState(state).ok());
  EXPECT_EQ(restored.unknown_calendar_count(), original.unknown_calendar_count());
  EXPECT_GT(original.unknown_calendar_count(), 0u);
  const int64_t as_of = opts.begin + opts.span / 2;
  const auto records = original.Evaluate(as_of);
  EXPECT_TRUE(
      std::any_of(records.begin(), records.end(), [](const SlaRecord& r) { return r.metric == Metric::kAssignment; }));
  EXPECT_EQ(Jsonl(restored.Evaluate(as_of)), Jsonl(records));
}

TEST(SlaPropertyTest, LiveCountersEqualRecomputation) {
  auto config = testing::MustLoad(Config());
  testing::GenOptions opts;
  opts.tickets = 2000;
  opts.seed = 3;
  opts.extensions = true;
  auto events = testing::GenerateEvents(opts);
  std::mt19937_64 rng(11);
  std::shuffle(events.begin(), events.end(), rng);

  SlaProjection live(config, {.live = true});
  int64_t now = opts.begin - 86400;
  int checks = 0;
  const size_t step = events.size() / 25;
  for (size_t i = 0; i < events.size(); ++i) {
    live.Apply(events[i]);
    if (i % step != step - 1 && i + 1 != events.size()) continue;
    now += static_cast<int64_t>(rng() % (3 * 86400));
    live.AdvanceTo(now);
    const auto records = live.Evaluate(now);
    SlaSnapshot expect =
        AggregateRecords(records, now, live.histogram_bounds(), [&](const std::string& a) { return live.OwnerOf(a); });
    expect.unknown_calendars = live.unknown_calendar_count();
    const SlaSnapshot got = live.Snapshot();
    ASSERT_EQ(got.open, expect.open) << "at " << now;
    ASSERT_EQ(got.open_by_owner, expect.open_by_owner);
    ASSERT_EQ(got.breaches, expect.breaches);
    ASSERT_EQ(got.completed, expect.completed);
    ASSERT_EQ(got.first_response_seconds, expect.first_response_seconds);
    ASSERT_EQ(got.oldest_unanswered, expect.oldest_unanswered);
    ASSERT_EQ(got.open_by_group, expect.open_by_group);
    ASSERT_EQ(got.escalations, expect.escalations);
    ASSERT_EQ(got, expect);
    ++checks;
  }
  // Keep advancing without events: only timers move instances.
  for (int k = 0; k < 10; ++k) {
    now += 3 * 3600;
    live.AdvanceTo(now);
    SlaSnapshot expect = AggregateRecords(live.Evaluate(now), now, live.histogram_bounds(),
                                          [&](const std::string& a) { return live.OwnerOf(a); });
    expect.unknown_calendars = live.unknown_calendar_count();
    ASSERT_EQ(live.Snapshot(), expect) << "at " << now;
  }
  EXPECT_GE(checks, 25);
  EXPECT_FALSE(live.Snapshot().open.empty());
  EXPECT_FALSE(live.Snapshot().open_by_group.empty());
  EXPECT_FALSE(live.Snapshot().escalations.empty());
}

}  // namespace
}  // namespace slamon::projections
