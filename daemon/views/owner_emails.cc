#include "daemon/views/owner_emails.h"

#include <utility>

namespace slamon::daemon {

OwnerEmails OwnerEmailsOf(const projections::AccountProjection& accounts, int64_t as_of) {
  std::map<std::string, std::map<std::string, int>> votes;  // owner -> address -> accounts
  for (const std::string& id : accounts.AccountIds(as_of)) {
    const auto state = accounts.At(id, as_of);
    if (!state) continue;
    const projections::AccountAttributes& a = state->attributes;
    if (a.owner.empty() || a.owner_email.empty()) continue;
    ++votes[a.owner][a.owner_email];
  }
  OwnerEmails out;
  for (const auto& [owner, addresses] : votes) {
    const std::pair<const std::string, int>* best = nullptr;
    for (const auto& candidate : addresses) {  // in address order: the first of equal counts stays
      if (best == nullptr || candidate.second > best->second) best = &candidate;
    }
    out.emplace(owner, best->first);
  }
  return out;
}

}  // namespace slamon::daemon
