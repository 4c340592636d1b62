// Business metrics of METRICS.md, computed at scrape time from the latest
// published projection snapshot (a prometheus::Collectable). No per-ticket or
// per-account series; every tier/priority/metric/level combination is
// present (zero, not missing).
#pragma once

#include <prometheus/collectable.h>

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "daemon/projection_host.h"

namespace slamon::daemon {

class BusinessMetrics : public prometheus::Collectable {
 public:
  explicit BusinessMetrics(const ProjectionHost* host);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void CollectHealth(const std::set<std::string>& tiers, std::vector<prometheus::MetricFamily>* out) const;
  /// Key-account value, follow-up, NPS, churn detail and complaint handling (value_metrics.cc).
  /// Adds the per-tier series to `churn` (slamon_churn_rate_percent) and appends the other families to `out`.
  void CollectValue(const std::set<std::string>& tiers, const HealthSnapshot& h, prometheus::MetricFamily* churn,
                    std::vector<prometheus::MetricFamily>* out) const;

  const ProjectionHost* host_;
  std::set<std::string> config_tiers_;
  // Counters must never go down, even when a late event rewrites history
  // (a retroactive priority change can un-breach an instance): keep maxima.
  mutable std::mutex mu_;
  mutable std::map<std::string, double> counter_max_;
  mutable uint64_t counter_generation_ = 0;  // ProjectionHost::generation() counter_max_ belongs to
};

}  // namespace slamon::daemon
