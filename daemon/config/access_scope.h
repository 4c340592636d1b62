// What one web user may see: the `scopes` of the web config file
// ({USER: SCOPE}). A scope is a plain value: the HTTP server attaches the
// authenticated user's scope to each request, and every route that shows
// account data asks it which accounts the request may see.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slamon::daemon {

class AccessScope {
 public:
  enum class Kind {
    kAll,      ///< every route, every account (a user without a scope, and no authentication)
    kTeam,     ///< the console and API, accounts of one team only
    kOwner,    ///< the console and API, accounts of one owner only
    kMetrics,  ///< /metrics only (a Prometheus scrape)
  };

  /// `all`.
  AccessScope() = default;
  static AccessScope Team(std::string team) { return AccessScope(Kind::kTeam, std::move(team)); }
  static AccessScope Owner(std::string owner) { return AccessScope(Kind::kOwner, std::move(owner)); }
  static AccessScope Metrics() { return AccessScope(Kind::kMetrics, ""); }

  /// Parses `all`, `team:<team>`, `owner:<owner id>` or `metrics`; nullopt
  /// with the reason in `why` otherwise (an empty team or owner, another word).
  static std::optional<AccessScope> Parse(std::string_view text, std::string* why);

  Kind kind() const { return kind_; }
  /// The team or owner id (empty for all and metrics).
  const std::string& value() const { return value_; }
  /// The scope as written in the web config ("team:emea").
  std::string ToString() const;

  /// The account-data routes: console, JSON API, ticket and owner pages.
  bool SeesAccountData() const { return kind_ != Kind::kMetrics; }
  /// /metrics: its series aggregate every account, so only all and metrics.
  bool SeesMetrics() const { return kind_ == Kind::kAll || kind_ == Kind::kMetrics; }
  /// Administration (POST /-/reload).
  bool Administers() const { return kind_ == Kind::kAll; }

  /// Whether an account with this owner and team (its attributes now) is
  /// visible: all of them for `all`, those whose team (owner) equals the
  /// scope's for `team:` (`owner:`), none for `metrics`. The one filter every
  /// account-data route applies; an account it hides answers like an unknown
  /// one (404), so that a scope cannot enumerate the others.
  bool AllowsAccount(std::string_view owner, std::string_view team) const;

  bool operator==(const AccessScope&) const = default;

 private:
  AccessScope(Kind kind, std::string value) : kind_(kind), value_(std::move(value)) {}

  Kind kind_ = Kind::kAll;
  std::string value_;
};

}  // namespace slamon::daemon
