// SaveState / LoadState of the value projection (part of the health
// projection's snapshot section, format 2). Accounts and tickets are written
// sorted by id, so equal states give equal bytes:
//   accounts: n × {id, orders m × {Δt, id, amount, currency},
//                  answers m × {Δt, id, nps, score}, outbound m × {Δt, id},
//                  has_first_known, [Δt, id]}
//   tickets:  n × {ticket id, Δt, event id, category}
#include <algorithm>
#include <tuple>

#include "projections/accounts/value_projection.h"
#include "projections/core/state_codec.h"

namespace slamon::projections {
namespace {

using detail::Delta;
using detail::StrictlySorted;
using detail::Undelta;

template <typename Map>
std::vector<const typename Map::value_type*> SortedById(const Map& m) {
  std::vector<const typename Map::value_type*> order;
  order.reserve(m.size());
  for (const auto& kv : m) order.push_back(&kv);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  return order;
}

}  // namespace

void ValueProjection::SaveState(detail::StateWriter* w) const {
  int64_t prev_t = 0;
  std::string_view prev_key, prev_id;
  auto stamp = [&](int64_t t, std::string_view id) {
    w->Signed(Delta(t, prev_t));
    prev_t = t;
    w->Prefixed(id, &prev_id);
  };
  w->Varint(accounts_.size());
  for (const auto* kv : SortedById(accounts_)) {
    const Account& a = kv->second;
    w->Prefixed(kv->first, &prev_key);
    w->Varint(a.orders.size());
    for (const Order& o : a.orders) {
      stamp(o.t, o.id);
      w->Double(o.amount);
      w->String(o.currency);
    }
    w->Varint(a.answers.size());
    for (const Answer& x : a.answers) {
      stamp(x.t, x.id);
      w->Byte(x.nps ? 1 : 0);
      w->Signed(x.score);
    }
    w->Varint(a.outbound.size());
    for (const Stamp& s : a.outbound) stamp(s.t, s.id);
    w->Byte(a.first_known ? 1 : 0);
    if (a.first_known) stamp(a.first_known->t, a.first_known->id);
  }
  prev_key = {};
  w->Varint(tickets_.size());
  for (const auto* kv : SortedById(tickets_)) {
    w->Prefixed(kv->first, &prev_key);
    stamp(kv->second.t, kv->second.id);
    w->String(kv->second.category);
  }
}

bool ValueProjection::LoadState(detail::StateReader* r) {
  if (!empty()) return r->Fail();
  ValueProjection tmp;
  int64_t prev_t = 0;
  std::string prev_key, prev_id;
  auto stamp = [&](int64_t* t, std::string* id) {
    int64_t d = 0;
    if (!r->Signed(&d) || !r->Prefixed(id, prev_id)) return false;
    prev_id = *id;
    *t = prev_t = Undelta(d, prev_t);
    return true;
  };
  uint64_t n = 0;
  if (!r->Count(&n, 5)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    if (!r->Prefixed(&key, prev_key)) return false;
    prev_key = key;
    auto [it, inserted] = tmp.accounts_.try_emplace(key);
    if (!inserted) return r->Fail();
    Account& a = it->second;
    uint64_t m = 0;
    if (!r->Count(&m, 3)) return false;
    a.orders.resize(m);
    for (Order& o : a.orders) {
      if (!stamp(&o.t, &o.id) || !r->Double(&o.amount) || !r->String(&o.currency)) return r->Fail();
    }
    if (!r->Count(&m, 4)) return false;
    a.answers.resize(m);
    for (Answer& x : a.answers) {
      uint8_t nps = 0;
      int64_t score = 0;
      if (!stamp(&x.t, &x.id) || !r->Byte(&nps) || nps > 1 || !r->Signed(&score)) return r->Fail();
      if (score < 0 || score > 10) return r->Fail();
      x.nps = nps == 1;
      x.score = static_cast<int>(score);
    }
    if (!r->Count(&m, 2)) return false;
    a.outbound.resize(m);
    for (Stamp& s : a.outbound) {
      if (!stamp(&s.t, &s.id)) return r->Fail();
    }
    uint8_t has_first = 0;
    if (!r->Byte(&has_first) || has_first > 1) return r->Fail();
    if (has_first == 1) {
      Stamp s;
      if (!stamp(&s.t, &s.id)) return r->Fail();
      a.first_known = std::move(s);
    }
    if (!StrictlySorted(a.orders) || !StrictlySorted(a.answers) || !StrictlySorted(a.outbound)) return r->Fail();
  }
  prev_key.clear();
  if (!r->Count(&n, 3)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    TicketOpen open;
    if (!r->Prefixed(&key, prev_key) || !stamp(&open.t, &open.id) || !r->String(&open.category)) return r->Fail();
    prev_key = key;
    if (!tmp.tickets_.emplace(key, std::move(open)).second) return r->Fail();
  }
  *this = std::move(tmp);
  return true;
}

}  // namespace slamon::projections
