// SlaProjection::SaveState / LoadState: the replay state (every ticket's
// compact event records and every account upsert and update) as a versioned
// binary blob for projection snapshots (projections/snapshot.h).
//
// Layout (format 3), integers as varints, times as zigzag deltas from the
// previous time written, ids prefix-coded against the previous id of their
// kind (state_codec.h):
//   "SLAP" 3
//   tiers:   n, n × string                  (interned names, index 0 = "unknown")
//   owners:  n, n × string                  (index 0 = "")
//   names:   n, n × string                  (channels, groups, teams, calendars; index 0 = "")
//   accounts: n, n × {id, changes: m, m × {Δt, id, fields, tier index, owner index, team name, calendar name}}
//            fields: 0 = an account.upserted (it sets all four), else the
//            account.updated's field set (tier, owner, team, calendar bits);
//            a field it does not set is written as 0
//   tickets: n, n × {id, events: m, m × {Δt, type, value, account index + 1 (0 = none), name, id}}
// Format 2 (still read) has no `fields` (every change is an upsert); format 1
// (still read) also lacks the names table and the name fields.
#include <algorithm>

#include "projections/core/state_codec.h"
#include "projections/sla/sla_projection.h"

namespace slamon::projections {
namespace {

constexpr std::string_view kMagic = "SLAP";
constexpr uint8_t kFormat = 3;
constexpr events::AccountFieldSet kSlaFields =
    events::FieldBit(events::AccountField::kTier) | events::FieldBit(events::AccountField::kOwner) |
    events::FieldBit(events::AccountField::kTeam) | events::FieldBit(events::AccountField::kCalendar);
using detail::Delta;
using detail::Undelta;

bool IsTicketType(uint8_t type) {
  return (type >= static_cast<uint8_t>(events::EventType::kTicketOpened) &&
          type <= static_cast<uint8_t>(events::EventType::kTicketReopened)) ||
         type == static_cast<uint8_t>(events::EventType::kTicketAssigned);
}

// The `value` byte each type can carry (see ValueOf in sla_projection.cc).
bool ValidValue(events::EventType type, uint8_t value) {
  switch (type) {
    case events::EventType::kTicketOpened:
    case events::EventType::kTicketPriorityChanged:
      return value < events::kPriorityCount;
    case events::EventType::kTicketStatusChanged:
      return value <= static_cast<uint8_t>(events::TicketStatus::kClosed);
    case events::EventType::kTicketReplied:
      return value <= (detail::EventRec::kCustomer | detail::EventRec::kPublic);
    default:
      return value == 0;
  }
}

Status Corrupt(const std::string& what) { return Status::Corruption("SLA projection state: " + what); }

}  // namespace

void SlaProjection::SaveState(std::string* out) const {
  detail::StateWriter w(out);
  w.Header(kMagic, kFormat);
  w.Varint(tiers_.size());
  for (const std::string& t : tiers_) w.String(t);
  w.Varint(owners_.size());
  for (const std::string& o : owners_) w.String(o);
  w.Varint(names_.size());
  for (const std::string& n : names_) w.String(n);

  int64_t prev_t = 0;
  std::string_view prev_account, prev_change;
  w.Varint(accounts_.size());
  for (const Account& a : accounts_) {
    w.Prefixed(a.id, &prev_account);
    w.Varint(a.changes.size());
    for (const AccountChange& c : a.changes) {
      w.Signed(Delta(c.t, prev_t));
      prev_t = c.t;
      w.Prefixed(c.id, &prev_change);
      w.Byte(c.update ? c.fields : 0);
      w.Varint(c.own.tier);
      w.Varint(c.own.owner);
      w.Varint(c.own.team);
      w.Varint(c.own.calendar);
    }
  }

  std::string_view prev_ticket, prev_event;
  w.Varint(tickets_.size());
  for (const Ticket& t : tickets_) {
    w.Prefixed(t.id, &prev_ticket);
    w.Varint(t.events.size());
    for (const detail::EventRec& e : t.events) {
      w.Signed(Delta(e.t, prev_t));
      prev_t = e.t;
      w.Byte(static_cast<uint8_t>(e.type));
      w.Byte(e.value);
      w.Varint(e.account == detail::kNoAccount ? 0 : uint64_t{e.account} + 1);
      w.Varint(e.name);
      w.Prefixed(e.id, &prev_event);
    }
  }
}

// Long on purpose: the decoder mirrors SaveState field for field and
// checks everything into locals before the projection changes.
Status SlaProjection::LoadState(std::string_view in) {
  if (!tickets_.empty() || !accounts_.empty()) return Status::Invalid("LoadState needs an empty SLA projection");
  detail::StateReader r(in);
  uint8_t format = 0;
  for (uint8_t f = kFormat; f >= 1 && format == 0; --f) {
    r = detail::StateReader(in);
    if (r.Header(kMagic, f)) format = f;
  }
  if (format == 0) return Corrupt("not an SLA projection state of format 1, 2 or 3");

  // Everything is decoded and checked into locals first; the projection is
  // changed only once the whole input proved valid.
  uint64_t n = 0;
  std::vector<std::string> tiers, owners;
  if (!r.Count(&n)) return Corrupt("truncated tier table");
  tiers.resize(n);
  for (auto& t : tiers) r.String(&t);
  if (!r.Count(&n)) return Corrupt("truncated owner table");
  owners.resize(n);
  for (auto& o : owners) r.String(&o);
  std::vector<std::string> names = {""};
  if (format >= 2) {
    if (!r.Count(&n) || n == 0) return Corrupt("truncated name table");
    names.resize(n);
    for (auto& s : names) r.String(&s);
  }
  if (!r.ok()) return Corrupt("truncated tier, owner or name table");

  int64_t prev_t = 0;
  std::vector<Account> accounts;
  detail::StringIndex account_index;
  auto account_key = [&accounts](uint32_t i) -> std::string_view { return accounts[i].id; };
  if (!r.Count(&n, 2)) return Corrupt("truncated account table");
  accounts.resize(n);
  std::string prev_account, prev_change;
  for (uint32_t i = 0; i < accounts.size(); ++i) {
    Account& a = accounts[i];
    uint64_t m = 0;
    if (!r.Prefixed(&a.id, prev_account) || !r.Count(&m, 4)) return Corrupt("truncated account");
    prev_account = a.id;
    if (account_index.Find(a.id, account_key) != detail::StringIndex::kMissing) return Corrupt("duplicate account");
    account_index.Insert(a.id, i, account_key);
    a.changes.resize(m);
    for (size_t k = 0; k < a.changes.size(); ++k) {
      AccountChange& c = a.changes[k];
      int64_t d = 0;
      uint8_t fields = 0;
      uint64_t tier = 0, owner = 0, team = 0, calendar = 0;
      if (!r.Signed(&d) || !r.Prefixed(&c.id, prev_change) || (format >= 3 && !r.Byte(&fields)) || !r.Varint(&tier) ||
          !r.Varint(&owner) || (format >= 2 && (!r.Varint(&team) || !r.Varint(&calendar)))) {
        return Corrupt("truncated account change");
      }
      if ((fields & ~kSlaFields) != 0) return Corrupt("account update with an unknown field");
      c.update = fields != 0;
      c.fields = c.update ? fields : kSlaFields;
      if (team >= names.size() || calendar >= names.size())
        return Corrupt("account change names an unknown team or calendar");
      c.own.team = static_cast<uint32_t>(team);
      c.own.calendar = static_cast<uint32_t>(calendar);
      prev_change = c.id;
      c.t = prev_t = Undelta(d, prev_t);
      if (tier >= tiers.size() || owner >= owners.size())
        return Corrupt("account change names an unknown tier or owner");
      c.own.tier = static_cast<uint32_t>(tier);
      c.own.owner = static_cast<uint32_t>(owner);
      if (k > 0 && !ChangeLess(a.changes[k - 1], c)) return Corrupt("account changes out of canonical order");
    }
  }

  std::vector<Ticket> tickets;
  detail::StringIndex ticket_index;
  auto ticket_key = [&tickets](uint32_t i) -> std::string_view { return tickets[i].id; };
  if (!r.Count(&n, 2)) return Corrupt("truncated ticket table");
  tickets.resize(n);
  std::string prev_ticket, prev_event;
  for (uint32_t i = 0; i < tickets.size(); ++i) {
    Ticket& t = tickets[i];
    uint64_t m = 0;
    if (!r.Prefixed(&t.id, prev_ticket) || !r.Count(&m, 6)) return Corrupt("truncated ticket");
    prev_ticket = t.id;
    if (ticket_index.Find(t.id, ticket_key) != detail::StringIndex::kMissing) return Corrupt("duplicate ticket");
    ticket_index.Insert(t.id, i, ticket_key);
    t.events.resize(m);
    for (size_t k = 0; k < t.events.size(); ++k) {
      detail::EventRec& e = t.events[k];
      int64_t d = 0;
      uint8_t type = 0;
      uint64_t account = 0, name = 0;
      if (!r.Signed(&d) || !r.Byte(&type) || !r.Byte(&e.value) || !r.Varint(&account) ||
          (format >= 2 && !r.Varint(&name)) || !r.Prefixed(&e.id, prev_event)) {
        return Corrupt("truncated ticket event");
      }
      if (name >= names.size()) return Corrupt("ticket event names an unknown channel or group");
      e.name = static_cast<uint32_t>(name);
      prev_event = e.id;
      e.t = prev_t = Undelta(d, prev_t);
      if (!IsTicketType(type)) return Corrupt("ticket event of a non-ticket type");
      e.type = static_cast<events::EventType>(type);
      if (!ValidValue(e.type, e.value)) return Corrupt("ticket event with an impossible value");
      if (account > accounts.size()) return Corrupt("ticket event names an unknown account");
      e.account = account == 0 ? detail::kNoAccount : static_cast<uint32_t>(account - 1);
      if ((e.type == events::EventType::kTicketOpened) != (e.account != detail::kNoAccount)) {
        return Corrupt("account set on a ticket event other than ticket.opened, or missing on one");
      }
      if (k > 0 && !detail::RecLess(t.events[k - 1], e)) return Corrupt("ticket events out of canonical order");
    }
  }
  if (!r.done()) return Corrupt(r.ok() ? "trailing bytes" : "truncated");

  // Commit. Tiers and owners are interned anew: the current config decides
  // their policies (the state holds events, not judgements).
  std::vector<uint32_t> tier_of(tiers.size()), owner_of(owners.size()), name_of(names.size());
  for (size_t i = 0; i < tiers.size(); ++i) tier_of[i] = InternTier(tiers[i]);
  for (size_t i = 0; i < owners.size(); ++i) owner_of[i] = InternOwner(owners[i]);
  for (size_t i = 0; i < names.size(); ++i) name_of[i] = InternName(names[i]);
  for (Account& a : accounts) {
    for (AccountChange& c : a.changes) {
      c.own.tier = tier_of[c.own.tier];
      c.own.owner = owner_of[c.own.owner];
      c.own.team = name_of[c.own.team];
      c.own.calendar = name_of[c.own.calendar];
    }
    ResolveChanges(&a.changes, 0);
  }
  for (Ticket& t : tickets) {
    for (detail::EventRec& e : t.events) e.name = name_of[e.name];
  }
  accounts_ = std::move(accounts);
  account_index_ = std::move(account_index);
  for (uint32_t a = 0; a < accounts_.size(); ++a) {
    for (const AccountChange& c : accounts_[a].changes) {
      if (events::Has(c.fields, events::AccountField::kCalendar)) NoteUnknownCalendar(a, names_[c.own.calendar]);
    }
  }
  tickets_ = std::move(tickets);
  ticket_index_ = std::move(ticket_index);
  if (options_.live) {
    // As if every event had just been applied: link tickets to their accounts
    // and mark them all dirty, so the next AdvanceTo() evaluates each once.
    live_.assign(tickets_.size(), LiveTicket{});
    for (uint32_t ti = 0; ti < tickets_.size(); ++ti) {
      for (const detail::EventRec& e : tickets_[ti].events) {
        if (e.account == detail::kNoAccount) continue;
        auto& linked = live_[ti].accounts;
        if (std::find(linked.begin(), linked.end(), e.account) == linked.end()) {
          linked.push_back(e.account);
          accounts_[e.account].tickets.push_back(ti);
        }
      }
      MarkDirty(ti);
    }
  }
  return Status::OK();
}

}  // namespace slamon::projections
