// Over 400 lines on purpose: a deterministic simulation of every event type
// (tickets, replies, surveys, orders, malformed input), kept in one file so
// the generated stream's invariants are visible together.
#include "events/demo/generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <queue>
#include <random>
#include <string_view>
#include <vector>

#include "events/codec.h"
#include "events/common/json_writer.h"
#include "events/event.h"

namespace slamon::events {
namespace {

// Integer-only draws: std:: distributions differ between standard libraries,
// and a seed must give the same stream everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject).
  uint64_t Below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(engine_()) * n;
    if (static_cast<uint64_t>(m) < n) {
      const uint64_t threshold = (0 - n) % n;
      while (static_cast<uint64_t>(m) < threshold) m = static_cast<unsigned __int128>(engine_()) * n;
    }
    return static_cast<uint64_t>(m >> 64);
  }
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Percent(int p) { return Below(100) < static_cast<uint64_t>(p); }
  template <size_t N>
  size_t Weighted(const std::array<int, N>& weights) {
    int total = 0;
    for (int w : weights) total += w;
    int r = static_cast<int>(Below(static_cast<uint64_t>(total)));
    for (size_t i = 0; i < N; ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return N - 1;
  }
  template <typename T, size_t N>
  const T& Of(const std::array<T, N>& items) {
    return items[Below(N)];
  }

 private:
  std::mt19937_64 engine_;
};

constexpr std::array<std::string_view, 40> kOwnerNames = {
    "li.wei",       "maria.garcia",    "james.smith",     "priya.sharma", "chen.jing",     "ahmed.hassan",
    "sofia.rossi",  "yuki.tanaka",     "olga.ivanova",    "david.cohen",  "fatima.khan",   "lucas.silva",
    "emma.johnson", "wang.fang",       "carlos.lopez",    "anna.muller",  "kenji.sato",    "aisha.bello",
    "noah.brown",   "zhang.min",       "isabella.martin", "omar.farouk",  "elena.popescu", "liam.oconnor",
    "mei.lin",      "raj.patel",       "sara.nilsson",    "tom.kowalski", "nina.petrova",  "hugo.dubois",
    "grace.kim",    "mateo.fernandez", "hana.novak",      "ivan.horvat",  "leila.amini",   "ben.okafor",
    "julia.weber",  "arjun.mehta",     "chloe.martin",    "diego.ramos",
};
constexpr std::array<std::string_view, 20> kCompanyStems = {
    "Acme",    "Globex", "Initech", "Umbrella", "Hooli",    "Vandelay",  "Stark",    "Wayne",   "Tyrell", "Cyberdyne",
    "Soylent", "Wonka",  "Oceanic", "Massive",  "Nakatomi", "Gringotts", "Aperture", "Monarch", "Dunder", "Pied Piper",
};
constexpr std::array<std::string_view, 10> kCompanySuffixes = {"Logistics", "Retail", "Health", "Foods",   "Energy",
                                                               "Labs",      "Bank",   "Media",  "Systems", "Travel"};
constexpr std::array<std::string_view, 3> kTeams = {"apac", "emea", "amer"};
constexpr std::array<std::string_view, 4> kChannels = {"email", "phone", "chat", "portal"};
constexpr std::array<std::string_view, 4> kGroups = {"after_sales", "tech", "sales", "finance"};
constexpr std::array<std::string_view, 5> kCategories = {"complaint", "billing", "technical", "delivery", "inquiry"};
constexpr std::array<std::string_view, 4> kAssignees = {"wang", "liu", "chen", "zhang"};
constexpr std::array<std::string_view, 6> kSubjects = {"Cannot log in",   "Invoice question", "Export fails",
                                                       "API returns 500", "Feature request",  "Data looks wrong"};
constexpr std::array<std::string_view, 4> kChurnReasons = {"budget", "moved to competitor", "product fit",
                                                           "company acquired"};
constexpr std::array<std::string_view, 4> kHappyComments = {"Great support, thanks!", "Quick and helpful",
                                                            "Sehr gut \u2014 danke", "Solved in one reply"};
constexpr std::array<std::string_view, 3> kUnhappyComments = {"Took far too long", "Still not fixed",
                                                              "Nobody said \"sorry\""};

constexpr int kMaxOpenTicketsPerAccount = 20;
constexpr size_t kRecentRing = 256;  // duplicates re-send one of the last kRecentRing valid messages
// Valid events per spontaneous arrival (a ticket brings its follow-ups), measured
// on long streams; the arrival spacing uses it to hit seconds_per_event.
constexpr int64_t kEventsPerArrivalX100 = 540;

struct Account {
  std::string id, name, owner, team, calendar;
  std::string_view tier;
  int64_t contract_value = 0;
  int64_t renewal_at = 0;  // Unix seconds
  bool unhappy = false;
  bool churned = false;
  int open_tickets = 0;
};

// What a ticket does next; each step emits exactly one event.
enum class Step : uint8_t { kFirstResponse, kAfterAgent, kAfterCustomer, kUnpause, kReopen, kSurvey, kClose };

struct Ticket {
  uint64_t number = 0;
  uint32_t account = 0;
  Priority priority = Priority::kNormal;
  Step step = Step::kFirstResponse;
  uint8_t events = 0;
  uint8_t reopens = 0;
  bool slow = false;  // agents answer this one late, so its SLAs breach
};

struct Due {
  int64_t at_ms;
  uint64_t seq;  // tie-break, keeps the order independent of heap internals
  uint32_t slot;
  bool operator>(const Due& o) const { return at_ms != o.at_ms ? at_ms > o.at_ms : seq > o.seq; }
};

// JSON object members, serialised as they are added (escaped by the project's one JSON string writer).
// Members of an object still open (the envelope adds its own), hence not a JsonWriter.
class Members {
 public:
  Members& Str(std::string_view key, std::string_view v) {
    Key(key);
    AppendJsonString(v, &s_);
    return *this;
  }
  Members& Raw(std::string_view key, std::string_view json) {
    Key(key);
    s_.append(json);
    return *this;
  }
  Members& Int(std::string_view key, int64_t v) { return Raw(key, std::to_string(v)); }
  const std::string& Json() const { return s_; }

 private:
  void Key(std::string_view key) {
    if (!s_.empty()) s_ += ',';
    AppendJsonString(key, &s_);
    s_ += ':';
  }
  std::string s_;
};

struct Draft {
  EventType type;
  uint32_t account;
  Members payload;
};

}  // namespace

struct Generator::Impl {
  explicit Impl(GeneratorOptions o);
  GeneratedMessage Next();

  // Lifecycle delays are written for 30 s/event and >= 100 accounts. They shrink
  // with a faster clock, and with fewer accounts (each account then sees more of
  // the traffic), so that open tickets stay under the per-account cap and the mix
  // of event types stays the same. They never stretch beyond the realistic ones.
  int64_t Scaled(int64_t base_seconds) const {
    return static_cast<int64_t>(static_cast<__int128>(base_seconds) * ms_per_kilosecond / 1000);
  }
  std::string TicketId(uint64_t n) const { return "T-" + std::to_string(opt.seed) + "-" + std::to_string(n); }
  std::string NextEventId() { return "e-" + std::to_string(opt.seed) + "-" + std::to_string(++event_counter); }
  std::string Timestamp(int64_t ms);
  GeneratedMessage Emit(const Draft& d, bool jitter);
  Draft NextDraft();
  Draft Spontaneous();
  Draft OpenTicket(uint32_t a);
  Draft TicketStep(uint32_t slot);
  Draft Resolve(uint32_t slot);
  int64_t AgentDelay(const Ticket& t);
  void Schedule(uint32_t slot, int64_t delay_ms) { due.push({clock_ms + std::max<int64_t>(delay_ms, 1), ++seq, slot}); }
  // Sets the ticket's next step and when it happens; returns the event of this step.
  Draft Later(uint32_t slot, Step step, int64_t delay_ms, Draft event) {
    tickets[slot].step = step;
    Schedule(slot, delay_ms);
    return event;
  }
  void Finish(uint32_t slot) {
    --accounts[tickets[slot].account].open_tickets;
    free_slots.push_back(slot);
  }
  Draft Plain(const Ticket& t, EventType type) {
    return Draft{type, t.account, Members().Str("ticket_id", TicketId(t.number))};
  }
  Draft Reply(const Ticket& t, Author author, bool is_public) {
    Draft d = Plain(t, EventType::kTicketReplied);
    d.payload.Str("author", Name(author));
    // `public` is spelled out on internal notes and on half of the rest; the default covers the others.
    if (!is_public || t.number % 2 == 0) d.payload.Raw("public", is_public ? "true" : "false");
    return d;
  }
  Draft Status(const Ticket& t, TicketStatus s) {
    Draft d = Plain(t, EventType::kTicketStatusChanged);
    d.payload.Str("status", Name(s));
    return d;
  }
  Draft Assign(const Ticket& t) {
    const size_t g = rng.Below(kGroups.size());
    const size_t who = rng.Below(kAssignees.size());
    Draft d = Plain(t, EventType::kTicketAssigned);
    d.payload.Str("group", kGroups[g]).Str("assignee", kAssignees[who]);
    return d;
  }
  Draft ChangePriority(Ticket& t) {
    t.priority = static_cast<Priority>((static_cast<int>(t.priority) + 1 + rng.Below(3)) % 4);
    Draft d = Plain(t, EventType::kTicketPriorityChanged);
    d.payload.Str("priority", Name(t.priority));
    return d;
  }
  Draft Upsert(uint32_t a) {
    const Account& acct = accounts[a];
    Draft d{EventType::kAccountUpserted, a, {}};
    d.payload.Str("name", acct.name).Str("tier", acct.tier).Str("owner", acct.owner);
    d.payload.Str("owner_email", acct.owner + "@slamon.example").Str("team", acct.team);
    if (!acct.calendar.empty()) d.payload.Str("calendar", acct.calendar);
    d.payload.Int("contract_value", acct.contract_value);
    d.payload.Str("renewal_date", FormatRfc3339(acct.renewal_at).substr(0, 10));
    return d;
  }
  GeneratedMessage Malformed();

  GeneratorOptions opt;
  Rng rng;
  int64_t spe_ms;
  int64_t ms_per_kilosecond = 0;  // simulated ms per 1000 s of base lifecycle delay
  uint64_t malformed_ppm, duplicate_ppm;
  std::vector<std::string> owners;
  std::vector<Account> accounts;
  std::vector<Ticket> tickets;
  std::vector<uint32_t> free_slots;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  uint64_t seq = 0, event_counter = 0, ticket_counter = 0, malformed_counter = 0, order_counter = 0;
  int64_t clock_ms, next_arrival_ms = 0;
  size_t bootstrapped = 0;
  std::vector<GeneratedMessage> recent;
  size_t recent_next = 0;
};

Generator::Impl::Impl(GeneratorOptions o)
    : opt(o),
      rng(o.seed),
      spe_ms(std::max<int64_t>(1, std::llround(o.seconds_per_event * 1000))),
      malformed_ppm(static_cast<uint64_t>(std::llround(std::clamp(o.malformed_fraction, 0.0, 1.0) * 1e6))),
      duplicate_ppm(static_cast<uint64_t>(std::llround(std::clamp(o.duplicate_fraction, 0.0, 1.0) * 1e6))),
      clock_ms(o.start_time * 1000) {
  const int n = std::max(1, opt.accounts);
  const int owner_count = n / 8 + 1;
  for (int i = 0; i < owner_count; ++i) {
    std::string name(kOwnerNames[i % kOwnerNames.size()]);
    if (i >= static_cast<int>(kOwnerNames.size())) name += std::to_string(i / kOwnerNames.size() + 1);
    owners.push_back(std::move(name));
  }
  accounts.resize(n);
  ms_per_kilosecond = opt.lifecycle_scale > 0 ? std::llround(std::min(opt.lifecycle_scale, 1e6) * 1e6)
                                              : std::min<int64_t>(1000000, spe_ms * std::min(n, 100) / 3);
  for (int i = 0; i < n; ++i) {
    Account& a = accounts[i];
    char id[32];
    std::snprintf(id, sizeof(id), "acct-%04d", i + 1);
    a.id = id;
    a.name = std::string(rng.Of(kCompanyStems)) + " ";  // two statements: operand order of + is unspecified
    a.name += rng.Of(kCompanySuffixes);
    if (i >= static_cast<int>(kCompanyStems.size() * kCompanySuffixes.size())) a.name += " " + std::to_string(i);
    const size_t tier = rng.Weighted(std::array<int, 3>{20, 30, 50});
    a.tier = std::array<std::string_view, 3>{"A", "B", "C"}[tier];
    a.contract_value = tier == 0   ? rng.Between(100, 500) * 1000
                       : tier == 1 ? rng.Between(20, 99) * 1000
                                   : rng.Between(2, 19) * 1000;
    a.renewal_at = opt.start_time + rng.Between(30, 365) * 86400;
    const size_t owner = rng.Below(owners.size());
    a.owner = owners[owner];
    a.team = kTeams[owner % kTeams.size()];
    // The calendar is optional on the wire: emea accounts leave it to the policy default.
    a.calendar = a.team == "apac" ? "cn-business" : a.team == "amer" ? "us-east" : "";
    a.unhappy = rng.Percent(10);
  }
}

std::string Generator::Impl::Timestamp(int64_t ms) {
  const int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  // Mostly `Z`, sometimes fractions or a local offset, as real producers mix them.
  static constexpr std::array<int64_t, 4> kOffset = {0, 0, 28800, -18000};
  static constexpr std::array<std::string_view, 4> kSuffix = {"Z", "Z", "+08:00", "-05:00"};
  const size_t style = rng.Weighted(std::array<int, 4>{80, 10, 6, 4});
  std::string s = FormatRfc3339(sec + kOffset[style]);
  s.pop_back();
  if (style == 1) {
    char frac[8];
    std::snprintf(frac, sizeof(frac), ".%03d", static_cast<int>(ms - sec * 1000));
    s += frac;
  }
  return s.append(kSuffix[style]);
}

GeneratedMessage Generator::Impl::Emit(const Draft& d, bool jitter) {
  GeneratedMessage msg;
  msg.id = NextEventId();
  msg.key = accounts[d.account].id;
  int64_t ms = clock_ms;
  if (jitter && rng.Percent(5)) ms = std::max<int64_t>(0, ms - Scaled(rng.Between(1, 180)));
  const std::string ts = Timestamp(ms);
  const std::string& payload = d.payload.Json();
  Members m;
  if (opt.cloudevents_mix && rng.Percent(10)) {
    Members data;
    if (rng.Percent(50)) data.Str("account_id", msg.key);  // otherwise `subject` carries it
    std::string body = "{" + data.Json() + (data.Json().empty() || payload.empty() ? "" : ",") + payload + "}";
    m.Str("specversion", "1.0").Str("id", msg.id).Str("source", "/helpdesk/" + accounts[d.account].team);
    m.Str("type", Name(d.type)).Str("time", ts).Str("subject", msg.key).Str("datacontenttype", "application/json");
    m.Raw("data", body);
    msg.value = "{" + m.Json() + "}";
  } else {
    m.Str("id", msg.id).Str("type", Name(d.type)).Str("occurred_at", ts).Str("account_id", msg.key);
    msg.value = "{" + m.Json() + (payload.empty() ? "" : ",") + payload + "}";
  }
  if (recent.size() < kRecentRing) {
    recent.push_back(msg);
  } else {
    recent[recent_next] = msg;
    recent_next = (recent_next + 1) % kRecentRing;
  }
  return msg;
}

GeneratedMessage Generator::Impl::Next() {
  if (bootstrapped < accounts.size()) {
    // Bootstrap: every account is upserted once, closely spaced, before any activity.
    clock_ms = opt.start_time * 1000 + static_cast<int64_t>(bootstrapped) * spe_ms / 10;
    next_arrival_ms = clock_ms + spe_ms;
    return Emit(Upsert(static_cast<uint32_t>(bootstrapped++)), false);
  }
  const uint64_t r = rng.Below(1000000);
  if (r < malformed_ppm) return Malformed();
  if (r < malformed_ppm + duplicate_ppm && !recent.empty()) {
    GeneratedMessage msg = recent[rng.Below(recent.size())];
    msg.duplicate = true;
    return msg;
  }
  return Emit(NextDraft(), true);
}

// A discrete-event simulation: spontaneous arrivals (new tickets, interactions,
// account changes) interleaved with the scheduled next step of each open ticket.
Draft Generator::Impl::NextDraft() {
  if (!due.empty() && due.top().at_ms <= next_arrival_ms) {
    const Due d = due.top();
    due.pop();
    clock_ms = d.at_ms;
    return TicketStep(d.slot);
  }
  clock_ms = next_arrival_ms;
  next_arrival_ms += rng.Between(0, 2 * spe_ms * kEventsPerArrivalX100 / 100);
  return Spontaneous();
}

Draft Generator::Impl::Spontaneous() {
  const uint32_t n = static_cast<uint32_t>(accounts.size());
  auto a = static_cast<uint32_t>(rng.Below(n));
  // A churned account stays quiet, except that now and then it is won back.
  for (int tries = 0; accounts[a].churned; ++tries) {
    if (tries == 8 || rng.Percent(5)) {
      accounts[a].churned = false;
      return Upsert(a);
    }
    a = static_cast<uint32_t>(rng.Below(n));
  }
  Account& acct = accounts[a];
  switch (rng.Weighted(std::array<int, 5>{660, 285, 52, 3, 40})) {
    case 0:
      if (acct.open_tickets < kMaxOpenTicketsPerAccount) return OpenTicket(a);
      [[fallthrough]];
    case 1: {
      Draft d{EventType::kInteractionLogged, a, {}};
      const auto kind = static_cast<InteractionKind>(rng.Weighted(std::array<int, 4>{35, 20, 35, 10}));
      const bool outbound = rng.Percent(kind == InteractionKind::kQbr || kind == InteractionKind::kMeeting ? 90 : 50);
      d.payload.Str("kind", Name(kind)).Str("direction", Name(outbound ? Direction::kOutbound : Direction::kInbound));
      d.payload.Str("logged_by", acct.owner);
      return d;
    }
    case 2: {
      // An account change: a CRM sends an owner hand-over or a renewal as a
      // partial account.updated, a tier change as a full account.upserted.
      const int what = static_cast<int>(rng.Below(100));
      Draft d{EventType::kAccountUpdated, a, {}};
      if (what < 50) {
        const size_t owner = rng.Below(owners.size());
        acct.owner = owners[owner];
        acct.team = kTeams[owner % kTeams.size()];
        d.payload.Str("owner", acct.owner).Str("owner_email", acct.owner + "@slamon.example").Str("team", acct.team);
      } else if (what < 80) {
        acct.tier = acct.tier == "A" ? "B" : acct.tier == "C" ? "B" : (rng.Percent(50) ? "A" : "C");
        return Upsert(a);
      } else {
        acct.contract_value = acct.contract_value * rng.Between(80, 130) / 100;
        acct.renewal_at += int64_t{365} * 86400;
        d.payload.Int("contract_value", acct.contract_value);
        d.payload.Str("renewal_date", FormatRfc3339(acct.renewal_at).substr(0, 10));
      }
      return d;
    }
    case 4: {
      // An order: amounts scale with the account's contract value; a few in another currency.
      Draft d{EventType::kOrderPlaced, a, {}};
      const int64_t amount = std::max<int64_t>(100, acct.contract_value / 20) * rng.Between(20, 180) / 100;
      const bool foreign = rng.Percent(5);
      d.payload.Str("order_id", "o-" + std::to_string(++order_counter)).Int("amount", amount);
      if (foreign) d.payload.Str("currency", "USD");
      return d;
    }
    default: {
      // Unhappy accounts are the ones that leave.
      for (int tries = 0; tries < 3 && !accounts[a].unhappy; ++tries) {
        const auto b = static_cast<uint32_t>(rng.Below(n));
        if (!accounts[b].churned) a = b;
      }
      accounts[a].churned = true;
      Draft d{EventType::kAccountChurned, a, {}};
      if (rng.Percent(70)) d.payload.Str("reason", rng.Of(kChurnReasons));
      return d;
    }
  }
}

Draft Generator::Impl::OpenTicket(uint32_t a) {
  uint32_t slot;
  if (free_slots.empty()) {
    slot = static_cast<uint32_t>(tickets.size());
    tickets.emplace_back();
  } else {
    slot = free_slots.back();
    free_slots.pop_back();
  }
  Ticket& t = tickets[slot];
  t = Ticket{};
  t.number = ++ticket_counter;
  t.account = a;
  t.priority = static_cast<Priority>(rng.Weighted(std::array<int, 4>{5, 20, 55, 20}));
  t.slow = rng.Percent(accounts[a].unhappy ? 30 : 10);
  ++accounts[a].open_tickets;
  Schedule(slot, AgentDelay(t));
  Draft d{EventType::kTicketOpened, a, {}};
  d.payload.Str("ticket_id", TicketId(t.number)).Str("priority", Name(t.priority));
  d.payload.Str("channel", rng.Of(kChannels)).Str("subject", rng.Of(kSubjects));
  d.payload.Str("category", rng.Of(kCategories));
  return d;
}

int64_t Generator::Impl::AgentDelay(const Ticket& t) {
  // Base delays (seconds, at 30 s/event) sized around typical first-response targets.
  static constexpr std::array<std::array<int64_t, 2>, 4> kRange = {
      {{60, 1800}, {300, 5400}, {900, 14400}, {1800, 28800}}};
  const auto& r = kRange[static_cast<size_t>(t.priority)];
  int64_t s = rng.Between(r[0], r[1]);
  if (t.slow) s *= rng.Between(3, 6);
  return Scaled(s);
}

// One step of a ticket's lifecycle. Every branch draws its randomness before
// building the event, so no two draws share an expression (argument evaluation
// order is unspecified and would make the stream compiler-dependent).
Draft Generator::Impl::TicketStep(uint32_t slot) {
  Ticket& t = tickets[slot];
  ++t.events;
  const int r = static_cast<int>(rng.Below(100));
  const int64_t agent = AgentDelay(t);
  const int64_t talk = Scaled(rng.Between(600, 43200));
  const int64_t pause = Scaled(rng.Between(3600, 172800));
  switch (t.step) {
    case Step::kFirstResponse:
      if (r < 6) return Later(slot, t.step, agent / 2, Reply(t, Author::kAgent, false));
      if (r < 10) return Later(slot, t.step, agent, ChangePriority(t));
      if (r < 12) return Resolve(slot);                              // closed as a duplicate without a reply
      if (r < 20) return Later(slot, t.step, agent / 2, Assign(t));  // routed to a department first
      return Later(slot, Step::kAfterAgent, talk, Reply(t, Author::kAgent, true));
    case Step::kAfterAgent:
      if (t.events > 16 || r >= 65) return Resolve(slot);
      if (r < 40) return Later(slot, Step::kAfterCustomer, agent, Reply(t, Author::kCustomer, true));
      if (r < 57) {
        return Later(slot, Step::kUnpause, pause, Status(t, r < 52 ? TicketStatus::kPending : TicketStatus::kOnHold));
      }
      if (r < 62) return Later(slot, t.step, talk, Reply(t, Author::kAgent, false));
      if (r < 64) return Later(slot, t.step, talk, ChangePriority(t));
      return Later(slot, t.step, talk, Assign(t));  // handed to another department
    case Step::kAfterCustomer:
      if (r < 85) return Later(slot, Step::kAfterAgent, talk, Reply(t, Author::kAgent, true));
      if (r < 95) return Later(slot, t.step, agent / 2, Reply(t, Author::kAgent, false));
      return Later(slot, Step::kUnpause, pause, Status(t, TicketStatus::kOnHold));
    case Step::kUnpause:
      if (r < 75) return Later(slot, Step::kAfterCustomer, agent, Status(t, TicketStatus::kOpen));
      return Resolve(slot);
    case Step::kReopen:
      ++t.reopens;
      return Later(slot, Step::kAfterCustomer, agent, Plain(t, EventType::kTicketReopened));
    case Step::kSurvey: {
      const size_t bucket = accounts[t.account].unhappy ? rng.Weighted(std::array<int, 5>{20, 25, 25, 20, 10})
                                                        : rng.Weighted(std::array<int, 5>{1, 2, 6, 28, 63});
      const int score = 1 + static_cast<int>(bucket);
      const bool nps = rng.Percent(20);
      Draft d = Plain(t, EventType::kSurveyAnswered);
      if (nps) {
        // The same satisfaction on the 0-10 scale: 5 -> 10, 4 -> 8-9, 3 -> 6-7, 2 -> 4-5, 1 -> 0.
        const int nps_score = static_cast<int>(std::min<int64_t>(10, (score - 1) * 2 + 2 + rng.Below(2)));
        d.payload.Str("kind", "nps").Int("score", score == 1 ? 0 : nps_score);
      } else {
        d.payload.Int("score", score);
      }
      if (rng.Percent(30)) d.payload.Str("comment", score >= 4 ? rng.Of(kHappyComments) : rng.Of(kUnhappyComments));
      if (rng.Percent(40)) return Later(slot, Step::kClose, Scaled(rng.Between(86400, 259200)), std::move(d));
      Finish(slot);
      return d;
    }
    case Step::kClose:
      break;
  }
  Draft d = Status(t, TicketStatus::kClosed);
  Finish(slot);
  return d;
}

// Emits ticket.resolved and decides the ticket's epilogue: reopen, survey, close or nothing.
Draft Generator::Impl::Resolve(uint32_t slot) {
  const Ticket& t = tickets[slot];
  Draft d = Plain(t, EventType::kTicketResolved);
  if (t.reopens < 2 && rng.Percent(10))
    return Later(slot, Step::kReopen, Scaled(rng.Between(3600, 259200)), std::move(d));
  if (rng.Percent(50)) return Later(slot, Step::kSurvey, Scaled(rng.Between(600, 86400)), std::move(d));
  if (rng.Percent(40)) return Later(slot, Step::kClose, Scaled(rng.Between(86400, 259200)), std::move(d));
  Finish(slot);
  return d;
}

// Deliberately invalid messages; they do not touch the simulation, so the
// valid stream around them keeps complete lifecycles.
GeneratedMessage Generator::Impl::Malformed() {
  static constexpr std::array<RejectReason, 6> kReasons = {RejectReason::kMalformedJson, RejectReason::kMissingField,
                                                           RejectReason::kUnknownType,   RejectReason::kBadTimestamp,
                                                           RejectReason::kInvalidUtf8,   RejectReason::kInvalidField};
  static constexpr std::array<std::string_view, 4> kSkip = {"account_id", "kind", "occurred_at", "id"};
  GeneratedMessage msg;
  msg.valid = false;
  msg.key = accounts[rng.Below(accounts.size())].id;
  const std::string id = NextEventId();
  const uint64_t variant = malformed_counter / 6;
  const size_t kind = malformed_counter++ % 6;
  msg.expected_reason = kReasons[kind];
  // Each kind breaks exactly one thing in an otherwise valid interaction.logged.
  std::string ts = FormatRfc3339(clock_ms / 1000);
  if (kind == 3) {
    ts = variant % 3 == 0   ? ts.substr(0, 10) + " " + ts.substr(11, 8)   // no `T`, no offset
         : variant % 3 == 1 ? ts.substr(0, 19)                            // no offset
                            : ts.substr(0, 5) + "02-30" + ts.substr(10);  // no such date
  }
  const std::string_view skip = kind == 1 ? kSkip[variant % kSkip.size()] : "";
  Members m;
  if (skip != "id") m.Str("id", id);
  m.Str("type", kind != 2 ? "interaction.logged" : variant % 2 ? "ticket.escalated" : "account.deleted");
  if (skip != "occurred_at") m.Str("occurred_at", ts);
  if (skip != "account_id") m.Str("account_id", msg.key);
  if (skip != "kind") m.Str("kind", kind == 5 && variant % 2 ? "lunch" : "call");
  m.Str("direction", kind == 5 && variant % 2 == 0 ? "sideways" : "inbound");
  if (kind == 4) m.Raw("note", "\"caf\xC3\x28 \xFF\"");
  msg.value = "{" + m.Json() + "}";
  // A strict prefix of an object is never valid JSON.
  if (kind == 0) msg.value.resize(static_cast<size_t>(rng.Between(1, static_cast<int64_t>(msg.value.size()) - 1)));
  if (msg.value.find("\"id\":\"" + id + "\"") != std::string::npos) msg.id = id;
  return msg;
}

Generator::Generator(GeneratorOptions options) : impl_(std::make_unique<Impl>(options)) {}
Generator::~Generator() = default;
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&&) noexcept = default;

GeneratedMessage Generator::Next() { return impl_->Next(); }

int64_t Generator::now() const {
  return impl_->clock_ms >= 0 ? impl_->clock_ms / 1000 : (impl_->clock_ms - 999) / 1000;
}

}  // namespace slamon::events
