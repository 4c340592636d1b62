// The JSON API's provider and the console's sources over the read-only
// projection views (daemon/views/projection_views.h): what the daemon
// registers its routes with.
#pragma once

#include "daemon/api/api_routes.h"
#include "daemon/api/console.h"
#include "daemon/views/projection_views.h"

namespace slamon::daemon {

/// Accounts from the latest health snapshot; breaches and an account's open
/// instances evaluated at the current second. Each answer names its instant.
/// `views` must outlive the provider; its callbacks are thread-safe.
ApiDataProvider ApiProviderFromViews(const ProjectionViews& views);

/// The console's sources: the latest SLA snapshot and ApiProviderFromViews.
ConsoleSources ConsoleSourcesFromViews(const ProjectionViews& views);

/// Whether `scope` allows the account `account_id`, by its owner and team now:
/// for routes that start from a ticket or an SLA record rather than an
/// account record (a ticket page: 404 unless InScope(req.scope, views, r.account_id)).
bool InScope(const AccessScope& scope, const SlaView& views, std::string_view account_id);

}  // namespace slamon::daemon
