// SaveState / LoadState of the account, CSAT and health projections, for
// projection snapshots (projections/snapshot.h). Same conventions as
// sla_projection_state.cc: varints, zigzag time deltas, prefix-coded ids.
//
// HealthProjection format 2: "SLAH" 2, AccountProjection state (a churn
// carries its reason), CsatProjection state, activity: n × {account id,
// inbound, resolves, reopens} where each list is m × {Δt, id}, then the
// ValueProjection state (value_state.cc). Format 1 (no reasons, no value
// state) is not read: such a snapshot is unusable and the store is replayed.
#include <algorithm>
#include <tuple>

#include "projections/accounts/health_projection.h"
#include "projections/core/state_codec.h"

namespace slamon::projections {
namespace {

constexpr std::string_view kMagic = "SLAH";
constexpr uint8_t kFormat = 2;
using detail::Delta;
using detail::StrictlySorted;
using detail::Undelta;

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
      w->Byte(l.churn ? 1 : 0);
      w->Prefixed(l.id, &prev_id);
      if (l.churn) {
        w->String(l.reason);
        continue;
      }
      const AccountAttributes& at = l.attributes;
      for (const std::string* s : {&at.name, &at.tier, &at.owner, &at.owner_email, &at.team, &at.calendar}) {
        w->String(*s);
      }
      w->Byte(at.contract_value ? 1 : 0);
      if (at.contract_value) w->Double(*at.contract_value);
      w->String(at.renewal_date);
    }
  }
}

bool AccountProjection::LoadState(detail::StateReader* r) {
  if (!accounts_.empty()) return r->Fail();
  AccountProjection tmp;
  int64_t prev_t = 0;
  std::string prev_account, prev_id;
  uint64_t n = 0;
  if (!r->Count(&n, 3)) return false;
  tmp.accounts_.resize(n);
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
      uint8_t churn = 0;
      if (!r->Signed(&d) || !r->Byte(&churn) || churn > 1 || !r->Prefixed(&l.id, prev_id)) return r->Fail();
      prev_id = l.id;
      l.t = prev_t = Undelta(d, prev_t);
      l.churn = churn == 1;
      if (l.churn && !r->String(&l.reason)) return false;
      if (!l.churn) {
        AccountAttributes& at = l.attributes;
        for (std::string* s : {&at.name, &at.tier, &at.owner, &at.owner_email, &at.team, &at.calendar}) {
          if (!r->String(s)) return false;
        }
        uint8_t has_value = 0;
        if (!r->Byte(&has_value) || has_value > 1) return r->Fail();
        if (has_value == 1) {
          double v = 0;
          if (!r->Double(&v)) return false;
          at.contract_value = v;
        }
        if (!r->String(&at.renewal_date)) return false;
      }
      if (k > 0 && !LifecycleLess(a.lifecycle[k - 1], l)) return r->Fail();
    }
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
  if (!r.Header(kMagic, kFormat)) return corrupt("not a health projection state of format 2");
  AccountProjection accounts;
  CsatProjection csat;
  if (!accounts.LoadState(&r)) return corrupt("malformed account table");
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
