#include "projections/accounts/account_projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/support/health_test_util.h"

namespace slamon::projections {
namespace {

using health_testing::Events;
using health_testing::kDay;
using health_testing::T;

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
  EXPECT_TRUE(s->upserted);
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
  EXPECT_FALSE(g->upserted);
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
