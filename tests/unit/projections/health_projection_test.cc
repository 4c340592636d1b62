// EvaluateAccounts on hand-computed accounts (docs/sla-semantics.md "Churn warning").
#include "projections/accounts/health_projection.h"

#include <gtest/gtest.h>

#include "tests/support/health_test_util.h"

namespace slamon::projections {
namespace {

using events::EventType;
using health_testing::Events;
using health_testing::kDay;
using health_testing::T;

const int64_t kAsOf = T("2026-06-01T00:00:00Z");

SlaRecord Sla(const std::string& account, int64_t start, bool stopped, bool breached) {
  SlaRecord r;
  r.ticket_id = "T-" + std::to_string(start);
  r.account_id = account;
  r.start = start;
  r.state = stopped ? InstanceState::kStopped : InstanceState::kActive;
  r.breached = breached;
  return r;
}

HealthConfig Weights(double csat, double sla, double silence, double reopen) {
  HealthConfig c;
  c.weights = {csat, sla, silence, reopen};
  return c;
}

const AccountRecord& Find(const std::vector<AccountRecord>& v, const std::string& id) {
  for (const auto& r : v) {
    if (r.account_id == id) return r;
  }
  throw std::runtime_error("no record " + id);
}

// acme: csat_90d 75 (3 of 4), sla 75 (1 of 4 breached), silence 37 d → 50,
// reopen 1 / 4 → 75. Default weights: 0.35·75 + 0.30·75 + 0.20·50 + 0.15·75 = 70.
TEST(HealthProjectionTest, FullExampleLandsExactlyOnSeventy) {
  Events ev;
  ev.Upsert("acme", kAsOf - 200 * kDay, "A", "li.wei", "2026-08-30");
  ev.Survey("acme", kAsOf - 60 * kDay, 4);
  ev.Survey("acme", kAsOf - 60 * kDay, 5);
  ev.Survey("acme", kAsOf - 50 * kDay, 4);
  ev.Survey("acme", kAsOf - 40 * kDay, 2);
  ev.Ticket(EventType::kTicketOpened, "acme", kAsOf - 45 * kDay, "T-9");
  ev.Reply("acme", kAsOf - 37 * kDay, "T-9", events::Author::kCustomer, false);  // last inbound: internal, counts
  ev.Reply("acme", kAsOf - 2 * kDay, "T-9", events::Author::kAgent);             // agent: not inbound
  ev.Interaction("acme", kAsOf - kDay, events::Direction::kOutbound);            // outbound: not inbound
  for (int i = 0; i < 4; ++i) ev.Ticket(EventType::kTicketResolved, "acme", kAsOf - (30 + i) * kDay, "T-9");
  ev.Ticket(EventType::kTicketReopened, "acme", kAsOf - 20 * kDay, "T-9");
  ev.Ticket(EventType::kTicketReopened, "acme", kAsOf - 90 * kDay, "T-9");  // window start: outside
  ev.Ticket(EventType::kTicketResolved, "acme", kAsOf - 90 * kDay, "T-9");  // outside too
  const std::vector<SlaRecord> sla = {
      Sla("acme", kAsOf - 10 * kDay, true, false),  Sla("acme", kAsOf - 11 * kDay, true, false),
      Sla("acme", kAsOf - 12 * kDay, true, false),  Sla("acme", kAsOf - 13 * kDay, false, true),  // running, breached
      Sla("acme", kAsOf - 14 * kDay, false, false),                                               // running, ok: no
      Sla("acme", kAsOf - 90 * kDay, true, true),                                                 // window start: no
      Sla("other", kAsOf - 10 * kDay, true, true),
  };
  HealthProjection p;
  ev.ApplyTo(&p);
  const auto records = p.EvaluateAccounts(kAsOf, sla);
  ASSERT_EQ(records.size(), 1u);  // "other" has no event
  const AccountRecord& r = records[0];
  EXPECT_EQ(r.account_id, "acme");
  EXPECT_EQ(r.tier, "A");
  EXPECT_EQ(r.owner, "li.wei");
  EXPECT_EQ(r.csat_30d, std::nullopt);
  EXPECT_DOUBLE_EQ(*r.csat_90d, 75);
  ASSERT_TRUE(r.signals);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kCsat], 75);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kSla], 75);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kSilence], 50);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kReopen], 75);
  EXPECT_NEAR(*r.health_score, 70, 1e-9);
  EXPECT_EQ(r.level, HealthLevel::kHealthy);  // the boundary counts as healthy
  // Shortfalls: silence 0.20·50 = 10, csat 8.75, sla 7.5, reopen 3.75.
  EXPECT_EQ(r.top_signals, (std::vector<HealthSignal>{HealthSignal::kSilence, HealthSignal::kCsat}));
  EXPECT_TRUE(r.renewal_soon);  // 2026-08-30 is 90 days after 2026-06-01
  EXPECT_FALSE(r.churned);

  std::string line;
  AppendJsonl(r, &line);
  EXPECT_EQ(line, R"({"account_id":"acme","tier":"A","owner":"li.wei","csat_30d":null,"csat_90d":75,"health_score":70,)"
                  R"("level":"healthy","signals":{"csat":75,"sla":75,"silence":50,"reopen":75,"engagement":100},)"
                  R"("renewal_soon":true,"churned":false,)"
                  R"("lifetime_value":0,"value_12m":0,"other_currencies":{},)"
                  R"("rfm":{"recency_days":null,"frequency":0,"monetary":0,"r":null,"f":1,"m":1},)"
                  R"("nps_90d":null,"csat_mean_30d":null,"csat_mean_90d":3.75,"followup_overdue_days":0})"
                  "\n");
  EXPECT_TRUE(p.EvaluateAccounts(kAsOf + kDay, sla)[0].renewal_soon);   // 89 days
  EXPECT_FALSE(p.EvaluateAccounts(kAsOf - kDay, sla)[0].renewal_soon);  // 91 days
}

// No surveys → csat 75; no activity ever → silence 0; nothing else → 100.
// Weights 2/1/1/0 (sum 4, not 1): (2·75 + 1·100 + 1·0 + 0·100) / 4 = 62.5.
TEST(HealthProjectionTest, WeightsThatDoNotSumToOne) {
  Events ev;
  ev.Upsert("quiet", kAsOf - 100 * kDay, "B", "maria");
  HealthProjection p(Weights(2, 1, 1, 0));
  ev.ApplyTo(&p);
  const auto r = p.EvaluateAccounts(kAsOf, {}).at(0);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kCsat], 75);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kSilence], 0);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kSla], 100);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kReopen], 100);
  EXPECT_DOUBLE_EQ(*r.health_score, 62.5);
  EXPECT_EQ(r.level, HealthLevel::kWatch);
  // Shortfalls: silence 1·100, csat 2·25 = 50; sla and reopen none.
  EXPECT_EQ(r.top_signals, (std::vector<HealthSignal>{HealthSignal::kSilence, HealthSignal::kCsat}));
}

// csat 75 (none), sla 25 (3 of 4 breached), weights 1/1/0/0: (75 + 25) / 2 = 50 exactly → watch.
TEST(HealthProjectionTest, FiftyIsWatchAndJustBelowIsAtRisk) {
  Events ev;
  ev.Upsert("acme", kAsOf - 100 * kDay, "B", "maria");
  HealthProjection p(Weights(1, 1, 0, 0));
  ev.ApplyTo(&p);
  std::vector<SlaRecord> sla;
  for (int i = 0; i < 4; ++i) sla.push_back(Sla("acme", kAsOf - (i + 1) * kDay, true, i < 3));
  auto r = p.EvaluateAccounts(kAsOf, sla).at(0);
  EXPECT_DOUBLE_EQ(*r.health_score, 50);
  EXPECT_EQ(r.level, HealthLevel::kWatch);
  EXPECT_EQ(r.top_signals, (std::vector<HealthSignal>{HealthSignal::kSla, HealthSignal::kCsat}));
  // A fifth breached instance: sla 100·(1 − 4/5) = 20 → (75 + 20) / 2 = 47.5.
  sla.push_back(Sla("acme", kAsOf - 5 * kDay, true, true));
  r = p.EvaluateAccounts(kAsOf, sla).at(0);
  EXPECT_DOUBLE_EQ(*r.health_score, 47.5);
  EXPECT_EQ(r.level, HealthLevel::kAtRisk);
}

TEST(HealthProjectionTest, SilenceExactlyFourteenAndSixtyDays) {
  Events ev;
  ev.Upsert("a14", kAsOf - 100 * kDay, "A", "o");
  ev.Survey("a14", kAsOf - 14 * kDay, 5);
  ev.Upsert("a60", kAsOf - 100 * kDay, "A", "o");
  ev.Interaction("a60", kAsOf - 60 * kDay, events::Direction::kInbound);
  HealthProjection p(Weights(0, 0, 1, 0));
  ev.ApplyTo(&p);
  const auto records = p.EvaluateAccounts(kAsOf, {});
  EXPECT_DOUBLE_EQ(*Find(records, "a14").health_score, 100);
  EXPECT_TRUE(Find(records, "a14").top_signals.empty());
  EXPECT_DOUBLE_EQ(*Find(records, "a60").health_score, 0);
  EXPECT_EQ(Find(records, "a60").level, HealthLevel::kAtRisk);
  EXPECT_EQ(p.LastInbound("a60", kAsOf), kAsOf - 60 * kDay);
  EXPECT_EQ(p.LastInbound("a60", kAsOf - 61 * kDay), std::nullopt);
}

TEST(HealthProjectionTest, ChurnedAccountsHaveNoScore) {
  Events ev;
  ev.Upsert("gone", kAsOf - 100 * kDay, "C", "zoe", "2026-06-10");
  ev.Survey("gone", kAsOf - 5 * kDay, 5);
  ev.Churn("gone", kAsOf - kDay);
  HealthProjection p;
  ev.ApplyTo(&p);
  const auto r = p.EvaluateAccounts(kAsOf, {}).at(0);
  EXPECT_TRUE(r.churned);
  EXPECT_EQ(r.level, HealthLevel::kChurned);
  EXPECT_EQ(r.health_score, std::nullopt);
  EXPECT_EQ(r.signals, std::nullopt);
  EXPECT_TRUE(r.top_signals.empty());
  EXPECT_FALSE(r.renewal_soon);
  EXPECT_DOUBLE_EQ(*r.csat_30d, 100);  // its answers are still reported
  std::string line;
  AppendJsonl(r, &line);
  EXPECT_NE(line.find(R"("health_score":null,"level":"churned","signals":null)"), std::string::npos) << line;
  // Before the churn it was scored.
  EXPECT_TRUE(p.EvaluateAccounts(kAsOf - 2 * kDay, {}).at(0).health_score);
}

TEST(HealthProjectionTest, AccountFilterAndUnknownTier) {
  Events ev;
  ev.Ticket(EventType::kTicketOpened, "newco", kAsOf - kDay, "T-1");  // never upserted
  ev.Upsert("acme", kAsOf - kDay, "A", "o");
  HealthProjection p;
  ev.ApplyTo(&p);
  const auto all = p.EvaluateAccounts(kAsOf, {});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].account_id, "acme");  // sorted by account_id
  const auto one = p.EvaluateAccounts(kAsOf, {}, "newco");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], all[1]);
  EXPECT_EQ(one[0].tier, "unknown");
  EXPECT_EQ(one[0].owner, "");
  EXPECT_DOUBLE_EQ((*one[0].signals)[HealthSignal::kSilence], 100);  // ticket.opened is inbound
  EXPECT_TRUE(p.EvaluateAccounts(kAsOf, {}, "nobody").empty());
  EXPECT_TRUE(p.EvaluateAccounts(kAsOf - 2 * kDay, {}).empty());
}

TEST(HealthProjectionTest, ReopensWithoutResolvesClampToZero) {
  Events ev;
  ev.Upsert("acme", kAsOf - 100 * kDay, "A", "o");
  ev.Ticket(EventType::kTicketResolved, "acme", kAsOf - 95 * kDay, "T-1");  // before the window
  ev.Ticket(EventType::kTicketReopened, "acme", kAsOf - 85 * kDay, "T-1");
  HealthProjection p(Weights(0, 0, 0, 1));
  ev.ApplyTo(&p);
  EXPECT_DOUBLE_EQ(*p.EvaluateAccounts(kAsOf, {}).at(0).health_score, 0);
  EXPECT_DOUBLE_EQ(*p.EvaluateAccounts(kAsOf - 6 * kDay, {}).at(0).health_score, 0);  // 1 reopen, 1 resolve
  EXPECT_DOUBLE_EQ(*p.EvaluateAccounts(kAsOf - 86 * kDay, {}).at(0).health_score, 100);
}

}  // namespace
}  // namespace slamon::projections
