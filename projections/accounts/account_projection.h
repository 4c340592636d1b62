// The account projection: each account's attributes (account.upserted,
// account.updated) and churn state (account.churned) at any as-of time
// (docs/events.md, docs/sla-semantics.md "Account attributes" and "Churn
// warning").
#pragma once

#include <array>
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

/// An account's attributes. Each field holds the value of the latest event
/// in canonical order that sets it: an account.upserted sets every field (an
/// optional field it lacks becomes empty), an account.updated the fields it
/// carries. Any arrival order gives the same attributes.
struct AccountAttributes {
  std::string name;
  std::string tier = "unknown";  ///< "unknown" until a tier arrives, as for SLA policy selection
  std::string owner;             ///< "" until an owner arrives
  std::string owner_email, team, calendar;
  std::optional<double> contract_value;
  std::string renewal_date;  ///< YYYY-MM-DD or ""

  bool operator==(const AccountAttributes&) const = default;
};

/// Per field (indexed by events::AccountField): the occurred_at of the event
/// that set the field's value, nullopt while no event has set it.
using AccountFieldTimes = std::array<std::optional<int64_t>, events::kAccountFieldCount>;

/// One account at an as-of time.
struct AccountState {
  std::string account_id;
  int64_t first_seen = 0;  ///< earliest occurred_at of any of its events
  /// An account.upserted or account.updated at or before as-of exists: the
  /// account has master data (and counts in the churn rate).
  bool known = false;
  /// At as-of, field by field (defaults when !known).
  AccountAttributes attributes;
  AccountFieldTimes set_at;  ///< when each field of `attributes` was set
  /// The last account.upserted or account.churned at or before as-of in
  /// canonical order is a churn (account.updated never changes it). An upsert
  /// after a churn wins the account back; at the same second the churn ranks
  /// later and wins.
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
  /// Per tier: a churned account counts under its tier at the churn (set by
  /// the events before it), any other live account under its tier at as_of.
  std::map<std::string, ChurnCounts> by_tier;
  /// Churned accounts by the raw `reason` of their counted churn ("" without one).
  std::map<std::string, int64_t> by_reason;
  /// The same per (tier at the churn, raw reason).
  std::map<std::pair<std::string, std::string>, int64_t> by_tier_reason;
};

/// Keeps every account's lifecycle events (compactly, in canonical order), so
/// results never depend on arrival order and any as-of time can be asked.
///
/// Cost: Apply is O(log n) for an event in order and O(n) for one that
/// arrives before later ones of its account (sorted insert, then the field
/// sources after it are recomputed; n is tiny in practice); At() is
/// O(log n); AccountIds() and Churn() are O(accounts · n).
///
/// Thread-safety: none for Apply(); the const methods may run concurrently
/// with each other but not with Apply().
class AccountProjection {
 public:
  /// Records one event. Every type marks the account as seen; upserts,
  /// updates and churns are kept. A second event with the same (occurred_at,
  /// type, id) is ignored (a verbatim duplicate).
  void Apply(const events::Event& e);

  /// The account at `as_of`; nullopt when it has no event at or before as_of.
  std::optional<AccountState> At(std::string_view account_id, int64_t as_of) const;
  /// Ids of the accounts with an event at or before `as_of`, sorted.
  std::vector<std::string> AccountIds(int64_t as_of) const;

  /// Churn over the window (as_of − window, as_of] (docs/sla-semantics.md):
  /// `live` counts accounts known (upserted or updated) at or before as_of
  /// that were live at some instant of the window, i.e. not churned at the
  /// window start (at or before it), or won back by an upsert inside the
  /// window; `churned` counts those of them with an account.churned inside
  /// the window (even if won back later in it). A churn of an account that
  /// was not live is ignored, so the rate never exceeds 100.
  ChurnCounts Churn(int64_t as_of, int64_t window_seconds = kChurnWindowSeconds) const;
  /// The same, by tier and reason. When an account has several churns that
  /// count in the window, the last of them gives its tier and reason.
  ChurnBreakdown ChurnDetail(int64_t as_of, int64_t window_seconds = kChurnWindowSeconds) const;

  /// The attributes a per-instant count needs, at `t`: views into this
  /// projection, valid until the next Apply().
  struct KeyFields {
    std::string_view tier = "unknown";  ///< as AccountAttributes: "unknown" / "" until set
    std::string_view owner;
    std::string_view team;
    bool known = false;    ///< an upsert or update at or before t exists
    bool churned = false;  ///< churned at t (as AccountState::churned)
  };
  /// The account's tier, owner and team at `t` (field by field from the
  /// upserts and updates at or before it) and whether it is churned then.
  /// O(log n) after a hash lookup; an unknown account gives the defaults.
  KeyFields KeyAt(std::string_view account_id, int64_t t) const;
  /// The instants at which the account was lost: each account.churned at
  /// which it was known (upserted or updated at or before it) and not
  /// churned already (a repeated churn without a win-back is the same loss).
  /// Ascending.
  std::vector<int64_t> ChurnTimes(std::string_view account_id) const;

  size_t size() const { return accounts_.size(); }

  /// Snapshot support (health_state.cc): appends the whole state / restores
  /// it into an empty projection. LoadState reads `format` 2 (no updates, as
  /// written before account.updated existed) or 3, returns false on
  /// malformed input and then leaves the projection unchanged.
  void SaveState(detail::StateWriter* w) const;
  bool LoadState(detail::StateReader* r, int format);

 private:
  /// In canonical rank order: an upsert, then an update, then a churn at
  /// the same second.
  enum class Kind : uint8_t { kUpsert = 0, kUpdate = 1, kChurn = 2 };
  static constexpr int32_t kNone = -1;

  struct Lifecycle {
    int64_t t = 0;
    Kind kind = Kind::kUpsert;
    std::string id;
    events::AccountFieldSet fields = 0;  // what it sets: every field (upsert), those carried (update), none
    AccountAttributes attributes;        // the values of `fields`
    std::string reason;                  // churns only
    // Derived (Resolve): per field, the index of the entry at or before this
    // one that set its value (kNone: none); the index of the last upsert or
    // churn at or before it (kNone: none).
    std::array<int32_t, events::kAccountFieldCount> source{};
    int32_t status = kNone;
  };

  struct Account {
    std::string id;
    int64_t first_seen = 0;
    std::vector<Lifecycle> lifecycle;  // canonical order
  };

  static bool LifecycleLess(const Lifecycle& a, const Lifecycle& b);
  /// Recomputes the derived members of the entries from `from` on.
  static void Resolve(Account* a, size_t from);
  /// Index of the last lifecycle event at or before `t`, or -1.
  static ptrdiff_t LastAtOrBefore(const Account& a, int64_t t);
  static bool ChurnedAt(const Account& a, int64_t t);
  /// The tier set at or before entry `i` ("unknown" when none).
  static const std::string& TierAt(const Account& a, size_t i);
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
