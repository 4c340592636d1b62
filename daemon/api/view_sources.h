// The JSON API's provider and the console's sources over the read-only
// projection views (daemon/views/projection_views.h): what the daemon
// registers its routes with.
#pragma once

#include "daemon/api/api_routes.h"
#include "daemon/api/console.h"
#include "daemon/api/scorecard_pages.h"
#include "daemon/api/ticket_routes.h"
#include "daemon/api/trends_routes.h"
#include "daemon/views/projection_views.h"

namespace slamon::daemon {

/// Accounts from the latest health snapshot; breaches and an account's open
/// instances evaluated at the current second. Each answer names its instant.
/// `views` must outlive the provider; its callbacks are thread-safe.
ApiDataProvider ApiProviderFromViews(const ProjectionViews& views);

/// The console's sources: the latest SLA snapshot, ApiProviderFromViews and
/// TrendsSourceFromViews.
ConsoleSources ConsoleSourcesFromViews(const ProjectionViews& views);

/// The ticket routes' source: the ticket explained at the current second,
/// shown only to a scope that sees its account (InScope).
TicketSource TicketSourceFromViews(const ProjectionViews& views);

/// The trends routes' and pages' source: trends at the projections' last
/// tick, scorecards from them and the latest health snapshot
/// (daemon/api/scorecards.h). Any caller may see anything: the routes narrow
/// the filter to the caller's scope in front of this source (ScopeTrendFilter).
TrendsSource TrendsSourceFromViews(const ProjectionViews& views);

/// Whether `scope` allows the account `account_id`, by its owner and team now:
/// for routes that start from a ticket or an SLA record rather than an
/// account record (a ticket page: 404 unless InScope(req.scope, views, r.account_id)).
bool InScope(const AccessScope& scope, const SlaView& views, std::string_view account_id);

}  // namespace slamon::daemon
