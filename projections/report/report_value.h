// The key-account sections of the compliance report: value per tier,
// follow-up per owner, NPS per tier, churn reasons and complaint handling
// over the report window (see report.h for the window and as-of rules).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "projections/accounts/health_projection.h"
#include "projections/accounts/value_projection.h"
#include "projections/sla/sla_record.h"

namespace slamon::projections {

struct KeyAccountReport {
  struct TierValue {
    std::string tier;
    int64_t accounts = 0;  ///< every account of the tier at as-of, churned ones too
    double lifetime_value = 0;
    double value_12m = 0;
    std::map<std::string, double> other_currencies_12m;  ///< listed, never converted
  };
  struct OwnerFollowup {
    std::string tier, owner;
    int64_t with_cadence = 0;  ///< live accounts whose tier has a cadence
    int64_t overdue = 0;
    double max_overdue_days = 0;
  };
  std::string currency;
  std::vector<TierValue> value_by_tier;          ///< sorted by tier
  std::vector<OwnerFollowup> followup;           ///< sorted by tier, owner
  std::map<std::string, NpsCounts> nps_by_tier;  ///< NPS answers in the window, tiers with answers
  NpsCounts nps_total;
  std::map<std::string, int64_t> churn_reasons;       ///< churned in the window by reason label (all labels present)
  std::map<std::string, ResolutionStats> complaints;  ///< by category label (all labels present)
};

/// The sections at `as_of` over the window (as_of − window, as_of];
/// `accounts` and `records` evaluated at as_of.
KeyAccountReport BuildKeyAccountReport(const HealthProjection& health, const std::vector<AccountRecord>& accounts,
                                       const std::vector<SlaRecord>& records, int64_t as_of, int64_t window);

/// The definitions of these sections, one sentence each, for the report notes.
void AppendKeyAccountNotes(const KeyAccountReport& r, std::vector<std::string>* notes);

}  // namespace slamon::projections
