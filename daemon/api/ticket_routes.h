// One ticket's SLA verdicts explained, live (docs/http.md):
//   GET /api/v1/tickets/{id}/sla   JSON: an array of explain's lines, one per SLA instance
//   GET /tickets/{id}              the console's ticket page: a timeline bar and the text
// The id is one path segment as the server decodes it (it may itself hold
// '/': the JSON route takes everything between the prefix and "/sla").
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "daemon/config/access_scope.h"
#include "daemon/http/http_types.h"
#include "events/common/status.h"
#include "projections/sla/sla_explain.h"

namespace slamon::daemon {

class HttpServer;

/// Where the ticket routes read. `explain(request, ticket_id)` runs on the
/// HTTP server's worker threads, concurrently: it must be thread-safe. It
/// returns the ticket explained now, or NotFound for a ticket that is not to
/// be shown — unknown, or (a filter put in front of the daemon's source)
/// outside the caller's scope: the routes answer every NotFound with the
/// same 404 whatever its message, so neither can be told from the other.
/// Another error, or a missing or throwing callback, answers 503.
struct TicketSource {
  std::function<StatusOr<projections::TicketExplanation>(const HttpRequest& request, std::string_view ticket_id)>
      explain;
  /// Whether `scope` may see the account `account_id` (InScope over the
  /// views). When set, a ticket whose account it refuses answers exactly as
  /// an unknown one (404, same body); unset, every ticket is shown.
  /// Thread-safe, like `explain`.
  std::function<bool(const AccessScope& scope, std::string_view account_id)> in_scope;
};

/// Registers both routes. Neither takes query parameters (400). The JSON
/// route answers `application/json` with `X-Slamon-As-Of`; unknown ticket →
/// 404 {"error": "unknown ticket '…'"}. The page answers HTML (a 404 page for
/// an unknown ticket) with the console's headers (HtmlPageResponse).
void RegisterTicketRoutes(HttpServer& server, TicketSource source);

}  // namespace slamon::daemon
