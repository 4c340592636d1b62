// Who may call what: authentication (bcrypt users of the web config, or the
// deprecated plaintext http.basic_auth), the login rate limit, and the scope
// of the authenticated user against the kind of route asked for.
//
// Every route is registered with a RouteAccess; the server authenticates the
// request, refuses a route outside the user's scope with 403, and hands the
// user's AccessScope to the handler in HttpRequest::scope, which the
// account-data routes use to show only the accounts it allows.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "daemon/config/access_scope.h"
#include "daemon/config/daemon_config.h"
#include "daemon/http/basic_auth.h"
#include "daemon/http/http_types.h"
#include "daemon/http/login_throttle.h"

namespace slamon::daemon {

/// What a route shows, and so which scopes may call it.
enum class RouteAccess {
  kOpen,         ///< no authentication at all (/healthz)
  kAnyUser,      ///< any authenticated user, whatever the scope (/readyz: no account data)
  kMetrics,      ///< scopes all and metrics (/metrics: aggregates over every account)
  kAccountData,  ///< scopes all, team: and owner: (the console, the JSON API, ticket and owner pages)
  kAdmin,        ///< scope all (POST /-/reload)
};

/// Whether `scope` may call a route of kind `access`.
bool ScopePermits(const AccessScope& scope, RouteAccess access);

/// The outcome of authenticating one request.
struct AccessVerdict {
  int status = 200;     ///< 200 authenticated (or no authentication configured), 401, or 429
  int retry_after = 0;  ///< seconds, with 429
  std::string user;     ///< the authenticated user; "" without authentication
  AccessScope scope;    ///< the user's scope (`all` without authentication or without an entry)
};

class AccessControl {
 public:
  /// `settings`: plaintext http.basic_auth, and its web config's users and
  /// scopes. `throttle`: the failed-login counts, shared with the
  /// AccessControl this one replaces (a reload does not forgive failures).
  AccessControl(const HttpSettings& settings, std::shared_ptr<LoginThrottle> throttle);

  /// Whether authenticating may take a bcrypt computation (tens of ms): then
  /// call Authenticate off the server's event loop.
  bool slow() const { return users_ != nullptr; }

  /// Authenticates `req` (its Authorization header, its client_address for
  /// the rate limit). A request without credentials is a 401 that costs
  /// nothing (a browser's first try); wrong credentials count as a failed
  /// login of (client_address, user), and a pair over the limit gets 429
  /// before its password is looked at. Thread-safe.
  AccessVerdict Authenticate(const HttpRequest& req, LoginThrottle::Clock::time_point now);

  LoginThrottle& throttle() { return *throttle_; }

 private:
  std::unique_ptr<BasicAuthUsers> users_;  ///< bcrypt users of the web config, or null
  std::string plain_user_;                 ///< http.basic_auth (when no bcrypt users)
  std::string plain_password_;
  std::map<std::string, AccessScope, std::less<>> scopes_;
  std::shared_ptr<LoginThrottle> throttle_;
};

}  // namespace slamon::daemon
