#include "projections/accounts/account_projection.h"

#include <algorithm>
#include <tuple>

namespace slamon::projections {

using events::EventType;

std::optional<double> ChurnCounts::Percent() const {
  if (live == 0) return std::nullopt;
  return static_cast<double>(churned) / static_cast<double>(live) * 100.0;
}

bool AccountProjection::LifecycleLess(const Lifecycle& a, const Lifecycle& b) {
  // Canonical order (occurred_at, type rank, id); upserted ranks before churned.
  return std::tie(a.t, a.churn, a.id) < std::tie(b.t, b.churn, b.id);
}

void AccountProjection::Apply(const events::Event& e) {
  if (e.account_id.empty()) return;
  auto [it, inserted] = index_.try_emplace(e.account_id, static_cast<uint32_t>(accounts_.size()));
  if (inserted) accounts_.push_back(Account{e.account_id, e.occurred_at, {}});
  Account& account = accounts_[it->second];
  account.first_seen = std::min(account.first_seen, e.occurred_at);
  if (e.type != EventType::kAccountUpserted && e.type != EventType::kAccountChurned) return;

  Lifecycle entry{e.occurred_at, e.type == EventType::kAccountChurned, e.id, {}, {}};
  if (entry.churn) entry.reason = e.reason;
  if (!entry.churn) {
    entry.attributes = AccountAttributes{e.name,           e.tier.empty() ? "unknown" : e.tier,
                                         e.owner,          e.owner_email,
                                         e.team,           e.calendar,
                                         e.contract_value, e.renewal_date};
  }
  auto pos = std::lower_bound(account.lifecycle.begin(), account.lifecycle.end(), entry, LifecycleLess);
  if (pos != account.lifecycle.end() && !LifecycleLess(entry, *pos)) return;  // duplicate
  account.lifecycle.insert(pos, std::move(entry));
}

ptrdiff_t AccountProjection::LastAtOrBefore(const Account& a, int64_t t) {
  auto it = std::upper_bound(a.lifecycle.begin(), a.lifecycle.end(), t,
                             [](int64_t v, const Lifecycle& l) { return v < l.t; });
  return (it - a.lifecycle.begin()) - 1;
}

bool AccountProjection::ChurnedAt(const Account& a, int64_t t) {
  const ptrdiff_t last = LastAtOrBefore(a, t);
  return last >= 0 && a.lifecycle[static_cast<size_t>(last)].churn;
}

std::optional<AccountState> AccountProjection::At(std::string_view account_id, int64_t as_of) const {
  auto found = index_.find(std::string(account_id));
  if (found == index_.end()) return std::nullopt;
  const Account& a = accounts_[found->second];
  if (a.first_seen > as_of) return std::nullopt;
  AccountState s;
  s.account_id = a.id;
  s.first_seen = a.first_seen;
  const ptrdiff_t last = LastAtOrBefore(a, as_of);
  if (last >= 0 && a.lifecycle[static_cast<size_t>(last)].churn) {
    s.churned = true;
    s.churned_at = a.lifecycle[static_cast<size_t>(last)].t;
  }
  for (ptrdiff_t i = last; i >= 0; --i) {
    const Lifecycle& l = a.lifecycle[static_cast<size_t>(i)];
    if (!l.churn) {
      s.upserted = true;
      s.attributes = l.attributes;
      break;
    }
  }
  return s;
}

std::vector<std::string> AccountProjection::AccountIds(int64_t as_of) const {
  std::vector<std::string> ids;
  for (const Account& a : accounts_) {
    if (a.first_seen <= as_of) ids.push_back(a.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

AccountProjection::WindowChurn AccountProjection::ChurnInWindow(const Account& a, int64_t start, int64_t as_of) {
  WindowChurn result;
  bool upserted = false, upserted_in_window = false;
  const Lifecycle* last_churn = nullptr;
  for (const Lifecycle& l : a.lifecycle) {
    if (l.t > as_of) break;
    if (!l.churn) {
      upserted = true;
      upserted_in_window = upserted_in_window || l.t > start;
    } else if (l.t > start) {
      last_churn = &l;
    }
  }
  if (!upserted) return result;
  const bool churned_at_start = ChurnedAt(a, start);
  result.live = !churned_at_start || upserted_in_window;
  if (!result.live) return result;
  if (!churned_at_start) {
    result.churn = last_churn;
    return result;
  }
  // A churn in the window of an account churned at the start and won back
  // later in the window is a real loss after the win-back only if it comes
  // after that upsert; one before it repeats the earlier churn.
  bool won_back = false;
  for (const Lifecycle& l : a.lifecycle) {
    if (l.t <= start) continue;
    if (l.t > as_of) break;
    if (!l.churn) won_back = true;
    if (l.churn && won_back) result.churn = &l;
  }
  return result;
}

ChurnCounts AccountProjection::Churn(int64_t as_of, int64_t window_seconds) const {
  const int64_t start = as_of - window_seconds;  // the window is (start, as_of]
  ChurnCounts counts;
  for (const Account& a : accounts_) {
    const WindowChurn w = ChurnInWindow(a, start, as_of);
    if (!w.live) continue;
    ++counts.live;
    if (w.churn != nullptr) ++counts.churned;
  }
  return counts;
}

ChurnBreakdown AccountProjection::ChurnDetail(int64_t as_of, int64_t window_seconds) const {
  const int64_t start = as_of - window_seconds;
  ChurnBreakdown out;
  for (const Account& a : accounts_) {
    const WindowChurn w = ChurnInWindow(a, start, as_of);
    if (!w.live) continue;
    // The tier at the churn (the latest upsert before it), or at as_of.
    const int64_t at = w.churn != nullptr ? w.churn->t : as_of;
    std::string tier = "unknown";
    for (const Lifecycle& l : a.lifecycle) {
      if (l.t > at || &l == w.churn) break;
      if (!l.churn) tier = l.attributes.tier;
    }
    ChurnCounts& c = out.by_tier[tier];
    ++c.live;
    ++out.total.live;
    if (w.churn != nullptr) {
      ++c.churned;
      ++out.total.churned;
      ++out.by_reason[w.churn->reason];
      ++out.by_tier_reason[{tier, w.churn->reason}];
    }
  }
  return out;
}

}  // namespace slamon::projections
