#include "projections/accounts/csat_projection.h"

#include <gtest/gtest.h>

#include "tests/support/health_test_util.h"

namespace slamon::projections {
namespace {

using health_testing::Events;
using health_testing::kDay;
using health_testing::T;

TEST(CsatProjectionTest, UndefinedIsNotZero) {
  const int64_t as_of = T("2026-06-01T00:00:00Z");
  Events ev;
  ev.Survey("unhappy", as_of - kDay, 3);
  ev.Survey("unhappy", as_of - kDay, 1);
  CsatProjection p;
  ev.ApplyTo(&p);
  EXPECT_EQ(p.Percent("silent", as_of, kCsatWindow30d), std::nullopt);
  ASSERT_TRUE(p.Percent("unhappy", as_of, kCsatWindow30d));
  EXPECT_DOUBLE_EQ(*p.Percent("unhappy", as_of, kCsatWindow30d), 0);
}

TEST(CsatProjectionTest, WindowIsOpenAtTheStartClosedAtAsOf) {
  const int64_t as_of = T("2026-06-01T00:00:00Z");
  Events ev;
  ev.Survey("acme", as_of - 30 * kDay, 5);      // exactly 30 d ago: outside the 30 d window, inside 90 d
  ev.Survey("acme", as_of - 30 * kDay + 1, 2);  // inside both
  ev.Survey("acme", as_of, 4);                  // at as-of: inside
  ev.Survey("acme", as_of + 1, 1);              // after as-of: ignored
  ev.Survey("acme", as_of - 90 * kDay, 1);      // exactly 90 d ago: outside 90 d
  ev.Survey("acme", as_of - 90 * kDay + 1, 3);  // inside 90 d
  CsatProjection p;
  ev.ApplyTo(&p);
  EXPECT_EQ(p.Counts("acme", as_of, kCsatWindow30d), (CsatCounts{2, 1}));
  EXPECT_DOUBLE_EQ(*p.Percent("acme", as_of, kCsatWindow30d), 50);
  EXPECT_EQ(p.Counts("acme", as_of, kCsatWindow90d), (CsatCounts{4, 2}));
  // One second later the answer at as_of − 30 d + 1 sits on the open start: out; as_of + 1 is in.
  EXPECT_EQ(p.Counts("acme", as_of + 1, kCsatWindow30d), (CsatCounts{2, 1}));
  EXPECT_EQ(p.answer_count(), 6u);
}

TEST(CsatProjectionTest, SatisfiedMeansScoreAtLeastFour) {
  const int64_t t = T("2026-06-01T00:00:00Z");
  Events ev;
  for (int score = 1; score <= 5; ++score) ev.Survey("acme", t - score, score);
  CsatProjection p;
  ev.ApplyTo(&p);
  EXPECT_EQ(p.Counts("acme", t, kCsatWindow30d), (CsatCounts{5, 2}));
  EXPECT_DOUBLE_EQ(*p.Percent("acme", t, kCsatWindow30d), 40);
}

TEST(CsatProjectionTest, DuplicatesAreIgnored) {
  const int64_t t = T("2026-06-01T00:00:00Z");
  Events ev;
  const events::Event e = ev.Survey("acme", t - 10, 5);
  CsatProjection p;
  p.Apply(e);
  p.Apply(e);
  EXPECT_EQ(p.Counts("acme", t, kCsatWindow30d), (CsatCounts{1, 1}));
}

TEST(CsatProjectionTest, ByTierAndOwnerUseTheAccountAtAsOf) {
  const int64_t as_of = T("2026-06-01T00:00:00Z");
  Events ev;
  ev.Upsert("a1", as_of - 100 * kDay, "B", "li");
  ev.Upsert("a1", as_of - 5 * kDay, "A", "maria");  // moved to tier A / maria before as-of
  ev.Upsert("a1", as_of + kDay, "C", "zoe");        // after as-of: ignored
  ev.Upsert("a2", as_of - 100 * kDay, "A", "li");
  ev.Survey("a1", as_of - 20 * kDay, 5);  // answered while B / li, counted under A / maria
  ev.Survey("a1", as_of - 2 * kDay, 2);
  ev.Survey("a2", as_of - kDay, 4);
  ev.Survey("a3", as_of - kDay, 1);  // never upserted
  ev.Churn("a2", as_of - 1);         // churned accounts' answers still count
  AccountProjection accounts;
  CsatProjection p;
  ev.ApplyTo(&accounts);
  ev.ApplyTo(&p);
  const auto by_tier = p.ByTier(as_of, kCsatWindow30d, accounts);
  ASSERT_EQ(by_tier.size(), 2u);
  EXPECT_EQ(by_tier.at("A"), (CsatCounts{3, 2}));
  EXPECT_EQ(by_tier.at("unknown"), (CsatCounts{1, 0}));
  const auto by_owner = p.ByOwner(as_of, kCsatWindow30d, accounts);
  ASSERT_EQ(by_owner.size(), 3u);
  EXPECT_EQ(by_owner.at("maria"), (CsatCounts{2, 1}));
  EXPECT_EQ(by_owner.at("li"), (CsatCounts{1, 1}));
  EXPECT_EQ(by_owner.at(""), (CsatCounts{1, 0}));
  EXPECT_EQ(p.Total(as_of, kCsatWindow30d), (CsatCounts{4, 2}));
  EXPECT_TRUE(p.ByTier(as_of - 60 * kDay, kCsatWindow30d, accounts).empty());
}

}  // namespace
}  // namespace slamon::projections
