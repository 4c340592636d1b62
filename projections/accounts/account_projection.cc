#include "projections/accounts/account_projection.h"

#include <algorithm>
#include <tuple>

namespace slamon::projections {

using events::EventType;

std::optional<double> ChurnCounts::Percent() const {
  if (live == 0) return std::nullopt;
  return static_cast<double>(churned) / static_cast<double>(live) * 100.0;
}

namespace {

using events::AccountField;

void CopyField(AccountField f, const AccountAttributes& from, AccountAttributes* to) {
  switch (f) {
    case AccountField::kName:
      to->name = from.name;
      break;
    case AccountField::kTier:
      to->tier = from.tier;
      break;
    case AccountField::kOwner:
      to->owner = from.owner;
      break;
    case AccountField::kOwnerEmail:
      to->owner_email = from.owner_email;
      break;
    case AccountField::kTeam:
      to->team = from.team;
      break;
    case AccountField::kCalendar:
      to->calendar = from.calendar;
      break;
    case AccountField::kContractValue:
      to->contract_value = from.contract_value;
      break;
    case AccountField::kRenewalDate:
      to->renewal_date = from.renewal_date;
      break;
  }
}

}  // namespace

bool AccountProjection::LifecycleLess(const Lifecycle& a, const Lifecycle& b) {
  // Canonical order (occurred_at, type rank, id): upserted, updated, churned.
  return std::tie(a.t, a.kind, a.id) < std::tie(b.t, b.kind, b.id);
}

void AccountProjection::Resolve(Account* a, size_t from) {
  for (size_t i = from; i < a->lifecycle.size(); ++i) {
    Lifecycle& l = a->lifecycle[i];
    if (i == 0) {
      l.source.fill(kNone);
      l.status = kNone;
    } else {
      l.source = a->lifecycle[i - 1].source;
      l.status = a->lifecycle[i - 1].status;
    }
    const auto index = static_cast<int32_t>(i);
    for (int f = 0; f < events::kAccountFieldCount; ++f) {
      if (events::Has(l.fields, static_cast<AccountField>(f))) l.source[static_cast<size_t>(f)] = index;
    }
    if (l.kind != Kind::kUpdate) l.status = index;
  }
}

void AccountProjection::Apply(const events::Event& e) {
  if (e.account_id.empty()) return;
  auto [it, inserted] = index_.try_emplace(e.account_id, static_cast<uint32_t>(accounts_.size()));
  if (inserted) accounts_.push_back(Account{e.account_id, e.occurred_at, {}});
  Account& account = accounts_[it->second];
  account.first_seen = std::min(account.first_seen, e.occurred_at);
  if (!e.IsAccountData() && e.type != EventType::kAccountChurned) return;

  Lifecycle entry;
  entry.t = e.occurred_at;
  entry.id = e.id;
  if (e.type == EventType::kAccountChurned) {
    entry.kind = Kind::kChurn;
    entry.reason = e.reason;
  } else {
    entry.kind = e.type == EventType::kAccountUpserted ? Kind::kUpsert : Kind::kUpdate;
    entry.fields = events::AccountFieldsOf(e);
    if (entry.fields == 0) return;  // the codec rejects an update without fields
    const AccountAttributes all{e.name,           e.tier.empty() ? "unknown" : e.tier,
                                e.owner,          e.owner_email,
                                e.team,           e.calendar,
                                e.contract_value, e.renewal_date};
    for (int f = 0; f < events::kAccountFieldCount; ++f) {
      if (events::Has(entry.fields, static_cast<AccountField>(f))) {
        CopyField(static_cast<AccountField>(f), all, &entry.attributes);
      }
    }
  }
  auto pos = std::lower_bound(account.lifecycle.begin(), account.lifecycle.end(), entry, LifecycleLess);
  if (pos != account.lifecycle.end() && !LifecycleLess(entry, *pos)) return;  // duplicate
  const auto at = static_cast<size_t>(pos - account.lifecycle.begin());
  account.lifecycle.insert(pos, std::move(entry));
  Resolve(&account, at);
}

ptrdiff_t AccountProjection::LastAtOrBefore(const Account& a, int64_t t) {
  auto it = std::upper_bound(a.lifecycle.begin(), a.lifecycle.end(), t,
                             [](int64_t v, const Lifecycle& l) { return v < l.t; });
  return (it - a.lifecycle.begin()) - 1;
}

bool AccountProjection::ChurnedAt(const Account& a, int64_t t) {
  const ptrdiff_t last = LastAtOrBefore(a, t);
  if (last < 0) return false;
  const int32_t status = a.lifecycle[static_cast<size_t>(last)].status;
  return status != kNone && a.lifecycle[static_cast<size_t>(status)].kind == Kind::kChurn;
}

const std::string& AccountProjection::TierAt(const Account& a, size_t i) {
  static const std::string kUnknown = "unknown";
  const int32_t src = a.lifecycle[i].source[static_cast<size_t>(AccountField::kTier)];
  return src == kNone ? kUnknown : a.lifecycle[static_cast<size_t>(src)].attributes.tier;
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
  if (last < 0) return s;
  const Lifecycle& l = a.lifecycle[static_cast<size_t>(last)];
  if (l.status != kNone && a.lifecycle[static_cast<size_t>(l.status)].kind == Kind::kChurn) {
    s.churned = true;
    s.churned_at = a.lifecycle[static_cast<size_t>(l.status)].t;
  }
  for (int f = 0; f < events::kAccountFieldCount; ++f) {
    const int32_t src = l.source[static_cast<size_t>(f)];
    if (src == kNone) continue;
    const Lifecycle& setter = a.lifecycle[static_cast<size_t>(src)];
    s.known = true;
    CopyField(static_cast<AccountField>(f), setter.attributes, &s.attributes);
    s.set_at[static_cast<size_t>(f)] = setter.t;
  }
  return s;
}

AccountProjection::KeyFields AccountProjection::KeyAt(std::string_view account_id, int64_t t) const {
  KeyFields k;
  auto found = index_.find(std::string(account_id));
  if (found == index_.end()) return k;
  const Account& a = accounts_[found->second];
  const ptrdiff_t last = LastAtOrBefore(a, t);
  if (last < 0) return k;
  const Lifecycle& l = a.lifecycle[static_cast<size_t>(last)];
  k.churned = l.status != kNone && a.lifecycle[static_cast<size_t>(l.status)].kind == Kind::kChurn;
  auto field = [&](AccountField f) -> const Lifecycle* {
    const int32_t src = l.source[static_cast<size_t>(f)];
    return src == kNone ? nullptr : &a.lifecycle[static_cast<size_t>(src)];
  };
  if (const Lifecycle* s = field(AccountField::kTier)) k.tier = s->attributes.tier;
  if (const Lifecycle* s = field(AccountField::kOwner)) k.owner = s->attributes.owner;
  if (const Lifecycle* s = field(AccountField::kTeam)) k.team = s->attributes.team;
  k.known = std::any_of(l.source.begin(), l.source.end(), [](int32_t src) { return src != kNone; });
  return k;
}

std::vector<int64_t> AccountProjection::ChurnTimes(std::string_view account_id) const {
  std::vector<int64_t> out;
  auto found = index_.find(std::string(account_id));
  if (found == index_.end()) return out;
  const Account& a = accounts_[found->second];
  bool known = false, churned = false;
  for (const Lifecycle& l : a.lifecycle) {
    if (l.kind != Kind::kChurn) {
      known = true;
      if (l.kind == Kind::kUpsert) churned = false;  // a win-back; an update changes nothing
      continue;
    }
    if (known && !churned) out.push_back(l.t);
    churned = true;
  }
  return out;
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
  bool known = false, upserted_in_window = false;
  const Lifecycle* last_churn = nullptr;
  for (const Lifecycle& l : a.lifecycle) {
    if (l.t > as_of) break;
    if (l.kind != Kind::kChurn) known = true;
    if (l.kind == Kind::kUpsert) {
      upserted_in_window = upserted_in_window || l.t > start;
    } else if (l.kind == Kind::kChurn && l.t > start) {
      last_churn = &l;
    }
  }
  if (!known) return result;
  const bool churned_at_start = ChurnedAt(a, start);
  result.live = !churned_at_start || upserted_in_window;
  if (!result.live) return result;
  if (!churned_at_start) {
    result.churn = last_churn;
    return result;
  }
  // A churn in the window of an account churned at the start and won back
  // later in the window is a real loss after the win-back only if it comes
  // after that upsert; one before it repeats the earlier churn. An update is
  // no win-back.
  bool won_back = false;
  for (const Lifecycle& l : a.lifecycle) {
    if (l.t <= start) continue;
    if (l.t > as_of) break;
    if (l.kind == Kind::kUpsert) won_back = true;
    if (l.kind == Kind::kChurn && won_back) result.churn = &l;
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
    // The tier at the churn (a churn sets no field, so the one set before
    // it), or at as_of.
    const ptrdiff_t at = w.churn != nullptr ? w.churn - a.lifecycle.data() : LastAtOrBefore(a, as_of);
    const std::string& tier = TierAt(a, static_cast<size_t>(at));
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
