#include "projections/sla/sla_projection.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "events/common/logging.h"

namespace slamon::projections {
namespace {

using events::EventType;

bool IsTicketEvent(EventType t) {
  return (t >= EventType::kTicketOpened && t <= EventType::kTicketReopened) || t == EventType::kTicketAssigned;
}

uint8_t ValueOf(const events::Event& e) {
  switch (e.type) {
    case EventType::kTicketOpened:
    case EventType::kTicketPriorityChanged:
      return static_cast<uint8_t>(e.priority);
    case EventType::kTicketStatusChanged:
      return static_cast<uint8_t>(e.status);
    case EventType::kTicketReplied:
      return static_cast<uint8_t>((e.author == events::Author::kCustomer ? detail::EventRec::kCustomer : 0) |
                                  (e.is_public ? detail::EventRec::kPublic : 0));
    default:
      return 0;
  }
}

// The account fields the SLA projection keeps.
constexpr events::AccountFieldSet kSlaFields =
    events::FieldBit(events::AccountField::kTier) | events::FieldBit(events::AccountField::kOwner) |
    events::FieldBit(events::AccountField::kTeam) | events::FieldBit(events::AccountField::kCalendar);

template <typename Vec, typename T, typename Less>
bool InsertSorted(Vec* v, T&& item, Less less) {
  // Events mostly arrive in order: appending is the common case.
  if (v->empty() || less(v->back(), item)) {
    v->push_back(std::forward<T>(item));
    return true;
  }
  auto pos = std::upper_bound(v->begin(), v->end(), item, less);
  if (pos != v->begin() && !less(*(pos - 1), item)) return false;  // same key: a duplicate
  v->insert(pos, std::forward<T>(item));
  return true;
}

}  // namespace

SlaProjection::SlaProjection(std::shared_ptr<const SlaConfig> config, Options options)
    : config_(std::move(config)),
      options_(std::move(options)),
      histogram_bounds_(FirstResponseBuckets(config_->AllTargets())),
      aggregator_(histogram_bounds_) {
  if (options_.history) history_cache_.resize(options_.history->size());
  InternTier("unknown");
  InternOwner("");
  InternName("");
}

SlaProjection::~SlaProjection() = default;

uint32_t SlaProjection::FindAccount(std::string_view id) const {
  return account_index_.Find(id, [this](uint32_t i) -> std::string_view { return accounts_[i].id; });
}

uint32_t SlaProjection::InternAccount(std::string_view id) {
  const uint32_t found = FindAccount(id);
  if (found != detail::StringIndex::kMissing) return found;
  const auto index = static_cast<uint32_t>(accounts_.size());
  accounts_.push_back(Account{std::string(id), {}, {}, false});
  account_index_.Insert(id, index, [this](uint32_t i) -> std::string_view { return accounts_[i].id; });
  return index;
}

uint32_t SlaProjection::InternTier(std::string_view tier) {
  auto it = tier_index_.find(std::string(tier));
  if (it != tier_index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(tiers_.size());
  tiers_.emplace_back(tier);
  tier_index_.emplace(std::string(tier), index);
  std::array<int16_t, events::kPriorityCount> row{};
  for (int p = 0; p < events::kPriorityCount; ++p) {
    row[static_cast<size_t>(p)] = static_cast<int16_t>(config_->Select(tier, static_cast<events::Priority>(p)));
  }
  policy_cache_.push_back(row);
  for (size_t v = 0; v < history_cache_.size(); ++v) {
    const SlaConfig& config = *options_.history->config(v);
    for (int p = 0; p < events::kPriorityCount; ++p) {
      row[static_cast<size_t>(p)] = static_cast<int16_t>(config.Select(tier, static_cast<events::Priority>(p)));
    }
    history_cache_[v].push_back(row);
  }
  return index;
}

uint32_t SlaProjection::InternOwner(std::string_view owner) {
  auto it = owner_index_.find(std::string(owner));
  if (it != owner_index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(owners_.size());
  owners_.emplace_back(owner);
  owner_index_.emplace(std::string(owner), index);
  return index;
}

uint32_t SlaProjection::InternName(std::string_view name) {
  auto it = name_index_.find(std::string(name));
  if (it != name_index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  name_index_.emplace(std::string(name), index);
  return index;
}

void SlaProjection::NoteUnknownCalendar(uint32_t account, const std::string& calendar) {
  if (calendar.empty() || config_->FindCalendar(calendar)) return;
  // Counted and logged once per account (an account naming a missing
  // calendar in every upsert or update is still one misconfigured account).
  Account& a = accounts_[account];
  if (a.unknown_calendar_logged) return;
  a.unknown_calendar_logged = true;
  ++unknown_calendars_;
  Log("sla")->warn(
      "account '{}' names calendar '{}', which the config lacks; its tickets use their policies' calendars", a.id,
      calendar);
}

bool SlaProjection::ChangeLess(const AccountChange& a, const AccountChange& b) {
  // Canonical order (occurred_at, type rank, id): account.upserted ranks before account.updated.
  if (a.t != b.t) return a.t < b.t;
  if (a.update != b.update) return b.update;
  return a.id < b.id;
}

void SlaProjection::ResolveChanges(std::vector<AccountChange>* changes, size_t from) {
  using events::AccountField;
  for (size_t i = from; i < changes->size(); ++i) {
    AccountChange& c = (*changes)[i];
    c.state = i == 0 ? AccountFields{} : (*changes)[i - 1].state;
    if (events::Has(c.fields, AccountField::kTier)) c.state.tier = c.own.tier;
    if (events::Has(c.fields, AccountField::kOwner)) c.state.owner = c.own.owner;
    if (events::Has(c.fields, AccountField::kTeam)) c.state.team = c.own.team;
    if (events::Has(c.fields, AccountField::kCalendar)) c.state.calendar = c.own.calendar;
  }
}

detail::AccountView SlaProjection::AccountAt(uint32_t account, int64_t t) const {
  const auto& changes = accounts_[account].changes;
  // account.upserted and account.updated rank before ticket.opened, so a
  // change in the same second as the open applies to it.
  auto it =
      std::upper_bound(changes.begin(), changes.end(), t, [](int64_t v, const AccountChange& c) { return v < c.t; });
  if (it == changes.begin()) return {};
  const AccountFields& f = std::prev(it)->state;
  return {f.tier, f.team, f.calendar};
}

int SlaProjection::SelectPolicy(uint32_t tier, events::Priority p, uint32_t channel, uint32_t team) const {
  // Channel and team matching is rare: the (tier, priority) cache serves
  // every config without it.
  if (!config_->MatchesContext()) return policy_cache_[tier][static_cast<size_t>(p)];
  return config_->Select(tiers_[tier], p, names_[channel], names_[team]);
}

void SlaProjection::CompleteContext(const SlaConfig* config, detail::FoldContext* ctx) const {
  ctx->config = config;
  ctx->account_at = [this](uint32_t account, int64_t t) { return AccountAt(account, t); };
  ctx->calendar = [this, config](uint32_t name) { return config->FindCalendar(names_[name]).get(); };
  ctx->name = [this](uint32_t name) -> std::string_view { return names_[name]; };
}

detail::FoldContext SlaProjection::MakeContext() const {
  detail::FoldContext ctx;
  CompleteContext(config_.get(), &ctx);
  ctx.select = [this](uint32_t tier, events::Priority p, uint32_t channel, uint32_t team) {
    return SelectPolicy(tier, p, channel, team);
  };
  return ctx;
}

size_t SlaProjection::VersionOf(uint32_t ticket, int64_t as_of) const {
  if (history_cache_.empty()) return kNoVersion;
  // The fold opens the ticket at its first ticket.opened (events are sorted by time).
  for (const detail::EventRec& r : tickets_[ticket].events) {
    if (r.t > as_of) break;
    if (r.type == EventType::kTicketOpened) return options_.history->IndexAt(r.t);
  }
  return kNoVersion;
}

detail::FoldContext SlaProjection::MakeContext(size_t version) const {
  if (version == kNoVersion) return MakeContext();
  detail::FoldContext ctx;
  const SlaConfig* config = options_.history->config(version).get();
  CompleteContext(config, &ctx);
  const auto& cache = history_cache_[version];
  ctx.select = [this, &cache, config](uint32_t tier, events::Priority p, uint32_t channel, uint32_t team) {
    if (!config->MatchesContext()) return static_cast<int>(cache[tier][static_cast<size_t>(p)]);
    return config->Select(tiers_[tier], p, names_[channel], names_[team]);
  };
  return ctx;
}

const std::string& SlaProjection::OwnerOf(std::string_view account_id) const {
  const uint32_t a = FindAccount(account_id);
  if (a == detail::StringIndex::kMissing || accounts_[a].changes.empty()) return owners_[0];
  return owners_[accounts_[a].changes.back().state.owner];
}

const std::string& SlaProjection::TeamOf(std::string_view account_id) const {
  const uint32_t a = FindAccount(account_id);
  if (a == detail::StringIndex::kMissing || accounts_[a].changes.empty()) return names_[detail::kNoName];
  return names_[accounts_[a].changes.back().state.team];
}

void SlaProjection::ApplyAccountChange(const events::Event& e) {
  using events::AccountField;
  const events::AccountFieldSet fields = events::AccountFieldsOf(e) & kSlaFields;
  if (fields == 0) return;  // an update of fields tickets do not use
  const uint32_t a = InternAccount(e.account_id);
  AccountChange c{e.occurred_at, e.type == EventType::kAccountUpdated, e.id, fields, {}, {}};
  if (events::Has(fields, AccountField::kTier)) c.own.tier = InternTier(e.tier);
  if (events::Has(fields, AccountField::kOwner)) c.own.owner = InternOwner(e.owner);
  if (events::Has(fields, AccountField::kTeam)) c.own.team = InternName(e.team);
  if (events::Has(fields, AccountField::kCalendar)) {
    c.own.calendar = InternName(e.calendar);
    NoteUnknownCalendar(a, e.calendar);
  }
  auto& changes = accounts_[a].changes;
  auto pos = std::upper_bound(changes.begin(), changes.end(), c, ChangeLess);
  if (pos != changes.begin() && !ChangeLess(*std::prev(pos), c)) return;  // same key: a duplicate
  const auto at = static_cast<size_t>(pos - changes.begin());
  changes.insert(pos, std::move(c));
  ResolveChanges(&changes, at);
  // A tier or owner change can alter every ticket of the account.
  if (options_.live) {
    for (uint32_t t : accounts_[a].tickets) MarkDirty(t);
  }
}

void SlaProjection::Apply(const events::Event& e) {
  if (e.IsAccountData()) {
    ApplyAccountChange(e);
    return;
  }
  if (!IsTicketEvent(e.type) || e.ticket_id.empty()) return;

  auto key_of = [this](uint32_t i) -> std::string_view { return tickets_[i].id; };
  uint32_t ti = ticket_index_.Find(e.ticket_id, key_of);
  if (ti == detail::StringIndex::kMissing) {
    ti = static_cast<uint32_t>(tickets_.size());
    tickets_.push_back(Ticket{e.ticket_id, {}});
    tickets_.back().events.reserve(4);  // typical lifecycles are short
    ticket_index_.Insert(e.ticket_id, ti, key_of);
    if (options_.live) live_.emplace_back();
  }
  detail::EventRec rec{e.occurred_at, detail::kNoAccount, detail::kNoName, e.type, ValueOf(e), e.id};
  if (e.type == EventType::kTicketOpened) {
    rec.account = InternAccount(e.account_id);
    rec.name = InternName(e.channel);
  } else if (e.type == EventType::kTicketAssigned) {
    rec.name = InternName(e.group);
  }
  const uint32_t account = rec.account;
  if (!InsertSorted(&tickets_[ti].events, std::move(rec), detail::RecLess)) return;
  if (!options_.live) return;
  if (account != detail::kNoAccount) {
    auto& linked = live_[ti].accounts;
    if (std::find(linked.begin(), linked.end(), account) == linked.end()) {
      linked.push_back(account);
      accounts_[account].tickets.push_back(ti);
    }
  }
  MarkDirty(ti);
}

int64_t SlaProjection::EvaluateTicket(uint32_t index, int64_t as_of, std::string_view account_filter,
                                      detail::TicketFold* fold, std::vector<TimeRange>* scratch,
                                      std::vector<SlaRecord>* out) const {
  const Ticket& ticket = tickets_[index];
  int64_t next = detail::kNoStop;
  // A future-dated event changes the result once the clock reaches it.
  auto future = std::upper_bound(ticket.events.begin(), ticket.events.end(), as_of,
                                 [](int64_t v, const detail::EventRec& r) { return v < r.t; });
  if (future != ticket.events.end()) next = future->t;

  const size_t version = VersionOf(index, as_of);
  const detail::FoldContext ctx = MakeContext(version);
  detail::FoldTicket(ticket.events, as_of, ctx, fold);
  if (!fold->opened) return next;
  const Account& account = accounts_[fold->account];
  if (!account_filter.empty() && account.id != account_filter) return next;
  for (const detail::InstanceSpan& span : fold->instances) {
    const SlaPolicy& policy = ctx.config->policies[static_cast<size_t>(span.policy)];
    const std::string& group = names_[span.group];
    const detail::InstanceTiming timing = detail::TimeInstance(
        span, policy, CalendarFor(policy, fold->account_calendar), group, fold->statuses, as_of, scratch);
    SlaRecord& r = out->emplace_back();
    r.ticket_id = ticket.id;
    r.account_id = account.id;
    r.tier = tiers_[fold->tier];
    r.priority = fold->priority;
    r.policy = policy.name;
    r.metric = span.metric;
    r.cycle = span.cycle;
    r.start = span.start;
    if (timing.state == InstanceState::kStopped) r.stop = span.stop;
    r.state = timing.state;
    r.target_seconds = *policy.target(span.metric, group);
    if (span.metric == Metric::kAssignment) r.group = group;
    r.team = names_[fold->team];
    if (timing.escalation >= 0) {
      r.escalation = policy.escalation[static_cast<size_t>(timing.escalation)].name;
      r.escalated_at = timing.escalated_at;
    }
    r.elapsed_seconds = timing.elapsed;
    r.breached = timing.breached;
    if (timing.breach_at != detail::kNoStop) r.breach_at = timing.breach_at;
    if (timing.due_at != detail::kNoStop) r.due_at = timing.due_at;
    r.level = timing.level;
    if (version != kNoVersion) r.policy_version = options_.history->stamp(version).version;
    next = std::min(next, timing.next_change);
  }
  return next;
}

std::vector<SlaRecord> SlaProjection::Evaluate(int64_t as_of, std::string_view account_filter) const {
  uint32_t filter_account = detail::kNoAccount;
  if (!account_filter.empty()) {
    filter_account = FindAccount(account_filter);
    if (filter_account == detail::StringIndex::kMissing) return {};
  }
  std::vector<uint32_t> order;
  order.reserve(tickets_.size());
  for (uint32_t i = 0; i < tickets_.size(); ++i) {
    if (filter_account != detail::kNoAccount) {
      const auto& evs = tickets_[i].events;
      if (std::none_of(evs.begin(), evs.end(),
                       [&](const detail::EventRec& r) { return r.account == filter_account; })) {
        continue;
      }
    }
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) { return tickets_[a].id < tickets_[b].id; });

  std::vector<SlaRecord> out;
  detail::TicketFold fold;
  std::vector<TimeRange> scratch;
  for (uint32_t i : order) EvaluateTicket(i, as_of, account_filter, &fold, &scratch, &out);
  return out;
}

void SlaProjection::MarkDirty(uint32_t ticket) {
  if (live_[ticket].dirty) return;
  live_[ticket].dirty = true;
  dirty_.push_back(ticket);
}

void SlaProjection::Refresh(uint32_t ticket) {
  LiveTicket& lt = live_[ticket];
  lt.dirty = false;
  for (const SlaRecord& r : lt.records) aggregator_.Add(r, lt.owner, -1);
  record_scratch_.clear();
  const int64_t next = EvaluateTicket(ticket, now_, {}, &fold_scratch_, &range_scratch_, &record_scratch_);
  lt.records.swap(record_scratch_);
  lt.owner = lt.records.empty() ? std::string() : OwnerOf(lt.records.front().account_id);
  for (const SlaRecord& r : lt.records) aggregator_.Add(r, lt.owner, +1);
  if (listener_) listener_(ticket, lt.records, now_);
  ++lt.generation;
  if (next != detail::kNoStop) wakes_.push(Wake{next, ticket, lt.generation});
}

void SlaProjection::AdvanceTo(int64_t now) {
  if (!options_.live) return;
  now_ = std::max(now_, now);
  std::vector<uint32_t> dirty;
  dirty.swap(dirty_);
  for (uint32_t t : dirty) Refresh(t);
  while (!wakes_.empty() && wakes_.top().t <= now_) {
    const Wake w = wakes_.top();
    wakes_.pop();
    // Stale entries (the ticket was refreshed since) are skipped, not removed.
    if (w.generation == live_[w.ticket].generation) Refresh(w.ticket);
  }
}

size_t SlaProjection::MemoryBytes() const {
  auto str = [](const std::string& x) { return x.capacity() > 15 ? x.capacity() + 1 : 0; };
  size_t bytes = tickets_.capacity() * sizeof(Ticket) + accounts_.capacity() * sizeof(Account);
  for (const Ticket& t : tickets_) {
    bytes += str(t.id) + t.events.capacity() * sizeof(detail::EventRec);
    for (const auto& e : t.events) bytes += str(e.id);
  }
  for (const Account& a : accounts_) {
    bytes += str(a.id) + a.changes.capacity() * sizeof(AccountChange) + a.tickets.capacity() * sizeof(uint32_t);
    for (const auto& c : a.changes) bytes += str(c.id);
  }
  // Index slots: 8 bytes each at <= 75 % load.
  return bytes + (ticket_index_.size() + account_index_.size()) * 8 * 2;
}

SlaSnapshot SlaProjection::Snapshot() const {
  SlaSnapshot out = aggregator_.Snapshot(now_);
  out.unknown_calendars = unknown_calendars_;
  return out;
}

}  // namespace slamon::projections
