// Business metrics, computed at scrape time from the latest published
// projection snapshot (a prometheus::Collectable). No per-ticket or
// per-account series; every configured tier/priority/metric/level
// combination is present (zero, not missing); tiers and owners beyond the
// configured bounds are reported as "other" (see LabelBounds).
#pragma once

#include <prometheus/collectable.h>

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "daemon/metrics/label_bounds.h"
#include "daemon/views/projection_views.h"

namespace slamon::daemon {

class BusinessMetrics : public prometheus::Collectable {
 public:
  /// Reads `views` (kept; must outlive this) at every scrape.
  explicit BusinessMetrics(const ProjectionViews* views, const LabelBoundSettings& bounds = {});
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  // The SLA snapshot's maps with tier and owner folded into their bounds.
  struct Folded {
    std::set<std::string> tiers;
    std::map<projections::SlaSnapshot::OpenKey, int64_t> open;
    std::map<projections::SlaSnapshot::OwnerKey, int64_t> open_by_owner;
    std::map<projections::SlaSnapshot::TierMetric, int64_t> breaches;
    std::map<projections::SlaSnapshot::CompletedKey, int64_t> completed;
    std::map<std::string, projections::SlaSnapshot::Histogram> first_response_seconds;
    std::map<std::string, int64_t> oldest_unanswered;
  };
  // Both require mu_ held.
  Folded Fold(const projections::SlaSnapshot& snap) const;
  void CollectHealth(const std::set<std::string>& tiers, std::vector<prometheus::MetricFamily>* out) const;
  void CollectDepartments(const projections::SlaSnapshot& snap, std::vector<prometheus::MetricFamily>* out) const;
  /// Key-account value, follow-up, NPS, churn detail and complaint handling (value_metrics.cc).
  /// Adds the per-tier series to `churn` (slamon_churn_rate_percent) and appends the other families to `out`.
  void CollectValue(const std::set<std::string>& tiers, const HealthSnapshot& h, prometheus::MetricFamily* churn,
                    std::vector<prometheus::MetricFamily>* out) const;
  // The value aggregates with tier and owner folded into their bounds (mu_ held).
  ValueAggregates FoldValue(const ValueAggregates& v) const;

  const ProjectionViews* views_;
  mutable LabelBounds bounds_;       // guarded by mu_
  std::vector<std::string> groups_;  // groups named in any policy's group_targets
  // Counters must never go down, even when a late event rewrites history
  // (a retroactive priority change can un-breach an instance): keep maxima.
  mutable std::mutex mu_;
  mutable std::map<std::string, double> counter_max_;
  mutable uint64_t counter_generation_ = 0;  // the publication generation counter_max_ belongs to
};

}  // namespace slamon::daemon
