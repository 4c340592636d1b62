// The live scorecards of the console and the API (docs/http.md "Trends and
// scorecards"): each owner's or team's figures over the trend weeks, with
// the state of their accounts now.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "projections/accounts/health_projection.h"
#include "projections/report/scorecard.h"
#include "projections/trends/trend_types.h"

namespace slamon::daemon {

/// Per owner or per team (`by`: kOwner or kTeam), sorted by name, every name
/// of `totals` or of the accounts:
/// - SLA, first-response time, CSAT and NPS figures from `totals` (the trend
///   weeks summed per owner or team: TrendsView::TrendTotals with the same
///   filter), each counted under the owner and team of its instant;
/// - accounts, at risk and overdue follow-ups from `accounts` (a health
///   refresh) that `filter` matches, each under its owner and team now;
/// - `related`: the teams of an owner's accounts, the owners of a team's.
std::vector<projections::Scorecard> LiveScorecards(projections::TrendDimension by,
                                                   const std::map<std::string, projections::TrendCounts>& totals,
                                                   const std::vector<projections::AccountRecord>& accounts,
                                                   const projections::TrendFilter& filter);

/// Whether the account is one `filter` matches, by its tier, team and owner now.
bool AccountMatches(const projections::AccountRecord& account, const projections::TrendFilter& filter);

}  // namespace slamon::daemon
