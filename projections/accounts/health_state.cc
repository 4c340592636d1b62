// SaveState / LoadState of the account, CSAT and health projections, for
// projection snapshots (projections/snapshot.h). Same conventions as
// sla_projection_state.cc: varints, zigzag time deltas, prefix-coded ids.
//
// HealthProjection format 3: "SLAH" 3, AccountProjection state, CsatProjection
// state, activity: n × {account id, inbound, resolves, reopens} where each
// list is m × {Δt, id}, then the ValueProjection state (value_state.cc).
//
// AccountProjection state: n × {id, Δfirst_seen, m × entry}; an entry is
// {Δt, kind, id, payload}: kind 0 = account.upserted (payload: the eight
// fields), 1 = account.churned (payload: reason), 2 = account.updated
// (payload: its field set, then the fields of the set in AccountField
// order). A field is a string, except contract_value: a presence byte and a
// double. Format 2 is the same without kind 2 and is still read (its
// per-field times are those of its upserts); format 1 (no reasons, no value
// state) is not read: such a snapshot is unusable and the store is replayed.
#include <algorithm>
#include <array>
#include <tuple>

#include "projections/accounts/health_projection.h"
#include "projections/core/state_codec.h"

namespace slamon::projections {
namespace {

constexpr std::string_view kMagic = "SLAH";
constexpr uint8_t kFormat = 3;
constexpr uint8_t kFormatWithoutUpdates = 2;
using detail::Delta;
using detail::StrictlySorted;
using detail::Undelta;
using events::AccountField;

// Stored entry kinds (not the canonical rank: 0 and 1 predate updates).
constexpr uint8_t kStoredUpsert = 0;
constexpr uint8_t kStoredChurn = 1;
constexpr uint8_t kStoredUpdate = 2;

void WriteField(AccountField f, const AccountAttributes& at, detail::StateWriter* w) {
  switch (f) {
    case AccountField::kName:
      w->String(at.name);
      break;
    case AccountField::kTier:
      w->String(at.tier);
      break;
    case AccountField::kOwner:
      w->String(at.owner);
      break;
    case AccountField::kOwnerEmail:
      w->String(at.owner_email);
      break;
    case AccountField::kTeam:
      w->String(at.team);
      break;
    case AccountField::kCalendar:
      w->String(at.calendar);
      break;
    case AccountField::kContractValue:
      w->Byte(at.contract_value ? 1 : 0);
      if (at.contract_value) w->Double(*at.contract_value);
      break;
    case AccountField::kRenewalDate:
      w->String(at.renewal_date);
      break;
  }
}

bool ReadField(AccountField f, AccountAttributes* at, detail::StateReader* r) {
  switch (f) {
    case AccountField::kName:
      return r->String(&at->name);
    case AccountField::kTier:
      return r->String(&at->tier);
    case AccountField::kOwner:
      return r->String(&at->owner);
    case AccountField::kOwnerEmail:
      return r->String(&at->owner_email);
    case AccountField::kTeam:
      return r->String(&at->team);
    case AccountField::kCalendar:
      return r->String(&at->calendar);
    case AccountField::kContractValue: {
      uint8_t has_value = 0;
      if (!r->Byte(&has_value) || has_value > 1) return r->Fail();
      double v = 0;
      if (has_value == 1 && !r->Double(&v)) return false;
      if (has_value == 1) at->contract_value = v;
      return true;
    }
    case AccountField::kRenewalDate:
      return r->String(&at->renewal_date);
  }
  return r->Fail();
}

// The stored order of the fields (AccountField order, also format 2's upsert layout).
constexpr std::array<AccountField, events::kAccountFieldCount> kFieldOrder = {
    AccountField::kName, AccountField::kTier,     AccountField::kOwner,         AccountField::kOwnerEmail,
    AccountField::kTeam, AccountField::kCalendar, AccountField::kContractValue, AccountField::kRenewalDate};

}  // namespace

void AccountProjection::SaveState(detail::StateWriter* w) const {
  int64_t prev_t = 0;
  std::string_view prev_account, prev_id;
  w->Varint(accounts_.size());
  for (const Account& a : accounts_) {
    w->Prefixed(a.id, &prev_account);
    w->Signed(Delta(a.first_seen, prev_t));
    prev_t = a.first_seen;
    w->Varint(a.lifecycle.size());
    for (const Lifecycle& l : a.lifecycle) {
      w->Signed(Delta(l.t, prev_t));
      prev_t = l.t;
      w->Byte(l.kind == Kind::kChurn ? kStoredChurn : l.kind == Kind::kUpdate ? kStoredUpdate : kStoredUpsert);
      w->Prefixed(l.id, &prev_id);
      if (l.kind == Kind::kChurn) {
        w->String(l.reason);
        continue;
      }
      if (l.kind == Kind::kUpdate) w->Byte(l.fields);
      for (AccountField f : kFieldOrder) {
        if (events::Has(l.fields, f)) WriteField(f, l.attributes, w);
      }
    }
  }
}

bool AccountProjection::LoadState(detail::StateReader* r, int format) {
  if (!accounts_.empty()) return r->Fail();
  AccountProjection tmp;
  int64_t prev_t = 0;
  std::string prev_account, prev_id;
  uint64_t n = 0;
  if (!r->Count(&n, 3)) return false;
  tmp.accounts_.resize(n);
  const uint8_t max_kind = format >= kFormat ? kStoredUpdate : kStoredChurn;
  for (uint32_t i = 0; i < tmp.accounts_.size(); ++i) {
    Account& a = tmp.accounts_[i];
    int64_t d = 0;
    uint64_t m = 0;
    if (!r->Prefixed(&a.id, prev_account) || !r->Signed(&d) || !r->Count(&m, 3)) return false;
    prev_account = a.id;
    a.first_seen = prev_t = Undelta(d, prev_t);
    if (!tmp.index_.emplace(a.id, i).second) return r->Fail();  // duplicate account
    a.lifecycle.resize(m);
    for (size_t k = 0; k < a.lifecycle.size(); ++k) {
      Lifecycle& l = a.lifecycle[k];
      uint8_t kind = 0;
      if (!r->Signed(&d) || !r->Byte(&kind) || kind > max_kind || !r->Prefixed(&l.id, prev_id)) return r->Fail();
      prev_id = l.id;
      l.t = prev_t = Undelta(d, prev_t);
      l.kind = kind == kStoredChurn ? Kind::kChurn : kind == kStoredUpdate ? Kind::kUpdate : Kind::kUpsert;
      if (l.kind == Kind::kChurn && !r->String(&l.reason)) return false;
      if (l.kind == Kind::kUpsert) l.fields = events::kAllAccountFields;
      if (l.kind == Kind::kUpdate && (!r->Byte(&l.fields) || l.fields == 0)) return r->Fail();
      for (AccountField f : kFieldOrder) {
        if (events::Has(l.fields, f) && !ReadField(f, &l.attributes, r)) return false;
      }
      if (k > 0 && !LifecycleLess(a.lifecycle[k - 1], l)) return r->Fail();
    }
    Resolve(&a, 0);
  }
  *this = std::move(tmp);
  return true;
}

void CsatProjection::SaveState(detail::StateWriter* w) const {
  int64_t prev_t = 0;
  std::string_view prev_account, prev_id;
  w->Varint(accounts_.size());
  for (const Account& a : accounts_) {
    w->Prefixed(a.id, &prev_account);
    w->Varint(a.answers.size());
    for (const Answer& x : a.answers) {
      w->Signed(Delta(x.t, prev_t));
      prev_t = x.t;
      w->Prefixed(x.id, &prev_id);
      w->Byte(x.satisfied ? 1 : 0);
    }
  }
}

bool CsatProjection::LoadState(detail::StateReader* r) {
  if (!accounts_.empty()) return r->Fail();
  CsatProjection tmp;
  int64_t prev_t = 0;
  std::string prev_account, prev_id;
  uint64_t n = 0;
  if (!r->Count(&n, 2)) return false;
  tmp.accounts_.resize(n);
  for (uint32_t i = 0; i < tmp.accounts_.size(); ++i) {
    Account& a = tmp.accounts_[i];
    uint64_t m = 0;
    if (!r->Prefixed(&a.id, prev_account) || !r->Count(&m, 4)) return false;
    prev_account = a.id;
    if (!tmp.index_.emplace(a.id, i).second) return r->Fail();
    a.answers.resize(m);
    for (Answer& x : a.answers) {
      int64_t d = 0;
      uint8_t satisfied = 0;
      if (!r->Signed(&d) || !r->Prefixed(&x.id, prev_id) || !r->Byte(&satisfied) || satisfied > 1) return r->Fail();
      prev_id = x.id;
      x.t = prev_t = Undelta(d, prev_t);
      x.satisfied = satisfied == 1;
    }
    if (!StrictlySorted(a.answers)) return r->Fail();
    tmp.answer_count_ += a.answers.size();
  }
  *this = std::move(tmp);
  return true;
}

void HealthProjection::SaveState(std::string* out) const {
  detail::StateWriter w(out);
  w.Header(kMagic, kFormat);
  accounts_.SaveState(&w);
  csat_.SaveState(&w);
  // Sorted by account id, so equal states give equal bytes.
  std::vector<const std::pair<const std::string, Activity>*> order;
  order.reserve(activity_.size());
  for (const auto& kv : activity_) order.push_back(&kv);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  int64_t prev_t = 0;
  std::string_view prev_account, prev_id;
  w.Varint(order.size());
  for (const auto* kv : order) {
    w.Prefixed(kv->first, &prev_account);
    for (const std::vector<Stamp>* list : {&kv->second.inbound, &kv->second.resolves, &kv->second.reopens}) {
      w.Varint(list->size());
      for (const Stamp& s : *list) {
        w.Signed(Delta(s.t, prev_t));
        prev_t = s.t;
        w.Prefixed(s.id, &prev_id);
      }
    }
  }
  value_.SaveState(&w);
}

Status HealthProjection::LoadState(std::string_view in) {
  if (accounts_.size() != 0 || csat_.answer_count() != 0 || !activity_.empty() || !value_.empty()) {
    return Status::Invalid("LoadState needs an empty health projection");
  }
  auto corrupt = [](const char* what) { return Status::Corruption(std::string("health projection state: ") + what); };
  detail::StateReader r(in);
  int format = kFormat;
  if (!r.Header(kMagic, kFormat)) {
    r = detail::StateReader(in);
    format = kFormatWithoutUpdates;
    if (!r.Header(kMagic, kFormatWithoutUpdates)) return corrupt("not a health projection state of format 2 or 3");
  }
  AccountProjection accounts;
  CsatProjection csat;
  if (!accounts.LoadState(&r, format)) return corrupt("malformed account table");
  if (!csat.LoadState(&r)) return corrupt("malformed CSAT table");
  std::unordered_map<std::string, Activity> activity;
  uint64_t n = 0;
  if (!r.Count(&n, 5)) return corrupt("truncated activity table");
  activity.reserve(n);
  int64_t prev_t = 0;
  std::string prev_account, prev_id;
  for (uint64_t i = 0; i < n; ++i) {
    std::string id;
    if (!r.Prefixed(&id, prev_account)) return corrupt("truncated activity table");
    prev_account = id;
    auto [it, inserted] = activity.try_emplace(id);
    if (!inserted) return corrupt("duplicate account in the activity table");
    for (std::vector<Stamp>* list : {&it->second.inbound, &it->second.resolves, &it->second.reopens}) {
      uint64_t m = 0;
      if (!r.Count(&m, 3)) return corrupt("truncated activity list");
      list->resize(m);
      for (Stamp& s : *list) {
        int64_t d = 0;
        if (!r.Signed(&d) || !r.Prefixed(&s.id, prev_id)) return corrupt("truncated activity list");
        prev_id = s.id;
        s.t = prev_t = Undelta(d, prev_t);
      }
      if (!StrictlySorted(*list)) return corrupt("activity out of canonical order");
    }
  }
  ValueProjection value;
  if (!value.LoadState(&r)) return corrupt("malformed value table");
  if (!r.done()) return corrupt(r.ok() ? "trailing bytes" : "truncated");
  accounts_ = std::move(accounts);
  csat_ = std::move(csat);
  activity_ = std::move(activity);
  value_ = std::move(value);
  return Status::OK();
}

}  // namespace slamon::projections
