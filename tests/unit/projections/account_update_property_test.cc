// account.upserted and account.updated interleaved: any arrival order gives
// the same account attributes, SLA records, health records and live counters,
// and those equal a naive per-field fold over the events in canonical order.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "projections/accounts/health_projection.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/sla_event_gen.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using events::AccountField;
using events::EventType;

// Tier, team and account-calendar policies, so that every field the SLA uses matters.
std::string Config() {
  std::string c = testing::kDocConfig;
  const std::string anchor = "  - name: tier-a\n";
  c.replace(c.find(anchor), anchor.size(), R"(  - name: tier-d-east
    match: {tier: [D], team: [east]}
    calendar: 24x7
    use_account_calendar: true
    targets: {first_response: 30m, resolution: 1d}
  - name: tier-a
)");
  return c;
}

// Account upserts, updates (random non-empty field sets; the values of the
// fields an update does not carry are set too, and must be ignored) and a few
// churns, many of them sharing a second, on top of the generated tickets.
void AddAccountChanges(const testing::GenOptions& o, uint64_t seed, std::vector<events::Event>* out) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  static const char* kTiers[] = {"A", "B", "C", "D"};
  static const char* kTeams[] = {"east", "west", ""};
  static const char* kCalendars[] = {"cn-business", "us-east", "nowhere", ""};
  static const char* kDates[] = {"2026-12-01", "2027-03-31", ""};
  for (int a = 0; a < o.accounts; ++a) {
    const std::string account = "acct-" + std::to_string(a);
    const int64_t shared = o.begin + uniform(-5 * 86400, o.span);  // a second several changes share
    const int n = static_cast<int>(uniform(0, 8));
    for (int k = 0; k < n; ++k) {
      events::Event e;
      e.id = "u-" + std::to_string(a) + "-" + std::to_string(uniform(0, 99)) + "-" + std::to_string(k);
      e.account_id = account;
      e.occurred_at = uniform(0, 2) == 0 ? shared : o.begin + uniform(-5 * 86400, o.span);
      const int64_t kind = uniform(0, 9);
      e.type = kind < 3   ? EventType::kAccountUpserted
               : kind < 9 ? EventType::kAccountUpdated
                          : EventType::kAccountChurned;
      if (e.type == EventType::kAccountUpdated) e.fields = static_cast<events::AccountFieldSet>(uniform(1, 255));
      e.name = account + "-" + std::to_string(k);
      e.tier = kTiers[uniform(0, 3)];
      e.owner = "owner-" + std::to_string(uniform(0, 5));
      e.owner_email = e.owner + "@x.io";
      e.team = kTeams[uniform(0, 2)];
      e.calendar = kCalendars[uniform(0, 3)];
      if (uniform(0, 1) == 0) e.contract_value = static_cast<double>(uniform(1, 9)) * 1000;
      e.renewal_date = kDates[uniform(0, 2)];
      e.reason = "budget";
      out->push_back(std::move(e));
    }
  }
}

// The reference: the account's events in canonical order, each field taken
// from the last one at or before as_of that sets it; an upsert or churn
// decides churned (an update does not).
AccountState NaiveAt(const std::vector<events::Event>& sorted, const std::string& account, int64_t as_of) {
  AccountState s;
  s.account_id = account;
  for (const events::Event& e : sorted) {
    if (e.account_id != account || e.occurred_at > as_of) continue;
    if (e.type == EventType::kAccountChurned) {
      s.churned = true;
      s.churned_at = e.occurred_at;
    }
    const events::AccountFieldSet fields = events::AccountFieldsOf(e);
    if (fields == 0) continue;
    s.known = true;
    if (e.type == EventType::kAccountUpserted) {
      s.churned = false;
      s.churned_at.reset();
    }
    auto set = [&](AccountField f, auto member, const auto& value) {
      if (!events::Has(fields, f)) return;
      s.attributes.*member = value;
      s.set_at[static_cast<size_t>(f)] = e.occurred_at;
    };
    set(AccountField::kName, &AccountAttributes::name, e.name);
    set(AccountField::kTier, &AccountAttributes::tier, e.tier);
    set(AccountField::kOwner, &AccountAttributes::owner, e.owner);
    set(AccountField::kOwnerEmail, &AccountAttributes::owner_email, e.owner_email);
    set(AccountField::kTeam, &AccountAttributes::team, e.team);
    set(AccountField::kCalendar, &AccountAttributes::calendar, e.calendar);
    set(AccountField::kContractValue, &AccountAttributes::contract_value, e.contract_value);
    set(AccountField::kRenewalDate, &AccountAttributes::renewal_date, e.renewal_date);
  }
  return s;
}

std::string Describe(const AccountState& s) {
  std::string out = s.account_id + " known=" + std::to_string(s.known) + " churned=" + std::to_string(s.churned);
  const AccountAttributes& a = s.attributes;
  for (const std::string* f : {&a.name, &a.tier, &a.owner, &a.owner_email, &a.team, &a.calendar, &a.renewal_date}) {
    out += " [" + *f + "]";
  }
  out += a.contract_value ? " " + std::to_string(*a.contract_value) : " -";
  for (const auto& t : s.set_at) out += t ? " " + std::to_string(*t) : " -";
  return out + "\n";
}

struct Projections {
  explicit Projections(std::shared_ptr<const SlaConfig> config, bool live = false)
      : sla(std::move(config), {.live = live}) {}
  SlaProjection sla;
  HealthProjection health;
  void Apply(const events::Event& e) {
    sla.Apply(e);
    health.Apply(e);
  }
};

// Everything the projections answer, as text.
std::string Outputs(const Projections& p, const std::vector<int64_t>& as_ofs, int accounts) {
  std::string out;
  for (int64_t as_of : as_ofs) {
    const auto records = p.sla.Evaluate(as_of);
    for (const auto& r : records) AppendJsonl(r, &out);
    for (const auto& r : p.health.EvaluateAccounts(as_of, records)) AppendJsonl(r, &out);
    for (int a = 0; a < accounts; ++a) {
      if (auto s = p.health.accounts().At("acct-" + std::to_string(a), as_of)) out += Describe(*s);
    }
    out += FormatDecimal(p.health.Churn(as_of).Percent().value_or(-1)) + "\n";
  }
  for (int a = 0; a < accounts; ++a) out += p.sla.OwnerOf("acct-" + std::to_string(a)) + "\n";
  return out;
}

testing::GenOptions Options() {
  testing::GenOptions o;
  o.tickets = 1500;
  o.accounts = 40;
  o.extensions = true;
  o.seed = 9;
  return o;
}

TEST(AccountUpdatePropertyTest, AnyArrivalOrderGivesTheSameState) {
  const auto config = testing::MustLoad(Config());
  const testing::GenOptions opts = Options();
  auto events = testing::GenerateEvents(opts);
  AddAccountChanges(opts, 17, &events);
  const std::vector<int64_t> as_ofs = {opts.begin, opts.begin + opts.span / 3, opts.begin + opts.span + 86400};
  std::string reference;
  std::mt19937_64 rng(23);
  for (int round = 0; round < 6; ++round) {
    if (round == 1) {
      std::sort(events.begin(), events.end(), events::CanonicalLess);
    } else if (round == 2) {
      std::reverse(events.begin(), events.end());
    } else if (round > 2) {
      std::shuffle(events.begin(), events.end(), rng);
    }
    Projections p(config);
    for (const auto& e : events) p.Apply(e);
    if (round == 4) {
      for (size_t i = 0; i < events.size(); i += 5) p.Apply(events[i]);  // re-delivered duplicates
    }
    std::string out = Outputs(p, as_ofs, opts.accounts);
    if (round == 0) {
      reference = std::move(out);
      EXPECT_GT(reference.size(), 10000u);
      continue;
    }
    ASSERT_EQ(out, reference) << "round " << round;
    if (round == 5) {
      // Per-field times and update entries survive a snapshot of the state.
      std::string sla_state, health_state;
      p.sla.SaveState(&sla_state);
      p.health.SaveState(&health_state);
      Projections restored(config);
      ASSERT_TRUE(restored.sla.LoadState(sla_state).ok());
      ASSERT_TRUE(restored.health.LoadState(health_state).ok());
      EXPECT_EQ(Outputs(restored, as_ofs, opts.accounts), reference);
    }
  }
}

// The account attributes equal the naive fold, and every ticket's SLA records
// carry the tier its account had at the open.
TEST(AccountUpdatePropertyTest, AttributesEqualANaiveFold) {
  const auto config = testing::MustLoad(Config());
  const testing::GenOptions opts = Options();
  auto events = testing::GenerateEvents(opts);
  AddAccountChanges(opts, 29, &events);
  std::mt19937_64 rng(31);
  std::shuffle(events.begin(), events.end(), rng);
  Projections p(config);
  for (const auto& e : events) p.Apply(e);
  std::sort(events.begin(), events.end(), events::CanonicalLess);

  int updates_that_matter = 0;
  for (int64_t as_of = opts.begin - 6 * 86400; as_of <= opts.begin + opts.span; as_of += 86400 / 2) {
    for (int a = 0; a < opts.accounts; ++a) {
      const std::string id = "acct-" + std::to_string(a);
      auto got = p.health.accounts().At(id, as_of);
      if (!got) continue;
      AccountState want = NaiveAt(events, id, as_of);
      want.first_seen = got->first_seen;
      ASSERT_EQ(Describe(*got), Describe(want)) << "as of " << as_of;
      ASSERT_EQ(*got, want);
      const auto& tier_at = got->set_at[static_cast<size_t>(AccountField::kTier)];
      updates_that_matter += tier_at.has_value() && *tier_at != got->set_at[0].value_or(-1);
    }
  }
  EXPECT_GT(updates_that_matter, 100);  // tiers set by an update, not by the upsert that set the name

  const auto records = p.sla.Evaluate(opts.begin + opts.span);
  int checked = 0;
  for (const SlaRecord& r : records) {
    if (r.metric != Metric::kFirstResponse) continue;
    const AccountState at_open = NaiveAt(events, r.account_id, r.start);
    ASSERT_EQ(r.tier, at_open.attributes.tier) << r.ticket_id;
    ++checked;
  }
  EXPECT_GT(checked, 500);
}

// Live counters (per owner, tier and policy) follow updates as they arrive,
// equal to a recomputation at every step.
TEST(AccountUpdatePropertyTest, LiveCountersFollowUpdates) {
  const auto config = testing::MustLoad(Config());
  const testing::GenOptions opts = Options();
  auto events = testing::GenerateEvents(opts);
  AddAccountChanges(opts, 37, &events);
  std::mt19937_64 rng(41);
  std::shuffle(events.begin(), events.end(), rng);
  SlaProjection live(config, {.live = true});
  int64_t now = opts.begin - 86400;
  const size_t step = events.size() / 20;
  for (size_t i = 0; i < events.size(); ++i) {
    live.Apply(events[i]);
    if (i % step != step - 1 && i + 1 != events.size()) continue;
    now += static_cast<int64_t>(rng() % (2 * 86400));
    live.AdvanceTo(now);
    SlaSnapshot expect = AggregateRecords(live.Evaluate(now), now, live.histogram_bounds(),
                                          [&](const std::string& a) { return live.OwnerOf(a); });
    expect.unknown_calendars = live.unknown_calendar_count();
    ASSERT_EQ(live.Snapshot(), expect) << "at " << now;
  }
  EXPECT_GT(live.unknown_calendar_count(), 0u);
  EXPECT_FALSE(live.Snapshot().open_by_owner.empty());
}

}  // namespace
}  // namespace slamon::projections
