// The trends and scorecard routes of the JSON API (docs/http.md "Trends and
// scorecards"):
//   GET /api/v1/trends?tier=&account_owner=&team=&weeks=   weekly series
//   GET /api/v1/owners/{id}?weeks=     one account owner's scorecard, trends and accounts
//   GET /api/v1/teams/{team}?weeks=    one team's scorecard, its owners' and its trends
// and the source they (and the console's owner and team pages) read.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "daemon/api/api_routes.h"
#include "daemon/config/access_scope.h"
#include "projections/report/scorecard.h"
#include "projections/trends/trend_types.h"

namespace slamon::daemon {

class HttpServer;

/// Where the trends routes and pages read. Every callback takes the filter
/// of what is asked, so that an access scope can narrow it in front of them
/// (an owner scope sets `owner`, a team scope `team`). They run on the HTTP
/// server's worker threads, concurrently: they must be thread-safe. A
/// callback that is empty or throws makes the route answer 503.
struct TrendsSource {
  /// The last `weeks` weeks of the buckets `filter` matches; no weeks while
  /// the store is being replayed.
  std::function<projections::TrendSeries(const projections::TrendFilter& filter, int weeks)> series;
  /// Scorecards per owner or team (kOwner or kTeam) of what `filter`
  /// matches (daemon/api/scorecards.h), and the instant of the account state.
  std::function<ApiData<projections::Scorecard>(projections::TrendDimension by, const projections::TrendFilter& filter,
                                                int weeks)>
      scorecards;
  /// The accounts `filter` matches (tier, team and owner now), from the last
  /// health refresh.
  std::function<ApiData<projections::AccountRecord>(const projections::TrendFilter& filter)> accounts;
  /// Whether an owner or team (kOwner or kTeam) exists: the owner or team of
  /// an account now, or one with data in the kept weeks.
  std::function<bool(projections::TrendDimension by, const std::string& name)> known;
};

/// The `weeks` query parameter: 1..52, default 12; nullopt and `*error` set
/// when it is not a number in range.
std::optional<int> ParseWeeks(const std::string& value, std::string* error);

/// Narrows `filter` to what `scope` may see: `owner:X` sets the owner X,
/// `team:T` the team T, `all` (and `metrics`, which the routes refuse before)
/// leaves it. False when the filter already names another owner (team) than
/// the scope's: nothing of it is visible, and the answer must be that of an
/// owner (team) without data (the filter is then left as asked).
bool ScopeTrendFilter(const AccessScope& scope, projections::TrendFilter* filter);

/// Whether the owner or team (`by`) `name`, known to `source`, is one `scope`
/// may see: any for `all`; for `owner:X` the owner X and the teams X's
/// figures or accounts fall in; for `team:T` the team T and the owners with
/// figures or accounts in it. What a scope may not see answers 404 exactly
/// like an unknown name. `weeks`: the weeks the answer covers.
bool ScopeAllowsName(const TrendsSource& source, const AccessScope& scope, projections::TrendDimension by,
                     const std::string& name, int weeks);

/// Registers the three routes. Query parameters, each at most once and not
/// empty (anything else → 400 {"error": ...}): /api/v1/trends takes tier,
/// account_owner, team and weeks; the owner and team routes take weeks. An
/// owner or team that is not known, or outside the caller's scope
/// (ScopeAllowsName) → 404 {"error": ...}; under a `team:` or `owner:` scope
/// every figure is narrowed to it (ScopeTrendFilter). A 200 carries
/// `X-Slamon-As-Of`, the instant of the trends.
void RegisterTrendsRoutes(HttpServer& server, TrendsSource source);

}  // namespace slamon::daemon
