// The JSON API of the daemon (docs/metrics.md "HTTP endpoints"):
//   GET /api/v1/breaches          running SLA instances in warning or breached state
//   GET /api/v1/accounts/at-risk  accounts whose health level is at_risk
//   GET /api/v1/accounts/followup-overdue  overdue follow-ups per account owner
//   GET /api/v1/accounts/{id}     one account's card
// Per-ticket and per-account detail lives here, never in Prometheus series.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/access_scope.h"
#include "projections/accounts/health_projection.h"
#include "projections/sla/sla_record.h"

namespace slamon::daemon {

class HttpServer;

/// One running SLA instance at risk, as served by /api/v1/breaches.
struct BreachItem {
  std::string ticket_id;
  std::string account_id;
  std::string tier;
  std::string account_owner;
  events::Priority priority = events::Priority::kNormal;
  projections::Metric metric = projections::Metric::kFirstResponse;
  int cycle = 1;
  projections::RiskLevel level = projections::RiskLevel::kWarning;  ///< kWarning or kBreached
  std::optional<int64_t> breach_at;                                 ///< set when breached
  std::optional<int64_t> due_at;                                    ///< set when active and not breached
  int64_t start = 0;
  int64_t elapsed_seconds = 0;
  int64_t target_seconds = 0;
  std::string group;                      ///< department of an assignment instance, else empty
  std::optional<std::string> escalation;  ///< the escalation step reached, if any
  std::optional<int64_t> escalated_at;
  std::string account_team;  ///< the account's team now ("" when none); decides the `team:` scopes

  bool operator==(const BreachItem&) const = default;
};

/// The running (active or paused) instances of `records` whose level is
/// warning or breached, with the owner from `owner_of(account_id)` and the
/// team from `team_of(account_id)` (when given), sorted breached first (by
/// breach_at), then warnings (by due_at, paused last), then by ticket_id,
/// metric, cycle. A helper for the daemon's provider.
std::vector<BreachItem> CollectBreaches(const std::vector<projections::SlaRecord>& records,
                                        const std::function<std::string(std::string_view)>& owner_of,
                                        const std::function<std::string(std::string_view)>& team_of = nullptr);

/// Whether the request's scope (HttpRequest::scope) allows this account, item
/// or record: the one filter of every account-data route. Out of scope means
/// "answer as if it did not exist": left out of lists, 404 on its own page.
bool InScope(const AccessScope& scope, const projections::AccountRecord& account);
bool InScope(const AccessScope& scope, const BreachItem& item);

/// What the routes serve. The daemon fills the callbacks; they are called on
/// the HTTP server's worker threads, concurrently, so they must be thread-safe — the
/// daemon returns a copy of a cached result under its own lock. A callback
/// that is empty or throws makes the route answer 503.
/// A provider's answer: the items and the instant (Unix seconds) they
/// describe, served as the `X-Slamon-As-Of` response header (RFC 3339 UTC) so
/// that a client can replay the store at the same instant.
template <typename Item>
struct ApiData {
  int64_t as_of = 0;
  std::vector<Item> items;
};

struct ApiDataProvider {
  /// Every account record (any level) and the health evaluation instant; the
  /// route filters and sorts.
  std::function<ApiData<projections::AccountRecord>()> accounts;
  /// Running warning/breached instances (e.g. from CollectBreaches) and the
  /// instant they were evaluated at.
  std::function<ApiData<BreachItem>()> breaches;
  /// Running SLA instances (any level) of one account at about the accounts'
  /// as_of, for the account card; optional (an empty card list without it).
  std::function<std::vector<projections::SlaRecord>(std::string_view account_id)> account_slas;
};

/// Registers the routes on `server` (before it starts listening).
///
/// Every route shows only the accounts the request's scope allows (InScope):
/// the lists leave the others out, and an account card outside the scope is
/// 404 exactly like an unknown id. The `metrics` scope gets 403 (the server).
///
/// Query parameters (each at most once; any other parameter, a repeated one,
/// an empty value or a bad value → 400 {"error": "..."}):
///   tier=NAME             only this tier
///   account_owner=ID      only this account owner
///   limit=N               at most N items, 1 <= N <= 10000 (default: all)
///
/// /api/v1/accounts/at-risk lists only level `at_risk` (not `watch`: the list
/// backs the SlamonAccountsAtRisk alert and its runbook), lowest score first,
/// then by account: a JSON array of {"account","tier","owner","score","level",
/// "signals":{"csat","sla","silence","reopen"},"top_signals":[...],
/// "renewal_soon","csat_30d"}.
/// /api/v1/breaches: a JSON array of {"ticket_id","account_id","tier",
/// "account_owner","priority","metric","cycle","level","breach_at","due_at",
/// "start","elapsed_seconds","target_seconds"}, times RFC 3339 UTC or null.
/// /api/v1/accounts/followup-overdue: live accounts whose follow-up is
/// overdue (followup_overdue_days > 0), grouped per owner (sorted by owner,
/// most overdue first): [{"account_owner","count","accounts":[{"account",
/// "tier","overdue_days","cadence_days","last_touch"}]}]; tier and
/// account_owner filter the accounts, limit caps the owners.
/// /api/v1/accounts/{id}: one account's card {"account","tier","owner",
/// "churned","value","rfm","health":{"score","level","signals","top_signals",
/// "renewal_soon"},"csat":{"csat_30d","csat_90d","mean_30d","mean_90d"},
/// "nps_90d","followup":{"cadence_days","last_touch","overdue_days"},
/// "open_slas":[...]}; an unknown id → 404 {"error": "..."}.
/// Responses are `application/json`; a 200 carries the header
/// `X-Slamon-As-Of: YYYY-MM-DDTHH:MM:SSZ`, the provider's as_of.
void RegisterApiRoutes(HttpServer& server, ApiDataProvider provider);

}  // namespace slamon::daemon
