#include "daemon/views/value_aggregates.h"

#include <algorithm>

namespace slamon::daemon {

using projections::kDaySeconds;

std::vector<int64_t> ResolutionBounds(const std::vector<int64_t>& targets) {
  std::vector<int64_t> b = {900,
                            1800,
                            3600,
                            7200,
                            14400,
                            28800,
                            kDaySeconds,
                            2 * kDaySeconds,
                            3 * kDaySeconds,
                            5 * kDaySeconds,
                            10 * kDaySeconds};
  for (int64_t t : targets) {
    if (t > 0) b.push_back(t);
  }
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

ValueAggregates AggregateValue(const projections::HealthProjection& health,
                               const std::vector<projections::AccountRecord>& accounts,
                               const std::vector<projections::SlaRecord>& sla, int64_t as_of,
                               const std::vector<int64_t>& resolution_bounds) {
  const projections::ValueConfig& config = health.config().value;
  ValueAggregates a;
  for (const auto& r : accounts) {
    const auto& v = r.value;
    a.value_12m_by_tier[r.tier] += v.value_12m;
    a.rfm[{r.tier, "r", v.r_score ? std::to_string(*v.r_score) : "none"}]++;
    a.rfm[{r.tier, "f", std::to_string(v.f_score)}]++;
    a.rfm[{r.tier, "m", std::to_string(v.m_score)}]++;
    if (!r.churned && v.cadence_seconds) {
      a.followup_overdue[{r.tier, r.owner}] += v.followup_overdue_days && *v.followup_overdue_days > 0 ? 1 : 0;
    }
  }
  a.nps_90d_by_tier = health.value().NpsByTier(as_of, projections::kNpsWindowSeconds, health.accounts());
  a.csat_score_30d_by_tier = health.value().CsatScoresByTier(as_of, 30 * kDaySeconds, health.accounts());
  const auto churn = health.ChurnDetail(as_of);
  a.churn_by_tier = churn.by_tier;
  // The counter covers every churn up to as-of (a window reaching back to
  // before any event), each account once, under its last churn's tier and reason.
  constexpr int64_t kEver = int64_t{200} * 365 * kDaySeconds;
  for (const auto& [key, n] : health.accounts().ChurnDetail(as_of, kEver).by_tier_reason) {
    a.churned_by_tier_reason[{key.first, std::string(config.ReasonLabel(key.second))}] += n;
  }
  a.resolution_bounds = resolution_bounds;
  for (const auto& label : config.CategoryLabels()) {
    a.resolution_by_category[label].counts.assign(resolution_bounds.size(), 0);
  }
  for (const auto& r : sla) {
    if (r.metric != projections::Metric::kResolution || r.cycle != 1) continue;
    if (r.state != projections::InstanceState::kStopped) continue;
    auto& h = a.resolution_by_category[std::string(config.CategoryLabel(health.value().CategoryOf(r.ticket_id)))];
    auto bound = std::lower_bound(resolution_bounds.begin(), resolution_bounds.end(), r.elapsed_seconds);
    if (bound != resolution_bounds.end()) ++h.counts[static_cast<size_t>(bound - resolution_bounds.begin())];
    ++h.count;
    h.sum += static_cast<double>(r.elapsed_seconds);
  }
  return a;
}

}  // namespace slamon::daemon
