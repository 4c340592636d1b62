// The scorecard sections of the compliance report (per account owner and per
// team; projections/report/scorecard.h) in the same format-neutral shape as
// the key-account sections, so that each renderer prints them in a few lines.
#pragma once

#include <vector>

#include "daemon/report/report_key_accounts.h"
#include "projections/report/report.h"

namespace slamon::daemon::detail {

/// "Scorecards by owner" and "Scorecards by team": one row each, sorted by name.
std::vector<KeyAccountTable> ScorecardTables(const projections::Report& report);

/// CSV rows of section `scorecard`: scope owner (the owner in `owner`) or team
/// (the team in `team`), then name/value pairs.
struct ScorecardCsvRow {
  std::string scope, owner, team, name, value;
};
std::vector<ScorecardCsvRow> ScorecardCsvRows(const projections::Report& report);

}  // namespace slamon::daemon::detail
