// The web console's overview served at `/`: one server-rendered HTML page with
// the live SLA state per tier, the running breaches and warnings, the
// accounts at risk and the overdue follow-ups, the trends per tier and the
// owners' and teams' scorecards (linking to their pages,
// daemon/api/scorecard_pages.h). No scripts: the page reloads itself every
// 10 s (<meta http-equiv="refresh">), and every value from the data (account
// ids, owners, tiers, tickets, escalation steps) is HTML-escaped.
//
// Split in two so that the page is testable without a daemon: the snapshot
// is gathered from the same thread-safe providers as the JSON API, then
// rendered by a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/api/api_routes.h"
#include "daemon/api/trends_routes.h"
#include "projections/accounts/health_projection.h"
#include "projections/report/scorecard.h"
#include "projections/sla/sla_snapshot.h"
#include "projections/trends/trend_types.h"

namespace slamon::daemon {

class HttpServer;

/// One tier's line of the SLA table. Counts are of SLA instances (one clock
/// per ticket, metric and cycle), since the store's first event.
struct ConsoleTier {
  std::string tier;
  int64_t running = 0;                   ///< running instances, any level
  int64_t warning = 0;                   ///< of them, in warning
  int64_t running_breached = 0;          ///< of them, past their target
  int64_t met = 0;                       ///< stopped within the target
  int64_t breached = 0;                  ///< crossed the target, running or stopped
  std::vector<std::string> owners = {};  ///< owners of the tier's live accounts now, sorted
  /// met / (met + breached) × 100, as in the compliance report; undefined
  /// while nothing has a verdict.
  std::optional<double> PercentMet() const;
};

/// Everything the page shows, at one instant.
struct ConsoleSnapshot {
  int64_t as_of = 0;               ///< Unix seconds the page describes
  bool replaying = false;          ///< the daemon is still replaying its store: nothing to show yet
  double objective_percent = 95;   ///< % met a tier should reach (colours the compliance column)
  std::vector<ConsoleTier> tiers;  ///< sorted by tier
  /// Running instances in breached state, then in warning (CollectBreaches order).
  std::vector<BreachItem> breaches;
  std::vector<projections::AccountRecord> at_risk;    ///< level at_risk, lowest score first
  std::vector<projections::AccountRecord> followups;  ///< follow-up overdue, most overdue first
  /// The trend weeks per tier (AddConsoleTrends), in tier order.
  std::vector<std::pair<std::string, projections::TrendSeries>> tier_trends;
  std::vector<projections::Scorecard> owners;  ///< scorecards per owner, by name
  std::vector<projections::Scorecard> teams;   ///< scorecards per team, by name
  /// Whose accounts the lists hold. Under a `team:` or `owner:` scope the
  /// page leaves out the tier table and the compliance card (their counts
  /// cover every account) and counts the breaches and warnings it lists.
  AccessScope scope;
};

/// Per tier, from an SLA snapshot: every tier it names, sorted.
std::vector<ConsoleTier> ConsoleTiers(const projections::SlaSnapshot& sla);

/// Builds the snapshot from the SLA aggregates, every account record (any
/// level; filtered and sorted here) and the running breaches and warnings,
/// keeping only the accounts and breaches `scope` allows.
ConsoleSnapshot MakeConsoleSnapshot(const projections::SlaSnapshot& sla,
                                    const std::vector<projections::AccountRecord>& accounts,
                                    std::vector<BreachItem> breaches, int64_t as_of,
                                    const AccessScope& scope = AccessScope());
/// Adds the trends of every tier of `s` and the owners' and teams'
/// scorecards over the default weeks from `trends` (all of them set), only
/// those `s.scope` allows (ScopeTrendFilter): a `team:` scope its team and
/// the owners' figures within it, an `owner:` scope that owner alone.
void AddConsoleTrends(const TrendsSource& trends, ConsoleSnapshot* s);

/// The page: a complete HTML5 document with inline CSS, no scripts and no
/// external references. Each list shows at most `max_rows` rows, then a line
/// "… and N more" naming the JSON endpoint with the full list.
std::string RenderConsole(const ConsoleSnapshot& snapshot, size_t max_rows = 100);

/// Where the console reads the live state. The callbacks run on the HTTP
/// server's worker threads, concurrently: they must be thread-safe (the
/// daemon's providers return copies of published snapshots).
struct ConsoleSources {
  /// The latest SLA aggregates; null while the store is being replayed.
  std::function<std::shared_ptr<const projections::SlaSnapshot>()> sla;
  /// The JSON API's provider (accounts and breaches are used).
  ApiDataProvider api;
  /// Trends and scorecards; the page leaves those sections out without them.
  TrendsSource trends;
};

/// Serves the page on GET/HEAD `/` (an exact route: unknown paths stay 404),
/// as `text/html; charset=utf-8`, with a Content-Security-Policy that allows
/// no scripts and `Cache-Control: no-store`. Behind the server's basic auth
/// like every endpoint but /healthz; shows what the request's scope allows
/// (MakeConsoleSnapshot). A failing source gives a 503 page.
void RegisterConsole(HttpServer& server, ConsoleSources sources);

}  // namespace slamon::daemon
