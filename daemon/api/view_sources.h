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

/// The ticket routes' source: the ticket explained at the current second
/// (any caller may see any ticket: a scope filter wraps this source).
TicketSource TicketSourceFromViews(const ProjectionViews& views);

/// The trends routes' and pages' source: trends at the projections' last
/// tick, scorecards from them and the latest health snapshot
/// (daemon/api/scorecards.h). Any caller may see anything: an access scope
/// narrows the filter in front of this source.
TrendsSource TrendsSourceFromViews(const ProjectionViews& views);

}  // namespace slamon::daemon
