// The JSON API's provider and the console's sources over the read-only
// projection views (daemon/views/projection_views.h): what the daemon
// registers its routes with.
#pragma once

#include "daemon/api/api_routes.h"
#include "daemon/api/console.h"
#include "daemon/api/ticket_routes.h"
#include "daemon/views/projection_views.h"

namespace slamon::daemon {

/// Accounts from the latest health snapshot; breaches and an account's open
/// instances evaluated at the current second. Each answer names its instant.
/// `views` must outlive the provider; its callbacks are thread-safe.
ApiDataProvider ApiProviderFromViews(const ProjectionViews& views);

/// The console's sources: the latest SLA snapshot and ApiProviderFromViews.
ConsoleSources ConsoleSourcesFromViews(const ProjectionViews& views);

/// The ticket routes' source: the ticket explained at the current second
/// (any caller may see any ticket: a scope filter wraps this source).
TicketSource TicketSourceFromViews(const ProjectionViews& views);

}  // namespace slamon::daemon
