// Scorecards: one account owner's or one team's service figures, for the
// people who are measured by them (the console's owner and team pages, the
// JSON API and the compliance report's scorecard section).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "projections/accounts/csat_projection.h"
#include "projections/accounts/health_projection.h"
#include "projections/accounts/value_projection.h"
#include "projections/sla/sla_record.h"

namespace slamon::projections {

/// The figures of one owner or team. Which clocks, answers and accounts they
/// cover depends on where they are shown (the report's window, or the live
/// weeks; docs/http.md and docs/cli.md say which).
struct Scorecard {
  std::string name = {};                  ///< the owner or team; "" for accounts without one
  std::vector<std::string> related = {};  ///< an owner's teams, a team's owners (sorted)
  int64_t accounts = 0;                   ///< live (not churned) accounts
  int64_t first_response_met = 0, first_response_breached = 0;
  int64_t resolution_met = 0, resolution_breached = 0;
  int64_t first_responses = 0;  ///< answered first-response clocks behind the median
  /// Nearest-rank median of their business seconds; undefined without any.
  std::optional<int64_t> median_first_response_seconds;
  CsatCounts csat = {};
  NpsCounts nps = {};
  int64_t at_risk = 0;            ///< live accounts at health level at_risk
  int64_t followups_overdue = 0;  ///< live accounts with an overdue follow-up

  /// met / (met + breached) × 100; undefined without a verdict.
  std::optional<double> FirstResponsePercent() const;
  std::optional<double> ResolutionPercent() const;
  bool operator==(const Scorecard&) const = default;
};

/// Adds one account's current state (evaluated at the scorecard's instant)
/// to `card`: live accounts, at risk, overdue follow-ups.
void AddAccountState(const AccountRecord& account, Scorecard* card);

/// The compliance report's scorecards (docs/cli.md "Compliance report"), by
/// account owner and by team, sorted by name: every account counts under its
/// owner and team at `as_of`; SLA clocks that started in [from, to) (met,
/// breached; department clocks left out), the median business first-response
/// time of those answered by as_of, CSAT and NPS answers in the window, and
/// the accounts' state at as_of. `accounts` and `records` are evaluated at
/// as_of = to − 1.
struct ReportScorecards {
  std::vector<Scorecard> by_owner;
  std::vector<Scorecard> by_team;
};
ReportScorecards BuildReportScorecards(const HealthProjection& health, const std::vector<AccountRecord>& accounts,
                                       const std::vector<SlaRecord>& records, int64_t from, int64_t to);

}  // namespace slamon::projections
