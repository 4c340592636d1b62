#include "daemon/http/access_control.h"

#include "daemon/http/http_util.h"
#include "events/common/logging.h"

namespace slamon::daemon {

bool ScopePermits(const AccessScope& scope, RouteAccess access) {
  switch (access) {
    case RouteAccess::kOpen:
    case RouteAccess::kAnyUser:
      return true;
    case RouteAccess::kMetrics:
      return scope.SeesMetrics();
    case RouteAccess::kAccountData:
      return scope.SeesAccountData();
    case RouteAccess::kAdmin:
      return scope.Administers();
  }
  return false;
}

AccessControl::AccessControl(const HttpSettings& settings, std::shared_ptr<LoginThrottle> throttle)
    : plain_user_(settings.basic_auth_user),
      plain_password_(settings.basic_auth_password),
      throttle_(std::move(throttle)) {
  if (!settings.web) return;
  if (!settings.web->basic_auth_users.empty()) {
    users_ = std::make_unique<BasicAuthUsers>(settings.web->basic_auth_users);
  }
  for (const auto& [user, text] : settings.web->scopes) {
    std::string why;
    // The loader checked every scope; one it did not (a config built in
    // code) is the narrowest rather than the widest.
    scopes_[user] = AccessScope::Parse(text, &why).value_or(AccessScope::Metrics());
  }
}

AccessVerdict AccessControl::Authenticate(const HttpRequest& req, LoginThrottle::Clock::time_point now) {
  AccessVerdict v;
  if (!users_ && plain_user_.empty()) return v;  // no authentication configured
  const std::string authorization = req.Header("authorization");
  const auto credentials = BasicCredentials(authorization);
  const size_t colon = credentials ? credentials->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    v.status = 401;
    return v;
  }
  const std::string user = credentials->substr(0, colon);
  if (const int wait = throttle_->RetryAfter(req.client_address, user, now); wait > 0) {
    v.status = 429;
    v.retry_after = wait;
    return v;
  }
  const bool ok = users_ ? users_->Authenticate(authorization).has_value()
                         : BasicAuthMatches(authorization, plain_user_, plain_password_);
  if (!ok) {
    if (const int locked = throttle_->Failed(req.client_address, user, now); locked > 0) {
      // The user name comes from the client: quoted, so it cannot forge log lines.
      Log("http")->warn("failed logins for user {} from {}: refused for {} s", JsonQuote(user), req.client_address,
                        locked);
    }
    v.status = 401;
    return v;
  }
  throttle_->Succeeded(req.client_address, user);
  v.user = user;
  if (auto it = scopes_.find(user); it != scopes_.end()) v.scope = it->second;
  return v;
}

}  // namespace slamon::daemon
