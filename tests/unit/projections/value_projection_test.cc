// Key-account value and engagement, on hand-computed accounts: RFM and
// lifetime value, follow-up cadence, NPS, mean CSAT score, churn by tier and
// reason, complaint handling.
#include "projections/accounts/value_projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "projections/accounts/health_projection.h"
#include "tests/support/health_test_util.h"

namespace slamon::projections {
namespace {

using events::EventType;
using health_testing::Events;
using health_testing::kDay;
using health_testing::T;

const int64_t kAsOf = T("2026-06-01T00:00:00Z");

events::Event& Order(Events& ev, const std::string& account, int64_t t, double amount, const std::string& cur = "") {
  auto& e = ev.Add(EventType::kOrderPlaced, account, t);
  e.order_id = "O-" + e.id;
  e.amount = amount;
  e.currency = cur;
  return e;
}

events::Event& Nps(Events& ev, const std::string& account, int64_t t, int score) {
  auto& e = ev.Survey(account, t, score);
  e.survey_kind = events::SurveyKind::kNps;
  return e;
}

AccountRecord One(const Events& ev, const std::string& account, HealthConfig config = {}) {
  HealthProjection h(config);
  ev.ApplyTo(&h);
  auto records = h.EvaluateAccounts(kAsOf, {}, account);
  if (records.size() != 1) throw std::runtime_error("no record " + account);
  return records[0];
}

TEST(RfmScoreTest, ThresholdEdges) {
  const ValueConfig c;  // recency 30/60/120/240, frequency 1/3/6/12, monetary 10k/50k/200k/1M
  EXPECT_EQ(RecencyScore(c, 0), 5);
  EXPECT_EQ(RecencyScore(c, 30), 5);  // "strictly below": 30 is not below 30
  EXPECT_EQ(RecencyScore(c, 30.0001), 4);
  EXPECT_EQ(RecencyScore(c, 60), 4);
  EXPECT_EQ(RecencyScore(c, 120), 3);
  EXPECT_EQ(RecencyScore(c, 240), 2);
  EXPECT_EQ(RecencyScore(c, 240.5), 1);
  EXPECT_EQ(FrequencyScore(c, 0), 1);
  EXPECT_EQ(FrequencyScore(c, 1), 2);  // 1 + #(thresholds <= value)
  EXPECT_EQ(FrequencyScore(c, 2), 2);
  EXPECT_EQ(FrequencyScore(c, 3), 3);
  EXPECT_EQ(FrequencyScore(c, 11), 4);
  EXPECT_EQ(FrequencyScore(c, 12), 5);
  EXPECT_EQ(MonetaryScore(c, 9999.99), 1);
  EXPECT_EQ(MonetaryScore(c, 10000), 2);
  EXPECT_EQ(MonetaryScore(c, 199999), 3);
  EXPECT_EQ(MonetaryScore(c, 1000000), 5);
}

// Orders: 30 d ago exactly (R stays 5), the 365-day window edge excluded from
// F and M but kept in lifetime value, USD listed apart, explicit CNY scored.
TEST(ValueProjectionTest, RfmLifetimeAndCurrencies) {
  Events ev;
  ev.Upsert("acme", kAsOf - 400 * kDay, "A", "li");
  Order(ev, "acme", kAsOf - 365 * kDay, 500000);  // window (as_of − 365 d, as_of]: outside
  Order(ev, "acme", kAsOf - 200 * kDay, 6000, "CNY");
  Order(ev, "acme", kAsOf - 30 * kDay, 4000);
  Order(ev, "acme", kAsOf - 10 * kDay, 999, "USD");
  Order(ev, "acme", kAsOf - 5 * kDay, 1, "USD");
  Order(ev, "acme", kAsOf - 366 * kDay, 7, "USD");
  Order(ev, "acme", kAsOf + kDay, 100000);  // after as-of: ignored
  const ValueRecord v = One(ev, "acme").value;
  EXPECT_DOUBLE_EQ(v.lifetime_value, 510000);
  EXPECT_DOUBLE_EQ(v.value_12m, 10000);
  EXPECT_EQ(v.orders_12m, 2);
  ASSERT_TRUE(v.recency_days.has_value());
  EXPECT_DOUBLE_EQ(*v.recency_days, 30);
  EXPECT_EQ(v.r_score, 5);
  EXPECT_EQ(v.f_score, 2);
  EXPECT_EQ(v.m_score, 2);
  ASSERT_EQ(v.other_currencies.size(), 1u);
  EXPECT_EQ(v.other_currencies[0].currency, "USD");
  EXPECT_DOUBLE_EQ(v.other_currencies[0].lifetime_value, 1007);
  EXPECT_DOUBLE_EQ(v.other_currencies[0].value_12m, 1000);
  EXPECT_EQ(v.other_currencies[0].orders_12m, 2);
}

TEST(ValueProjectionTest, NoOrderMeansNullRecencyAndLowestScores) {
  Events ev;
  ev.Upsert("acme", kAsOf - 10 * kDay, "A", "li");
  Order(ev, "acme", kAsOf - 10 * kDay, 50, "EUR");  // another currency never scores
  const ValueRecord v = One(ev, "acme").value;
  EXPECT_FALSE(v.recency_days.has_value());
  EXPECT_FALSE(v.r_score.has_value());
  EXPECT_EQ(v.f_score, 1);
  EXPECT_EQ(v.m_score, 1);
  EXPECT_DOUBLE_EQ(v.lifetime_value, 0);
  std::string line;
  AppendJsonl(One(ev, "acme"), &line);
  EXPECT_NE(line.find("\"rfm\":{\"recency_days\":null,\"frequency\":0,\"monetary\":0,\"r\":null,\"f\":1,\"m\":1}"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"other_currencies\":{\"EUR\":{\"lifetime_value\":50,\"value_12m\":50,\"orders_12m\":1}}"),
            std::string::npos)
      << line;
}

TEST(ValueProjectionTest, ConfiguredCurrencyScoresOnlyItsOrders) {
  Events ev;
  ev.Upsert("acme", kAsOf - 10 * kDay, "A", "li");
  Order(ev, "acme", kAsOf - 2 * kDay, 70);  // no currency: the configured one (USD here)
  Order(ev, "acme", kAsOf - 1 * kDay, 30, "USD");
  Order(ev, "acme", kAsOf - 1 * kDay, 1000000, "CNY");
  HealthConfig c;
  c.value.currency = "USD";
  c.value.monetary = {50, 100, 150, 200};
  const ValueRecord v = One(ev, "acme", c).value;
  EXPECT_DOUBLE_EQ(v.value_12m, 100);
  EXPECT_EQ(v.m_score, 3);
  EXPECT_DOUBLE_EQ(*v.recency_days, 1);
  ASSERT_EQ(v.other_currencies.size(), 1u);
  EXPECT_EQ(v.other_currencies[0].currency, "CNY");
}

// Tier A (14 d). Without an outbound touch the first upsert is the reference:
// 20 d since → overdue 6 d, engagement 100 × (28 − 20) / 14.
TEST(FollowupTest, FirstUpsertIsTheReferenceWithoutOutboundTouch) {
  Events ev;
  ev.Upsert("acme", kAsOf - 20 * kDay, "A", "li");
  ev.Upsert("acme", kAsOf - 5 * kDay, "A", "li");                         // later upserts do not move it
  ev.Interaction("acme", kAsOf - 1 * kDay, events::Direction::kInbound);  // inbound: not a follow-up
  const AccountRecord r = One(ev, "acme");
  ASSERT_TRUE(r.value.followup_overdue_days.has_value());
  EXPECT_DOUBLE_EQ(*r.value.followup_overdue_days, 6);
  EXPECT_NEAR((*r.signals)[HealthSignal::kEngagement], 100.0 * 8 / 14, 1e-9);
}

TEST(FollowupTest, LatestOutboundTouchIsTheReference) {
  Events ev;
  ev.Upsert("acme", kAsOf - 100 * kDay, "B", "li");  // 30 d cadence
  ev.Interaction("acme", kAsOf - 80 * kDay, events::Direction::kOutbound);
  ev.Interaction("acme", kAsOf - 45 * kDay - kDay / 2, events::Direction::kOutbound).kind =
      events::InteractionKind::kQbr;
  ev.Interaction("acme", kAsOf + kDay, events::Direction::kOutbound);  // after as-of
  AccountRecord r = One(ev, "acme");
  EXPECT_DOUBLE_EQ(*r.value.followup_overdue_days, 15.5);
  EXPECT_NEAR((*r.signals)[HealthSignal::kEngagement], 100.0 * (60 - 45.5) / 30, 1e-9);

  ev.Interaction("acme", kAsOf - 3 * kDay, events::Direction::kOutbound);
  r = One(ev, "acme");
  EXPECT_DOUBLE_EQ(*r.value.followup_overdue_days, 0);
  EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kEngagement], 100);
}

TEST(FollowupTest, TwiceTheCadenceScoresZeroAndNoCadenceIsNull) {
  Events ev;
  ev.Upsert("acme", kAsOf - 28 * kDay, "A", "li");
  ev.Upsert("gold", kAsOf - 300 * kDay, "PLATINUM", "li");  // no cadence for this tier
  ev.Upsert("gone", kAsOf - 300 * kDay, "A", "li");
  ev.Churn("gone", kAsOf - 10 * kDay);
  EXPECT_DOUBLE_EQ((*One(ev, "acme").signals)[HealthSignal::kEngagement], 0);
  EXPECT_DOUBLE_EQ(*One(ev, "acme").value.followup_overdue_days, 14);
  const AccountRecord gold = One(ev, "gold");
  EXPECT_FALSE(gold.value.followup_overdue_days.has_value());
  EXPECT_DOUBLE_EQ((*gold.signals)[HealthSignal::kEngagement], 100);
  EXPECT_FALSE(One(ev, "gone").value.followup_overdue_days.has_value());  // churned
  HealthConfig off;
  off.value.followup.clear();
  EXPECT_FALSE(One(ev, "acme", off).value.followup_overdue_days.has_value());
}

// The engagement signal has weight 0 by default: scores do not move.
TEST(FollowupTest, DefaultWeightsKeepTheHealthScore) {
  Events ev;
  ev.Upsert("acme", kAsOf - 50 * kDay, "A", "li");  // 36 d overdue: engagement 0
  ev.Survey("acme", kAsOf - 20 * kDay, 2);
  HealthConfig no_cadence;
  no_cadence.value.followup.clear();
  const AccountRecord with = One(ev, "acme"), without = One(ev, "acme", no_cadence);
  EXPECT_DOUBLE_EQ((*with.signals)[HealthSignal::kEngagement], 0);
  EXPECT_DOUBLE_EQ((*without.signals)[HealthSignal::kEngagement], 100);
  ASSERT_TRUE(with.health_score.has_value());
  EXPECT_EQ(*with.health_score, *without.health_score);
  // 0.35 × 0 (csat 0 %) + 0.30 × 100 + 0.20 × silence(20 d) + 0.15 × 100
  const double silence = 100.0 * (60 - 20) / 46;
  EXPECT_NEAR(*with.health_score, 0.30 * 100 + 0.20 * silence + 0.15 * 100, 1e-9);
  EXPECT_EQ(with.top_signals, (std::vector<HealthSignal>{HealthSignal::kCsat, HealthSignal::kSilence}));
  HealthConfig only_engagement;
  only_engagement.weights = {0, 0, 0, 0, 1};
  EXPECT_DOUBLE_EQ(*One(ev, "acme", only_engagement).health_score, 0);
}

TEST(NpsTest, NoAnswersIsUndefinedAndScoresCountByBand) {
  Events ev;
  ev.Upsert("acme", kAsOf - 100 * kDay, "A", "li");
  ev.Upsert("brio", kAsOf - 100 * kDay, "A", "wang");
  ev.Survey("brio", kAsOf - kDay, 5);  // csat: not NPS
  for (int s : {10, 9, 8, 7, 6, 0}) Nps(ev, "acme", kAsOf - 10 * kDay, s);
  Nps(ev, "acme", kAsOf - 90 * kDay, 0);  // window start: outside
  Nps(ev, "brio", kAsOf - 3 * kDay, 9);
  const AccountRecord acme = One(ev, "acme"), brio = One(ev, "brio");
  EXPECT_EQ(acme.value.nps_90d, (NpsCounts{6, 2, 2}));
  EXPECT_DOUBLE_EQ(*acme.value.nps_90d.Score(), 0);
  EXPECT_DOUBLE_EQ(*brio.value.nps_90d.Score(), 100);
  EXPECT_FALSE(acme.csat_30d.has_value());  // NPS answers are not CSAT
  EXPECT_FALSE(acme.value.csat_30d.Mean().has_value());
  HealthProjection h;
  ev.ApplyTo(&h);
  auto by_tier = h.value().NpsByTier(kAsOf, kNpsWindowSeconds, h.accounts());
  EXPECT_EQ(by_tier["A"], (NpsCounts{7, 3, 2}));
  EXPECT_NEAR(*by_tier["A"].Score(), 100.0 / 7, 1e-9);
  auto by_owner = h.value().NpsByOwner(kAsOf, kNpsWindowSeconds, h.accounts());
  EXPECT_EQ(by_owner.count("li"), 1u);
  EXPECT_EQ(by_owner["wang"], (NpsCounts{1, 1, 0}));
  Events none;
  none.Upsert("acme", kAsOf - kDay, "A", "li");
  EXPECT_FALSE(One(none, "acme").value.nps_90d.Score().has_value());
  std::string line;
  AppendJsonl(One(none, "acme"), &line);
  EXPECT_NE(line.find("\"nps_90d\":null"), std::string::npos) << line;
}

TEST(NpsTest, MeanCsatScoreNextToPercent) {
  Events ev;
  ev.Upsert("acme", kAsOf - 100 * kDay, "A", "li");
  for (int s : {5, 4, 2}) ev.Survey("acme", kAsOf - 5 * kDay, s);
  ev.Survey("acme", kAsOf - 50 * kDay, 1);
  Nps(ev, "acme", kAsOf - 5 * kDay, 10);
  const AccountRecord r = One(ev, "acme");
  EXPECT_NEAR(*r.csat_30d, 200.0 / 3, 1e-9);
  EXPECT_NEAR(*r.value.csat_30d.Mean(), 11.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(*r.value.csat_90d.Mean(), 3);
}

// x: tier A, churned for a budget reason, won back as tier C: counts as a
// tier-A churn. y: live tier B. z: tier A churn with an unlisted reason.
// w: churned before the window, not live in it.
TEST(ChurnDetailTest, TierAtTheChurnAndReasons) {
  Events ev;
  ev.Upsert("x", kAsOf - 300 * kDay, "B", "li");
  ev.Upsert("x", kAsOf - 200 * kDay, "A", "li");
  ev.Churn("x", kAsOf - 100 * kDay).reason = "budget";
  ev.Upsert("x", kAsOf - 50 * kDay, "C", "li");
  ev.Upsert("y", kAsOf - 300 * kDay, "B", "li");
  ev.Upsert("z", kAsOf - 300 * kDay, "A", "li");
  ev.Churn("z", kAsOf - 10 * kDay).reason = "went bankrupt";
  ev.Upsert("w", kAsOf - 900 * kDay, "A", "li");
  ev.Churn("w", kAsOf - 400 * kDay).reason = "budget";
  HealthProjection h;
  ev.ApplyTo(&h);
  const ChurnBreakdown d = h.ChurnDetail(kAsOf);
  EXPECT_EQ(d.total, h.Churn(kAsOf));
  EXPECT_EQ(d.total, (ChurnCounts{2, 3}));
  EXPECT_EQ(d.by_tier.at("A"), (ChurnCounts{2, 2}));
  EXPECT_EQ(d.by_tier.at("B"), (ChurnCounts{0, 1}));
  EXPECT_EQ(d.by_tier.count("C"), 0u);
  EXPECT_EQ(d.by_reason, (std::map<std::string, int64_t>{{"budget", 1}, {"went bankrupt", 1}}));
  const ValueConfig c;
  EXPECT_EQ(c.ReasonLabel("budget"), "budget");
  EXPECT_EQ(c.ReasonLabel("went bankrupt"), "other");
  EXPECT_EQ(c.ReasonLabel(""), "other");
  EXPECT_EQ(c.ReasonLabels().back(), "other");
}

SlaRecord Resolution(const std::string& ticket, int cycle, int64_t stop, int64_t elapsed, bool stopped = true) {
  SlaRecord r;
  r.ticket_id = ticket;
  r.metric = Metric::kResolution;
  r.cycle = cycle;
  r.state = stopped ? InstanceState::kStopped : InstanceState::kActive;
  if (stopped) r.stop = stop;
  r.elapsed_seconds = elapsed;
  return r;
}

TEST(ComplaintHandlingTest, NearestRankPercentilesPerCategory) {
  Events ev;
  std::vector<SlaRecord> records;
  for (int i = 1; i <= 10; ++i) {
    const std::string id = "C-" + std::to_string(i);
    ev.Ticket(EventType::kTicketOpened, "acme", kAsOf - 50 * kDay, id).category = "complaint";
    records.push_back(Resolution(id, 1, kAsOf - kDay, (11 - i) * 100));  // 1000 … 100, any order
  }
  ev.Ticket(EventType::kTicketOpened, "acme", kAsOf - 50 * kDay, "R-1").category = "refund";  // not listed
  ev.Ticket(EventType::kTicketOpened, "acme", kAsOf - 50 * kDay, "N-1");                      // no category
  records.push_back(Resolution("R-1", 1, kAsOf, 7));
  records.push_back(Resolution("N-1", 1, kAsOf - 2 * kDay, 9));
  records.push_back(Resolution("C-1", 2, kAsOf - kDay, 99999));          // second cycle: not counted
  records.push_back(Resolution("C-2", 1, kAsOf - 90 * kDay, 99999));     // window start: outside
  records.push_back(Resolution("C-3", 1, 0, 99999, /*stopped=*/false));  // still running
  SlaRecord first_response = Resolution("C-4", 1, kAsOf - kDay, 99999);
  first_response.metric = Metric::kFirstResponse;
  records.push_back(first_response);
  ValueProjection v;
  for (const auto& e : ev.list()) v.Apply(e);
  const auto stats = v.ComplaintHandling(records, kAsOf, kComplaintWindowSeconds, ValueConfig{});
  EXPECT_EQ(stats.size(), 6u);  // five listed categories and other, all present
  EXPECT_EQ(stats.at("complaint"), (ResolutionStats{10, 550, 500, 900}));
  EXPECT_EQ(stats.at("other"), (ResolutionStats{2, 8, 7, 9}));
  EXPECT_EQ(stats.at("billing"), ResolutionStats{});
  EXPECT_EQ(NearestRank({5}, 90), 5);
  EXPECT_EQ(NearestRank({1, 2, 3}, 50), 2);
}

// A random mix of every new event type: evaluation, churn detail, complaint
// handling and snapshot state do not depend on arrival order.
TEST(ValuePropertyTest, ArrivalOrderNeverChangesTheResult) {
  std::mt19937 rng(7);
  Events ev;
  const std::vector<std::string> accounts = {"a1", "a2", "a3", "a4", "a5"};
  const std::vector<std::string> tiers = {"A", "B", "C", "D"};
  std::vector<SlaRecord> records;
  for (int i = 0; i < 300; ++i) {
    const std::string& acc = accounts[rng() % accounts.size()];
    const int64_t t = kAsOf - static_cast<int64_t>(rng() % (400 * kDay));
    switch (rng() % 7) {
      case 0:
        ev.Upsert(acc, t, tiers[rng() % tiers.size()], "o" + std::to_string(rng() % 3));
        break;
      case 1:
        ev.Churn(acc, t).reason = rng() % 2 ? "budget" : "x";
        break;
      case 2:
        Order(ev, acc, t, static_cast<double>(rng() % 100000), rng() % 4 == 0 ? "USD" : "");
        break;
      case 3:
        Nps(ev, acc, t, static_cast<int>(rng() % 11));
        break;
      case 4:
        ev.Survey(acc, t, 1 + static_cast<int>(rng() % 5));
        break;
      case 5:
        ev.Interaction(acc, t, rng() % 2 ? events::Direction::kOutbound : events::Direction::kInbound);
        break;
      default: {
        const std::string ticket = "T-" + std::to_string(rng() % 40);
        ev.Ticket(EventType::kTicketOpened, acc, t, ticket).category = rng() % 2 ? "complaint" : "billing";
        records.push_back(Resolution(ticket, 1, t + 3600, static_cast<int64_t>(rng() % 5000)));
      }
    }
  }
  std::vector<events::Event> list = ev.list();
  list.push_back(list[5]);  // a verbatim duplicate
  auto evaluate = [&](const std::vector<events::Event>& in) {
    HealthProjection h;
    for (const auto& e : in) h.Apply(e);
    std::string out;
    for (const auto& r : h.EvaluateAccounts(kAsOf, {})) AppendJsonl(r, &out);
    const auto d = h.ChurnDetail(kAsOf);
    for (const auto& [tier, c] : d.by_tier) out += tier + std::to_string(c.churned) + "/" + std::to_string(c.live);
    for (const auto& [reason, n] : d.by_reason) out += reason + std::to_string(n);
    for (const auto& [cat, s] : h.value().ComplaintHandling(records, kAsOf, kComplaintWindowSeconds, ValueConfig{})) {
      out += cat + std::to_string(s.count) + "/" + std::to_string(s.p90);
    }
    std::string state;
    h.SaveState(&state);
    HealthProjection restored;
    EXPECT_TRUE(restored.LoadState(state).ok());
    std::string again;
    for (const auto& r : restored.EvaluateAccounts(kAsOf, {})) AppendJsonl(r, &again);
    EXPECT_EQ(again, out.substr(0, again.size()));
    return std::make_pair(out, state.size());
  };
  const auto expected = evaluate(list);
  EXPECT_NE(expected.first.find("\"r\":"), std::string::npos);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(list.begin(), list.end(), rng);
    const auto got = evaluate(list);
    EXPECT_EQ(got.first, expected.first) << "round " << round;
  }
}

}  // namespace
}  // namespace slamon::projections
