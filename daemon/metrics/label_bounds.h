// Bounds the Prometheus label values that come from event data (an
// account's tier and owner), so that a producer cannot create series without
// limit: values outside the configured bound are reported as "other" and
// the distinct values folded that way are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "daemon/views/owner_emails.h"

namespace slamon::daemon {

/// The label value that stands for every value beyond a bound.
inline const std::string kOtherLabel = "other";

struct LabelBoundSettings {
  /// Tier label values reported as themselves; empty: the built-in tiers A,
  /// B, C plus every tier a policy's match list names. "unknown" (the tier of
  /// a ticket whose account is not known) is always added.
  std::vector<std::string> tiers;
  /// At most this many distinct account_owner values (the first seen since
  /// start); later owners are reported as "other".
  size_t max_account_owners = 1000;
};

/// The account_owner_email label that goes with an account_owner label
/// (one LabelBounds::Owner() returned): the owner's address from `emails`;
/// "" for "other", for no owner, for an owner without a known address and
/// when `emails` is null. A function of the owner label, so it adds no
/// series and is bounded exactly like account_owner.
const std::string& OwnerEmailLabel(const std::string& owner_label, const OwnerEmails* emails);

/// Not thread-safe: the owner (BusinessMetrics) serialises access.
class LabelBounds {
 public:
  /// `policy_tiers`: the tiers the SLA policies match, for the default.
  LabelBounds(const LabelBoundSettings& settings, const std::vector<std::string>& policy_tiers);

  /// `tier` when configured, else "other" (counted once per distinct value).
  const std::string& Tier(const std::string& tier);
  /// `owner` when admitted (or there is still room), else "other" (counted).
  const std::string& Owner(const std::string& owner);

  /// The configured tiers (always exported, zero-filled).
  const std::set<std::string>& tiers() const { return tiers_; }
  /// Distinct values folded into "other" since start, per label.
  int64_t tier_overflow() const { return static_cast<int64_t>(tier_overflow_.size()); }
  int64_t owner_overflow() const { return static_cast<int64_t>(owner_overflow_.size()); }

 private:
  std::set<std::string> tiers_;
  size_t max_owners_;
  std::unordered_set<std::string> owners_;
  // Hashes only: the values themselves are already held by the projections.
  std::unordered_set<size_t> tier_overflow_;
  std::unordered_set<size_t> owner_overflow_;
};

}  // namespace slamon::daemon
