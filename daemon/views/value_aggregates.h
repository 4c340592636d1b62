// Aggregates of the key-account value projection for the metrics, computed
// once per health refresh (projection_host.cc) so that a scrape only copies
// ready numbers, whatever the number of accounts and tickets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "projections/accounts/health_projection.h"
#include "projections/sla/sla_record.h"

namespace slamon::daemon {

/// A cumulative histogram (counts per upper bound, then +Inf).
struct BusinessHistogram {
  std::vector<int64_t> counts;  ///< per bound of ValueAggregates::resolution_bounds, not cumulative
  int64_t count = 0;
  double sum = 0;
};

struct ValueAggregates {
  /// Live accounts whose tier has a cadence, by (tier, owner): how many are overdue (0 included).
  std::map<std::pair<std::string, std::string>, int64_t> followup_overdue;
  std::map<std::string, projections::NpsCounts> nps_90d_by_tier;
  std::map<std::string, projections::CsatScoreSum> csat_score_30d_by_tier;
  /// Churn rate by tier (at the churn), 365 d; churned accounts ever by (tier at the churn, reason label).
  std::map<std::string, projections::ChurnCounts> churn_by_tier;
  std::map<std::pair<std::string, std::string>, int64_t> churned_by_tier_reason;
  /// Sum of value_12m (configured currency) by tier at as-of, every account.
  std::map<std::string, double> value_12m_by_tier;
  /// Accounts by (tier, dimension r|f|m, score "1"…"5" or "none").
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> rfm;
  /// First resolution cycles ever stopped, business seconds, by category label.
  std::vector<int64_t> resolution_bounds;
  std::map<std::string, BusinessHistogram> resolution_by_category;
};

/// Histogram bounds for resolution business seconds: 15 min … 10 d plus
/// every target in `targets`, sorted and unique.
std::vector<int64_t> ResolutionBounds(const std::vector<int64_t>& targets);

/// Everything above, from the health projection and its evaluation at `as_of`
/// (`accounts` from EvaluateAccounts, `sla` from SlaProjection::Evaluate).
ValueAggregates AggregateValue(const projections::HealthProjection& health,
                               const std::vector<projections::AccountRecord>& accounts,
                               const std::vector<projections::SlaRecord>& sla, int64_t as_of,
                               const std::vector<int64_t>& resolution_bounds);

}  // namespace slamon::daemon
