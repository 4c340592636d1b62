// The accounts' state at the last health refresh, as the projection host
// publishes it: an immutable value that the API, the console and the metrics
// copy or read without locking the projections.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "daemon/views/value_aggregates.h"
#include "projections/accounts/csat_projection.h"
#include "projections/accounts/health_projection.h"

namespace slamon::daemon {

/// Health state at the last health refresh (re-evaluated as time passes,
/// every `health_period`, not on every scrape).
struct HealthSnapshot {
  int64_t as_of = 0;
  std::vector<projections::AccountRecord> accounts;                 // sorted by account_id
  std::map<std::string, projections::CsatCounts> csat_30d_by_tier;  // tiers with answers only
  projections::ChurnCounts churn;
  /// survey answers ever, by (tier, account_owner) at answer time, satisfied
  std::map<std::tuple<std::string, std::string, bool>, int64_t> csat_responses;
  uint64_t generation =
      0;                  ///< publication generation of the projections it came from (see sla_snapshot_and_generation)
  ValueAggregates value;  ///< key-account value, follow-up, NPS, churn detail, complaint handling
  /// Accounts by (tier, level) and at-risk accounts by (tier, owner), counted
  /// at refresh so that a scrape does not loop over the accounts.
  std::map<std::pair<std::string, projections::HealthLevel>, int64_t> accounts_by_level;
  std::map<std::pair<std::string, std::string>, int64_t> at_risk_by_owner;
};

}  // namespace slamon::daemon
