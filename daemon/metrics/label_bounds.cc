#include "daemon/metrics/label_bounds.h"

#include <functional>

namespace slamon::daemon {

LabelBounds::LabelBounds(const LabelBoundSettings& settings, const std::vector<std::string>& policy_tiers)
    : max_owners_(settings.max_account_owners) {
  if (settings.tiers.empty()) {
    tiers_ = {"A", "B", "C"};
    tiers_.insert(policy_tiers.begin(), policy_tiers.end());
  } else {
    tiers_.insert(settings.tiers.begin(), settings.tiers.end());
  }
  tiers_.insert("unknown");
}

const std::string& LabelBounds::Tier(const std::string& tier) {
  if (tiers_.count(tier) != 0) return tier;
  tier_overflow_.insert(std::hash<std::string>{}(tier));
  return kOtherLabel;
}

const std::string& LabelBounds::Owner(const std::string& owner) {
  if (owners_.count(owner) != 0) return owner;
  if (owners_.size() < max_owners_ && owner != kOtherLabel) {
    owners_.insert(owner);
    return owner;
  }
  owner_overflow_.insert(std::hash<std::string>{}(owner));
  return kOtherLabel;
}

const std::string& OwnerEmailLabel(const std::string& owner_label, const OwnerEmails* emails) {
  static const std::string kNone;
  if (emails == nullptr || owner_label == kOtherLabel) return kNone;
  auto it = emails->find(owner_label);
  return it == emails->end() ? kNone : it->second;
}

}  // namespace slamon::daemon
