#include "projections/accounts/account_projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/health_test_util.h"

namespace slamon::projections {
namespace {

using events::AccountField;
using health_testing::Events;
using health_testing::kDay;
using health_testing::T;

// An account.updated carrying `fields` (name -> value; contract_value as a number).
events::Event& Update(Events* ev, const std::string& account, int64_t t,
                      const std::vector<std::pair<AccountField, std::string>>& fields) {
  events::Event& e = ev->Add(events::EventType::kAccountUpdated, account, t);
  for (const auto& [f, v] : fields) {
    e.fields |= events::FieldBit(f);
    switch (f) {
      case AccountField::kName:
        e.name = v;
        break;
      case AccountField::kTier:
        e.tier = v;
        break;
      case AccountField::kOwner:
        e.owner = v;
        break;
      case AccountField::kOwnerEmail:
        e.owner_email = v;
        break;
      case AccountField::kTeam:
        e.team = v;
        break;
      case AccountField::kCalendar:
        e.calendar = v;
        break;
      case AccountField::kContractValue:
        e.contract_value = std::stod(v);
        break;
      case AccountField::kRenewalDate:
        e.renewal_date = v;
        break;
    }
  }
  return e;
}

std::optional<int64_t> SetAt(const AccountState& s, AccountField f) { return s.set_at[static_cast<size_t>(f)]; }

TEST(AccountProjectionTest, LatestUpsertAtOrBeforeAsOfInCanonicalOrder) {
  Events ev;
  const int64_t t0 = T("2026-01-10T00:00:00Z");
  ev.Upsert("acme", t0, "B", "li.wei", "2026-12-01").owner_email = "li@example.com";
  ev.Upsert("acme", t0 + kDay, "A", "maria", "2027-01-01").contract_value = 1200.5;
  // Two upserts at the same second: the larger id ("h-4" > "h-3") is later in canonical order.
  ev.Upsert("acme", t0 + 2 * kDay, "C", "first");
  ev.Upsert("acme", t0 + 2 * kDay, "C", "second");
  AccountProjection p;
  ev.ApplyTo(&p);

  EXPECT_EQ(p.At("acme", t0 - 1), std::nullopt);  // nothing at or before as-of
  auto s = p.At("acme", t0);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->known);
  EXPECT_EQ(s->attributes.tier, "B");
  EXPECT_EQ(s->attributes.owner_email, "li@example.com");
  EXPECT_EQ(s->attributes.renewal_date, "2026-12-01");
  s = p.At("acme", t0 + kDay);  // the later upsert replaces the whole set
  EXPECT_EQ(s->attributes.tier, "A");
  EXPECT_EQ(s->attributes.owner_email, "");
  EXPECT_EQ(s->attributes.contract_value, 1200.5);
  EXPECT_EQ(p.At("acme", t0 + 2 * kDay)->attributes.owner, "second");
  EXPECT_FALSE(p.At("acme", t0 + 2 * kDay)->churned);
  EXPECT_EQ(p.AccountIds(t0 + 3 * kDay), std::vector<std::string>{"acme"});
  EXPECT_TRUE(p.AccountIds(t0 - 1).empty());
}

TEST(AccountProjectionTest, ChurnAndWinBack) {
  Events ev;
  const int64_t t0 = T("2026-01-10T00:00:00Z");
  ev.Upsert("acme", t0, "A", "li");
  ev.Churn("acme", t0 + 10 * kDay);
  ev.Upsert("acme", t0 + 20 * kDay, "B", "li");  // won back
  ev.Upsert("beta", t0, "A", "li");
  ev.Churn("beta", t0);                                                 // same second: churned ranks after upserted
  ev.Ticket(events::EventType::kTicketOpened, "gamma", t0 + 5, "T-1");  // never upserted
  AccountProjection p;
  ev.ApplyTo(&p);

  EXPECT_FALSE(p.At("acme", t0 + 10 * kDay - 1)->churned);
  auto s = p.At("acme", t0 + 10 * kDay);
  EXPECT_TRUE(s->churned);
  EXPECT_EQ(s->churned_at, t0 + 10 * kDay);
  EXPECT_EQ(s->attributes.tier, "A");  // attributes of the upsert before the churn
  EXPECT_FALSE(p.At("acme", t0 + 20 * kDay)->churned);
  EXPECT_EQ(p.At("acme", t0 + 20 * kDay)->attributes.tier, "B");
  EXPECT_TRUE(p.At("beta", t0)->churned);

  auto g = p.At("gamma", t0 + 5);
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->known);
  EXPECT_EQ(g->attributes.tier, "unknown");
  EXPECT_EQ(g->attributes.owner, "");
}

TEST(AccountProjectionTest, ArrivalOrderAndDuplicatesDoNotMatter) {
  Events ev;
  const int64_t t0 = T("2026-01-10T00:00:00Z");
  for (int i = 0; i < 30; ++i) {
    const std::string a = "a" + std::to_string(i % 5);
    if (i % 7 == 3) {
      ev.Churn(a, t0 + (i % 4) * kDay);
    } else {
      ev.Upsert(a, t0 + (i % 4) * kDay, std::string(1, static_cast<char>('A' + i % 3)), "o" + std::to_string(i));
    }
  }
  AccountProjection ordered;
  ev.ApplyTo(&ordered);
  std::vector<events::Event> shuffled = ev.list();
  shuffled.insert(shuffled.end(), ev.list().begin(), ev.list().begin() + 10);  // duplicates
  std::mt19937 rng(42);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  AccountProjection other;
  for (const auto& e : shuffled) other.Apply(e);
  for (int d = -1; d < 5; ++d) {
    const int64_t as_of = t0 + d * kDay;
    ASSERT_EQ(ordered.AccountIds(as_of), other.AccountIds(as_of));
    for (const auto& id : ordered.AccountIds(as_of)) EXPECT_EQ(ordered.At(id, as_of), other.At(id, as_of)) << id;
    EXPECT_EQ(ordered.Churn(as_of).churned, other.Churn(as_of).churned);
    EXPECT_EQ(ordered.Churn(as_of).live, other.Churn(as_of).live);
  }
}

// docs/sla-semantics.md "Account attributes": field by field, the latest
// upsert or update (canonical order) that sets the field wins.
TEST(AccountUpdateTest, LatestEventSettingEachFieldWins) {
  Events ev;
  const int64_t t0 = T("2026-01-10T00:00:00Z");
  ev.Upsert("acme", t0, "B", "li.wei", "2026-12-01").owner_email = "li@example.com";
  Update(&ev, "acme", t0 + kDay, {{AccountField::kOwner, "maria"}});
  Update(&ev, "acme", t0 + 3 * kDay, {{AccountField::kTier, "A"}, {AccountField::kContractValue, "1200.5"}});
  ev.Upsert("acme", t0 + 2 * kDay, "C", "chen");  // a late upsert: it clears what it lacks
  AccountProjection p;
  ev.ApplyTo(&p);

  auto s = p.At("acme", t0 + kDay);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->attributes.tier, "B");
  EXPECT_EQ(s->attributes.owner, "maria");
  EXPECT_EQ(s->attributes.owner_email, "li@example.com");  // the update does not carry it
  EXPECT_EQ(s->attributes.renewal_date, "2026-12-01");
  EXPECT_EQ(SetAt(*s, AccountField::kOwner), t0 + kDay);
  EXPECT_EQ(SetAt(*s, AccountField::kTier), t0);

  s = p.At("acme", t0 + 2 * kDay);
  EXPECT_EQ(s->attributes.tier, "C");
  EXPECT_EQ(s->attributes.owner, "chen");  // the upsert is later than the owner update
  EXPECT_EQ(s->attributes.owner_email, "");
  EXPECT_EQ(s->attributes.renewal_date, "");
  EXPECT_EQ(SetAt(*s, AccountField::kRenewalDate), t0 + 2 * kDay);

  s = p.At("acme", t0 + 3 * kDay);
  EXPECT_EQ(s->attributes.tier, "A");
  EXPECT_EQ(s->attributes.owner, "chen");
  EXPECT_EQ(s->attributes.contract_value, 1200.5);
  EXPECT_EQ(SetAt(*s, AccountField::kTier), t0 + 3 * kDay);
  EXPECT_EQ(SetAt(*s, AccountField::kOwner), t0 + 2 * kDay);
  EXPECT_TRUE(s->known);
  EXPECT_FALSE(s->churned);
}

// At the same instant an upsert applies before an update (type rank); two
// updates at the same instant apply in id order, so the larger id wins.
TEST(AccountUpdateTest, SameInstantTiesAreCanonical) {
  Events ev;
  const int64_t t0 = T("2026-01-10T00:00:00Z");
  Update(&ev, "acme", t0, {{AccountField::kOwner, "by-update"}});  // id h-1: smaller than the upsert's
  ev.Upsert("acme", t0, "B", "by-upsert");                         // h-2
  Update(&ev, "beta", t0, {{AccountField::kTeam, "first"}});       // h-3
  Update(&ev, "beta", t0, {{AccountField::kTeam, "second"}});      // h-4 wins
  Update(&ev, "beta", t0, {{AccountField::kTier, "A"}});           // h-5: another field, both kept
  AccountProjection p;
  ev.ApplyTo(&p);
  EXPECT_EQ(p.At("acme", t0)->attributes.owner, "by-update");
  EXPECT_EQ(p.At("acme", t0)->attributes.tier, "B");
  EXPECT_EQ(p.At("beta", t0)->attributes.team, "second");
  EXPECT_EQ(p.At("beta", t0)->attributes.tier, "A");
}

TEST(AccountUpdateTest, CreatesAnUnknownAccountAndClearsWithEmptyStrings) {
  Events ev;
  const int64_t t0 = T("2026-01-10T00:00:00Z");
  Update(&ev, "newco", t0, {{AccountField::kOwner, "ana"}, {AccountField::kTeam, "emea"}});
  Update(&ev, "newco", t0 + kDay, {{AccountField::kTeam, ""}});
  Update(&ev, "newco", t0 + 2 * kDay, {{AccountField::kTier, "A"}});
  AccountProjection p;
  ev.ApplyTo(&p);
  auto s = p.At("newco", t0);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->known);
  EXPECT_EQ(s->attributes.tier, "unknown");  // until a tier arrives
  EXPECT_EQ(SetAt(*s, AccountField::kTier), std::nullopt);
  EXPECT_EQ(s->attributes.owner, "ana");
  EXPECT_EQ(s->attributes.team, "emea");
  EXPECT_EQ(p.At("newco", t0 + kDay)->attributes.team, "");
  EXPECT_EQ(p.At("newco", t0 + 2 * kDay)->attributes.tier, "A");
  EXPECT_EQ(p.At("newco", t0 + 2 * kDay)->attributes.owner, "ana");
}

// An update never changes whether an account is churned; an upsert later
// than the churn wins it back. Accounts known only from updates are live.
TEST(AccountUpdateTest, UpdatesNeitherChurnNorWinBack) {
  const int64_t as_of = T("2026-06-01T00:00:00Z");
  Events ev;
  ev.Upsert("acme", as_of - 100 * kDay, "A", "li");
  ev.Churn("acme", as_of - 50 * kDay);
  Update(&ev, "acme", as_of - 40 * kDay, {{AccountField::kOwner, "maria"}});
  Update(&ev, "acme", as_of - 50 * kDay, {{AccountField::kTier, "B"}});  // same second: before the churn
  Update(&ev, "zen", as_of - 100 * kDay, {{AccountField::kTier, "A"}});  // known from updates only
  ev.Churn("zen", as_of - 10 * kDay);
  AccountProjection p;
  ev.ApplyTo(&p);
  auto s = p.At("acme", as_of);
  EXPECT_TRUE(s->churned);
  EXPECT_EQ(s->churned_at, as_of - 50 * kDay);
  EXPECT_EQ(s->attributes.owner, "maria");  // attributes still follow the update
  EXPECT_EQ(s->attributes.tier, "B");
  EXPECT_TRUE(p.At("zen", as_of)->churned);
  EXPECT_FALSE(p.At("zen", as_of - 11 * kDay)->churned);
  const ChurnCounts c = p.Churn(as_of);
  EXPECT_EQ(c.live, 2);
  EXPECT_EQ(c.churned, 2);
  const ChurnBreakdown d = p.ChurnDetail(as_of);
  EXPECT_EQ(d.by_tier.at("B").churned, 1);  // acme's tier at its churn: the update at the same second
  EXPECT_EQ(d.by_tier.at("A").churned, 1);  // zen

  // A later upsert wins acme back; a later update would not have.
  ev.Upsert("acme", as_of - 5 * kDay, "A", "li");
  AccountProjection q;
  ev.ApplyTo(&q);
  EXPECT_FALSE(q.At("acme", as_of)->churned);
  EXPECT_TRUE(q.At("acme", as_of - 6 * kDay)->churned);
}

TEST(ChurnRateTest, ChurnedBeforeTheWindowIsNotInTheDenominator) {
  const int64_t as_of = T("2026-06-01T00:00:00Z");
  Events ev;
  ev.Upsert("a1", as_of - 400 * kDay, "A", "o");
  ev.Churn("a1", as_of - 380 * kDay);  // churned before the window: excluded
  ev.Upsert("a2", as_of - 400 * kDay, "A", "o");
  ev.Churn("a2", as_of - 100 * kDay);             // churned in the window: numerator and denominator
  ev.Upsert("a3", as_of - 400 * kDay, "A", "o");  // live all along
  ev.Upsert("a4", as_of - 10 * kDay, "A", "o");   // new in the window
  ev.Upsert("a5", as_of - 400 * kDay, "A", "o");
  ev.Churn("a5", as_of - 365 * kDay);     // churned exactly at the window start: at or before it, excluded
  ev.Upsert("a6", as_of + 10, "A", "o");  // after as-of
  ev.Upsert("a7", as_of - 400 * kDay, "A", "o");
  ev.Churn("a7", as_of - 380 * kDay);
  ev.Upsert("a7", as_of - 50 * kDay, "A", "o");  // won back inside the window: live, not churned
  ev.Churn("a8", as_of - 20 * kDay);             // never upserted: ignored
  ev.Upsert("a9", as_of - 400 * kDay, "A", "o");
  ev.Churn("a9", as_of);  // churned at as-of exactly: in the window
  AccountProjection p;
  ev.ApplyTo(&p);
  const ChurnCounts c = p.Churn(as_of);
  EXPECT_EQ(c.live, 5);     // a2, a3, a4, a7, a9
  EXPECT_EQ(c.churned, 2);  // a2, a9
  ASSERT_TRUE(c.Percent());
  EXPECT_DOUBLE_EQ(*c.Percent(), 40);
  // One second later the window starts after a5's churn, so a5 is still churned at its start.
  const ChurnCounts later = p.Churn(as_of + 1);
  EXPECT_EQ(later.live, 5);
  EXPECT_EQ(later.churned, 2);
}

TEST(ChurnRateTest, UndefinedWithoutLiveAccounts) {
  AccountProjection p;
  EXPECT_EQ(p.Churn(T("2026-06-01T00:00:00Z")).Percent(), std::nullopt);
  Events ev;
  ev.Upsert("a1", T("2024-01-01T00:00:00Z"), "A", "o");
  ev.Churn("a1", T("2024-02-01T00:00:00Z"));
  ev.ApplyTo(&p);
  EXPECT_EQ(p.Churn(T("2026-06-01T00:00:00Z")).live, 0);
  EXPECT_EQ(p.Churn(T("2026-06-01T00:00:00Z")).Percent(), std::nullopt);
  EXPECT_EQ(*p.Churn(T("2024-06-01T00:00:00Z")).Percent(), 100);
}

}  // namespace
}  // namespace slamon::projections
