// The console's owner and team pages (docs/http.md "Web console"):
//   /owners/{id}   one account owner: scorecard, trends, accounts
//   /teams/{team}  one team: scorecard, its owners' scorecards, trends
// and the scorecard table the overview page shares. Server-rendered from the
// TrendsSource (daemon/api/trends_routes.h), no scripts, every value escaped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/api/trends_routes.h"
#include "projections/accounts/health_projection.h"
#include "projections/report/scorecard.h"
#include "projections/trends/trend_types.h"

namespace slamon::daemon {

class HttpServer;

/// What an owner or team page shows, gathered from the source.
struct ScorecardPage {
  projections::TrendDimension by = projections::TrendDimension::kOwner;  ///< kOwner or kTeam
  std::string name;
  int64_t accounts_as_of = 0;
  double objective_percent = 95;
  projections::Scorecard card;
  projections::TrendSeries trends;
  std::vector<projections::Scorecard> owners;        ///< a team's owners (team page)
  std::vector<projections::AccountRecord> accounts;  ///< an owner's accounts (owner page)
  bool metrics_link = true;  ///< the footer links /metrics (not for a `team:` or `owner:` scope: 403 there)
};

/// The page (a complete HTML document).
std::string RenderScorecardPage(const ScorecardPage& page, size_t max_rows = 100);

/// A table of scorecards, one row per owner (`by` kOwner: the name links to
/// the owner's page, the related names to the teams') or per team; at most
/// `max_rows` rows, then "… and N more". Wrapped to scroll sideways.
std::string ScorecardTable(const std::vector<projections::Scorecard>& cards, projections::TrendDimension by,
                           double objective_percent, size_t max_rows);

/// Serves GET/HEAD /owners/{id} and /teams/{team} (optional `weeks`, 1..52,
/// default 12; any other query parameter → 400): 404 page for an owner or
/// team that is not known or outside the caller's scope (ScopeAllowsName;
/// the figures narrowed to the scope, ScopeTrendFilter), 503 page while the store is replayed or when the
/// source fails. Same headers as the overview (daemon/api/page_chrome.h).
void RegisterScorecardPages(HttpServer& server, TrendsSource source);

}  // namespace slamon::daemon
