// Aggregated SLA state for the metrics collectors (docs/metrics.md "Business
// metrics"), independent of Prometheus.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "events/event.h"
#include "projections/sla/sla_record.h"
#include "projections/sla/sla_types.h"

namespace slamon::projections {

/// Counts derived from the SLA instances at one instant. Every count is a
/// function of (events, config, as_of): it equals what Evaluate(as_of) gives.
/// Counts that can only grow in normal operation (breaches, completed,
/// histogram) may still shrink when a late event rewrites history (e.g. a
/// retroactive priority change); collectors that expose them as Prometheus
/// counters should clamp to the maximum seen.
struct SlaSnapshot {
  using OpenKey = std::tuple<std::string, events::Priority, Metric, RiskLevel>;  // tier, priority, metric, level
  using OwnerKey = std::tuple<std::string, Metric, RiskLevel, std::string>;      // tier, metric, level, owner
  using TierMetric = std::tuple<std::string, Metric>;
  using CompletedKey = std::tuple<std::string, Metric, bool>;   // tier, metric, breached
  using GroupKey = std::tuple<std::string, Metric, RiskLevel>;  // group, metric, level
  /// tier, metric, account owner, team, escalation step
  using EscalationKey = std::tuple<std::string, Metric, std::string, std::string, std::string>;

  struct Histogram {
    std::vector<int64_t> bounds;  ///< upper bounds (le), ascending; +Inf implied
    std::vector<int64_t> counts;  ///< per bucket, NOT cumulative; size bounds+1 (last = +Inf)
    int64_t sum = 0;
    int64_t count = 0;
    bool operator==(const Histogram&) const = default;
  };

  int64_t as_of = 0;
  /// Running instances by tier, priority, metric and risk level (zeros omitted).
  std::map<OpenKey, int64_t> open;
  /// Running warning/breached instances per account owner (zeros omitted).
  std::map<OwnerKey, int64_t> open_by_owner;
  /// Instances (running or stopped) whose breach_at <= as_of.
  std::map<TierMetric, int64_t> breaches;
  /// Stopped instances by outcome.
  std::map<CompletedKey, int64_t> completed;
  /// Business seconds of stopped first-response instances, per tier.
  std::map<std::string, Histogram> first_response_seconds;
  /// Per tier: the start of the oldest running first-response instance.
  std::map<std::string, int64_t> oldest_unanswered;
  /// Every tier seen on a ticket (for zero-filled series).
  std::set<std::string> tiers;
  /// Running department (assignment) instances by group and level (zeros omitted).
  std::map<GroupKey, int64_t> open_by_group;
  /// Running breached instances by the escalation step they are at (zeros
  /// and instances without a step omitted).
  std::map<EscalationKey, int64_t> escalations;
  /// Accounts whose upserts or updates name a calendar the config lacks (live projection only;
  /// AggregateRecords leaves it 0).
  uint64_t unknown_calendars = 0;

  bool operator==(const SlaSnapshot&) const = default;
};

/// Default first-response histogram bounds (docs/metrics.md) merged with `targets`.
std::vector<int64_t> FirstResponseBuckets(const std::vector<int64_t>& targets);

/// Adds and removes instances to/from aggregated counts. Not thread-safe.
class SlaAggregator {
 public:
  explicit SlaAggregator(std::vector<int64_t> histogram_bounds);

  /// sign = +1 to add, -1 to remove a previously added record.
  void Add(const SlaRecord& r, const std::string& owner, int sign);
  SlaSnapshot Snapshot(int64_t as_of) const;

 private:
  SlaSnapshot data_;
  std::map<std::string, std::multiset<int64_t>> unanswered_;  // tier -> starts
  std::map<std::string, int64_t> tier_refs_;
};

/// Aggregates records of Evaluate(as_of); `owner_of(account_id)` gives the
/// account owner label.
template <typename OwnerFn>
SlaSnapshot AggregateRecords(const std::vector<SlaRecord>& records, int64_t as_of,
                             const std::vector<int64_t>& histogram_bounds, OwnerFn owner_of) {
  SlaAggregator agg(histogram_bounds);
  for (const SlaRecord& r : records) agg.Add(r, owner_of(r.account_id), +1);
  return agg.Snapshot(as_of);
}

}  // namespace slamon::projections
