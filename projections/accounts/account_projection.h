// The account projection: each account's attributes (account.upserted) and
// churn state (account.churned) at any as-of time (docs/events.md, docs/sla-semantics.md
// "Churn warning").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/event.h"

namespace slamon::projections {

namespace detail {
class StateWriter;
class StateReader;
}  // namespace detail

inline constexpr int64_t kDaySeconds = 86400;
inline constexpr int64_t kChurnWindowSeconds = 365 * kDaySeconds;

/// The payload of one account.upserted. "Latest upsert wins" replaces the
/// whole set: an optional field missing from the latest upsert is empty.
struct AccountAttributes {
  std::string name;
  std::string tier = "unknown";  ///< "unknown" until the first upsert, as for SLA policy selection
  std::string owner;             ///< "" until the first upsert
  std::string owner_email, team, calendar;
  std::optional<double> contract_value;
  std::string renewal_date;  ///< YYYY-MM-DD or ""

  bool operator==(const AccountAttributes&) const = default;
};

/// One account at an as-of time.
struct AccountState {
  std::string account_id;
  int64_t first_seen = 0;  ///< earliest occurred_at of any of its events
  bool upserted = false;   ///< an account.upserted at or before as-of exists
  /// Of the latest upsert at or before as-of in canonical order (defaults when !upserted).
  AccountAttributes attributes;
  /// The last lifecycle event (upsert or churn) at or before as-of in
  /// canonical order is an account.churned. An upsert after a churn wins the
  /// account back; at the same second the churn ranks later and wins.
  bool churned = false;
  std::optional<int64_t> churned_at;  ///< time of that churn when churned

  bool operator==(const AccountState&) const = default;
};

/// Numerator and denominator of the churn rate.
struct ChurnCounts {
  int64_t churned = 0;  ///< accounts of `live` with an account.churned in the window
  int64_t live = 0;     ///< accounts live at some instant of the window
  /// churned / live × 100; undefined (nullopt) when no account was live.
  std::optional<double> Percent() const;
  bool operator==(const ChurnCounts&) const = default;
};

/// The churn rate split by tier and the churns counted by reason.
struct ChurnBreakdown {
  ChurnCounts total;  ///< equals Churn()
  /// Per tier: a churned account counts under its tier at the churn (the
  /// latest upsert before it), any other live account under its tier at as_of.
  std::map<std::string, ChurnCounts> by_tier;
  /// Churned accounts by the raw `reason` of their counted churn ("" without one).
  std::map<std::string, int64_t> by_reason;
  /// The same per (tier at the churn, raw reason).
  std::map<std::pair<std::string, std::string>, int64_t> by_tier_reason;
};

/// Keeps every account's lifecycle events (compactly, in canonical order), so
/// results never depend on arrival order and any as-of time can be asked.
///
/// Cost: Apply is O(log n + n) for an account with n lifecycle events (sorted
/// insert; n is tiny in practice); At() is O(log n); AccountIds() and Churn()
/// are O(accounts · log n).
///
/// Thread-safety: none for Apply(); the const methods may run concurrently
/// with each other but not with Apply().
class AccountProjection {
 public:
  /// Records one event. Every type marks the account as seen; upserts and
  /// churns are kept. A second event with the same (occurred_at, type, id) is
  /// ignored (a verbatim duplicate).
  void Apply(const events::Event& e);

  /// The account at `as_of`; nullopt when it has no event at or before as_of.
  std::optional<AccountState> At(std::string_view account_id, int64_t as_of) const;
  /// Ids of the accounts with an event at or before `as_of`, sorted.
  std::vector<std::string> AccountIds(int64_t as_of) const;

  /// Churn over the window (as_of − window, as_of] (docs/sla-semantics.md):
  /// `live` counts accounts upserted at or before as_of that were live at some
  /// instant of the window, i.e. not churned at the window start (at or
  /// before it), or won back by an upsert inside the window; `churned` counts
  /// those of them with an account.churned inside the window (even if won
  /// back later in it). A churn of an account that was not live is ignored,
  /// so the rate never exceeds 100.
  ChurnCounts Churn(int64_t as_of, int64_t window_seconds = kChurnWindowSeconds) const;
  /// The same, by tier and reason. When an account has several churns that
  /// count in the window, the last of them gives its tier and reason.
  ChurnBreakdown ChurnDetail(int64_t as_of, int64_t window_seconds = kChurnWindowSeconds) const;

  size_t size() const { return accounts_.size(); }

  /// Snapshot support (health_state.cc): appends the whole state / restores
  /// it into an empty projection. LoadState returns false on malformed input
  /// and then leaves the projection unchanged.
  void SaveState(detail::StateWriter* w) const;
  bool LoadState(detail::StateReader* r);

 private:
  struct Lifecycle {
    int64_t t = 0;
    bool churn = false;  // account.churned (ranks after account.upserted)
    std::string id;
    AccountAttributes attributes;  // upserts only
    std::string reason;            // churns only
  };

  struct Account {
    std::string id;
    int64_t first_seen = 0;
    std::vector<Lifecycle> lifecycle;  // canonical order
  };

  static bool LifecycleLess(const Lifecycle& a, const Lifecycle& b);
  /// Index of the last lifecycle event at or before `t`, or -1.
  static ptrdiff_t LastAtOrBefore(const Account& a, int64_t t);
  static bool ChurnedAt(const Account& a, int64_t t);
  /// Whether the account is live in the window (start, as_of] and, if it
  /// churned there, the churn that counts (nullptr when none).
  struct WindowChurn {
    bool live = false;
    const Lifecycle* churn = nullptr;
  };
  static WindowChurn ChurnInWindow(const Account& a, int64_t start, int64_t as_of);

  std::vector<Account> accounts_;
  std::unordered_map<std::string, uint32_t> index_;
};

}  // namespace slamon::projections
