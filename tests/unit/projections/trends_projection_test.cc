// The trends projection (docs/sla-semantics.md "Trends"): ISO weeks in UTC,
// each SLA clock in the week of its verdict under the owner then, answers,
// follow-ups and churns, late events that rewrite past weeks, and the
// property that matters most: the live projection, fed in any order with the
// clock moving, equals a fresh replay advanced to the same instant.
#include "projections/trends/trends_projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "projections/registry.h"
#include "tests/support/health_test_util.h"

namespace slamon::projections {
namespace {

using events::EventType;
using health_testing::Events;
using health_testing::T;

// The generator's accounts name these calendars; the policies do not use them.
constexpr const char* kConfig = R"(
calendars:
  - {name: cn-business, timezone: Asia/Shanghai, hours: {mon: ["09:00-18:00"]}}
  - {name: us-east, timezone: America/New_York, hours: {mon: ["09:00-17:00"]}}
policies:
  - name: all
    calendar: 24x7
    targets: {first_response: 1h, next_response: 2h, resolution: 8h}
)";

ProjectionConfigs Configs(std::map<std::string, int64_t> followup = {{"A", 7 * 86400}}) {
  auto sla = LoadSlaConfigText(kConfig, "test.yaml");
  if (!sla.ok()) throw std::runtime_error(sla.status().message());
  HealthConfig health;
  health.value.followup = std::move(followup);
  return {.sla = std::make_shared<const SlaConfig>(sla.take()),
          .health = std::make_shared<const HealthConfig>(health),
          .live = true};
}

TrendFilter Owner(const std::string& owner) { return {.owner = owner}; }

// The counts of the week holding `t` in a series.
TrendCounts WeekAt(const TrendSeries& s, int64_t t) {
  for (const TrendWeek& w : s.weeks) {
    if (w.week == WeekOf(t)) return w.counts;
  }
  ADD_FAILURE() << "no week " << WeekLabel(WeekOf(t)) << " in the series";
  return {};
}

void AssertSameAsReplay(const ProjectionSet& live, const std::vector<events::Event>& all, int64_t now) {
  ProjectionSet fresh(live.configs());
  for (const auto& e : all) fresh.Apply(e);
  fresh.AdvanceTo(now);
  ASSERT_EQ(live.trends().as_of(), fresh.trends().as_of());
  EXPECT_TRUE(live.trends().Aggregates() == fresh.trends().Aggregates());
}

TEST(TrendWeeksTest, IsoWeeksInUtc) {
  EXPECT_EQ(WeekOf(T("1970-01-05T00:00:00Z")), 0);
  EXPECT_EQ(WeekOf(T("1970-01-04T23:59:59Z")), -1);
  EXPECT_EQ(WeekOf(T("1969-12-29T00:00:00Z")), -1);
  EXPECT_EQ(WeekOf(T("1969-12-28T23:59:59Z")), -2);
  EXPECT_EQ(WeekStart(WeekOf(T("2026-12-02T13:00:00Z"))), T("2026-11-30T00:00:00Z"));
  EXPECT_EQ(WeekStart(WeekOf(T("2026-12-06T23:59:59Z"))), T("2026-11-30T00:00:00Z"));
  EXPECT_EQ(WeekStart(WeekOf(T("2026-12-07T00:00:00Z"))), T("2026-12-07T00:00:00Z"));
  // A Monday-morning instant in Shanghai is still Sunday in UTC: the previous week.
  EXPECT_EQ(WeekOf(T("2026-12-07T07:00:00+08:00")), WeekOf(T("2026-12-06T12:00:00Z")));
  EXPECT_EQ(WeekLabel(WeekOf(T("2026-11-30T00:00:00Z"))), "2026-W49");
  EXPECT_EQ(WeekLabel(WeekOf(T("2027-01-01T12:00:00Z"))), "2026-W53");
  EXPECT_EQ(WeekLabel(WeekOf(T("2020-12-31T12:00:00Z"))), "2020-W53");
  EXPECT_EQ(WeekLabel(WeekOf(T("2021-01-04T00:00:00Z"))), "2021-W01");
  EXPECT_EQ(WeekLabel(WeekOf(T("2019-12-30T00:00:00Z"))), "2020-W01");
  EXPECT_EQ(WeekLabel(WeekOf(T("1970-01-04T00:00:00Z"))), "1970-W01");
}

// Builds the events of the SLA scenario below.
struct SlaScenario {
  Events ev;
  SlaScenario() {
    ev.Upsert("acme", T("2026-11-23T00:00:00Z"), "A", "ann").team = "east";
    // T1: opened Friday of W48, unanswered until Monday: first response and
    // resolution breached in W48, the first response given in W49.
    ev.Ticket(EventType::kTicketOpened, "acme", T("2026-11-27T23:30:00Z"), "T1");
    ev.Reply("acme", T("2026-11-30T00:10:00Z"), "T1", events::Author::kAgent);
    // T2 in W49: answered in 20 min, resolved in 2 h; ann hands over to bob between.
    ev.Ticket(EventType::kTicketOpened, "acme", T("2026-12-01T10:00:00Z"), "T2");
    ev.Reply("acme", T("2026-12-01T10:20:00Z"), "T2", events::Author::kAgent);
    auto& handover = ev.Add(EventType::kAccountUpdated, "acme", T("2026-12-01T11:00:00Z"));
    handover.owner = "bob";
    handover.fields = events::FieldBit(events::AccountField::kOwner);
    ev.Ticket(EventType::kTicketResolved, "acme", T("2026-12-01T12:00:00Z"), "T2");
    // T3: opened and never answered.
    ev.Ticket(EventType::kTicketOpened, "acme", T("2026-12-02T00:00:00Z"), "T3");
  }
};

TEST(TrendsProjectionTest, EachClockCountsInTheWeekOfItsVerdictUnderTheOwnerThen) {
  SlaScenario s;
  ProjectionSet set(Configs());
  s.ev.ApplyTo(&set);
  set.AdvanceTo(T("2026-12-02T00:30:00Z"));
  const TrendsProjection& trends = set.trends();
  const int64_t w48 = T("2026-11-25T00:00:00Z"), w49 = T("2026-12-02T00:00:00Z");

  const TrendSeries ann = trends.Series(Owner("ann"), 12);
  ASSERT_EQ(ann.weeks.size(), 12u);
  EXPECT_TRUE(ann.weeks.back().partial);
  EXPECT_EQ(ann.weeks.back().start, T("2026-11-30T00:00:00Z"));
  EXPECT_EQ(WeekAt(ann, w48)[TrendCount::kFirstResponseBreached], 1);
  EXPECT_EQ(WeekAt(ann, w48)[TrendCount::kResolutionBreached], 1);
  EXPECT_EQ(WeekAt(ann, w48).Breaches(), 2);
  EXPECT_EQ(WeekAt(ann, w49)[TrendCount::kFirstResponseMet], 1);  // T2, answered before the hand-over
  EXPECT_EQ(WeekAt(ann, w49)[TrendCount::kResolutionMet], 0);
  // First-response times in the week they were given: T1 after 48 h 40 min, T2 after 20 min.
  EXPECT_EQ(WeekAt(ann, w49).first_response_seconds, (std::vector<int64_t>{1200, 175200}));
  EXPECT_EQ(WeekAt(ann, w49).MedianFirstResponse(), 1200);
  const TrendSeries bob = trends.Series(Owner("bob"), 12);
  EXPECT_EQ(WeekAt(bob, w49)[TrendCount::kResolutionMet], 1);  // T2, resolved after it
  EXPECT_EQ(WeekAt(bob, w49).PercentMet(kTrendMetricCount), 100.0);
  EXPECT_EQ(WeekAt(bob, w49)[TrendCount::kFirstResponseBreached], 0) << "T3 is still within its hour";

  // The clock passes T3's first-response target: a breach in W49, for bob.
  set.AdvanceTo(T("2026-12-02T01:00:00Z"));
  EXPECT_EQ(WeekAt(trends.Series(Owner("bob"), 12), w49)[TrendCount::kFirstResponseBreached], 1);
  const auto by_team = trends.Totals(TrendDimension::kTeam, {.tier = "A"}, 12);
  ASSERT_EQ(by_team.size(), 1u);
  EXPECT_EQ(by_team.at("east").Breaches(), 3);
  EXPECT_EQ(by_team.at("east").PercentMet(0), 100.0 / 3);
  EXPECT_EQ(trends.Names(TrendDimension::kOwner), (std::set<std::string>{"ann", "bob"}));
  AssertSameAsReplay(set, s.ev.list(), T("2026-12-02T01:00:00Z"));
}

TEST(TrendsProjectionTest, ALateBackdatedHandOverMovesThePastWeeks) {
  SlaScenario s;
  ProjectionSet set(Configs());
  s.ev.ApplyTo(&set);
  const int64_t now = T("2026-12-03T00:00:00Z");
  set.AdvanceTo(now);
  // Learned later: carl owned the account from Sunday of W48 until bob took over.
  auto& late = s.ev.Add(EventType::kAccountUpdated, "acme", T("2026-11-29T00:00:00Z"));
  late.owner = "carl";
  late.fields = events::FieldBit(events::AccountField::kOwner);
  set.Apply(late);
  set.AdvanceTo(now + 1);
  const int64_t w48 = T("2026-11-25T00:00:00Z"), w49 = T("2026-12-02T00:00:00Z");
  const TrendsProjection& trends = set.trends();
  EXPECT_EQ(WeekAt(trends.Series(Owner("ann"), 12), w48).Breaches(), 2) << "breached before carl";
  EXPECT_TRUE(WeekAt(trends.Series(Owner("ann"), 12), w49).empty());
  const TrendCounts carl = WeekAt(trends.Series(Owner("carl"), 12), w49);
  EXPECT_EQ(carl[TrendCount::kFirstResponseMet], 1);
  EXPECT_EQ(carl.first_response_seconds, (std::vector<int64_t>{1200, 175200}));
  AssertSameAsReplay(set, s.ev.list(), now + 1);
}

TEST(TrendsProjectionTest, AnswersCountInTheirWeekAndALateAnswerFillsAPastWeek) {
  Events ev;
  ev.Upsert("acme", T("2026-11-02T00:00:00Z"), "A", "ann");
  ev.Survey("acme", T("2026-11-24T10:00:00Z"), 5);
  ev.Survey("acme", T("2026-11-25T10:00:00Z"), 2);
  for (int score : {10, 3, 8}) {
    ev.Survey("acme", T("2026-12-01T10:00:00Z") + score, score).survey_kind = events::SurveyKind::kNps;
  }
  ProjectionSet set(Configs({}));
  ev.ApplyTo(&set);
  const int64_t now = T("2026-12-02T00:00:00Z");
  set.AdvanceTo(now);
  TrendSeries s = set.trends().Series({.tier = "A"}, 12);
  EXPECT_EQ(WeekAt(s, T("2026-11-24T00:00:00Z")).CsatPercent(), 50.0);
  const TrendCounts w49 = WeekAt(s, now);
  EXPECT_EQ(w49[TrendCount::kNpsAnswers], 3);
  EXPECT_EQ(w49[TrendCount::kNpsPromoters], 1);
  EXPECT_EQ(w49[TrendCount::kNpsDetractors], 1);
  EXPECT_EQ(w49.Nps(), 0.0);
  EXPECT_FALSE(w49.CsatPercent()) << "NPS answers are not CSAT answers";
  // An answer from three weeks ago arrives now; one dated in the future waits for its time.
  ev.Survey("acme", T("2026-11-10T10:00:00Z"), 4);
  ev.Survey("acme", now + 3600, 1);
  set.Apply(ev.list()[ev.list().size() - 2]);
  set.Apply(ev.list().back());
  set.AdvanceTo(now + 60);
  s = set.trends().Series({.tier = "A"}, 12);
  EXPECT_EQ(WeekAt(s, T("2026-11-10T00:00:00Z")).CsatPercent(), 100.0);
  EXPECT_FALSE(WeekAt(s, now).CsatPercent()) << "the future does not exist yet";
  set.AdvanceTo(now + 3600);
  EXPECT_EQ(WeekAt(set.trends().Series({.tier = "A"}, 12), now).CsatPercent(), 0.0);
  AssertSameAsReplay(set, ev.list(), now + 3600);
}

TEST(TrendsProjectionTest, FollowUpsAreOnTimeOrLateOncePerPeriod) {
  Events ev;
  ev.Upsert("acme", T("2026-11-02T09:00:00Z"), "A", "ann");                         // Monday of W45; cadence 7 d
  ev.Interaction("acme", T("2026-11-06T09:00:00Z"), events::Direction::kOutbound);  // on time, W45
  ev.Interaction("acme", T("2026-11-08T09:00:00Z"), events::Direction::kInbound);   // not a follow-up
  ev.Interaction("acme", T("2026-11-16T09:00:00Z"), events::Direction::kOutbound);  // due 11-13: late, W46
  ProjectionSet set(Configs());
  ev.ApplyTo(&set);
  const int64_t due = T("2026-11-23T09:00:00Z");  // the period from 11-16, Monday of W48
  set.AdvanceTo(due);
  auto totals = [&] { return set.trends().Series(Owner("ann"), 12); };
  EXPECT_EQ(WeekAt(totals(), T("2026-11-06T00:00:00Z"))[TrendCount::kFollowupsOnTime], 1);
  EXPECT_EQ(WeekAt(totals(), T("2026-11-13T00:00:00Z"))[TrendCount::kFollowupsLate], 1);
  EXPECT_EQ(WeekAt(totals(), due)[TrendCount::kFollowupsLate], 0) << "due, not overdue yet";
  set.AdvanceTo(due + 1);
  EXPECT_EQ(WeekAt(totals(), due)[TrendCount::kFollowupsLate], 1);
  set.AdvanceTo(due + 30 * 86400);
  EXPECT_EQ(totals().Total()[TrendCount::kFollowupsLate], 2) << "one verdict per period, not one per week";
  EXPECT_EQ(totals().Total().FollowupsOnTimePercent(), 100.0 / 3);
  AssertSameAsReplay(set, ev.list(), due + 30 * 86400);

  // A churned account owes no follow-up: a period falling due after the churn has no verdict.
  Events lost;
  lost.Upsert("gone", T("2026-11-02T09:00:00Z"), "A", "ann");
  lost.Churn("gone", T("2026-11-05T09:00:00Z"));
  ProjectionSet other(Configs());
  lost.ApplyTo(&other);
  other.AdvanceTo(T("2026-11-20T00:00:00Z"));
  const TrendCounts total = other.trends().Series(Owner("ann"), 12).Total();
  EXPECT_EQ(total[TrendCount::kFollowupsLate] + total[TrendCount::kFollowupsOnTime], 0);
  EXPECT_EQ(total[TrendCount::kChurned], 1);
}

TEST(TrendsProjectionTest, AnAccountIsLostOnceUntilItIsWonBack) {
  Events ev;
  ev.Upsert("acme", T("2026-11-02T09:00:00Z"), "B", "ann");
  ev.Churn("acme", T("2026-11-03T09:00:00Z"));
  ev.Churn("acme", T("2026-11-04T09:00:00Z"));               // the same loss, repeated
  ev.Upsert("acme", T("2026-11-10T09:00:00Z"), "A", "bob");  // won back
  ev.Churn("acme", T("2026-11-17T09:00:00Z"));
  ev.Churn("nobody", T("2026-11-17T09:00:00Z"));  // never known: not an account that was lost
  ProjectionSet set(Configs({}));
  ev.ApplyTo(&set);
  set.AdvanceTo(T("2026-11-20T00:00:00Z"));
  const auto by_tier = set.trends().Totals(TrendDimension::kTier, {}, 12);
  EXPECT_EQ(by_tier.at("B")[TrendCount::kChurned], 1);
  EXPECT_EQ(by_tier.at("A")[TrendCount::kChurned], 1);
  EXPECT_EQ(by_tier.count("unknown"), 0u);
}

TEST(TrendsProjectionTest, KeepsFiftyTwoWeeksAndServesAtMostThose) {
  Events ev;
  ev.Upsert("acme", T("2025-01-06T00:00:00Z"), "A", "ann");
  ev.Survey("acme", T("2025-01-07T00:00:00Z"), 5);
  ev.Survey("acme", T("2025-12-30T00:00:00Z"), 5);
  ProjectionSet set(Configs({}));
  ev.ApplyTo(&set);
  set.AdvanceTo(T("2025-01-08T00:00:00Z"));
  EXPECT_EQ(set.trends().Series({}, 52).Total()[TrendCount::kCsatAnswers], 1);
  set.AdvanceTo(T("2026-01-06T00:00:00Z"));  // 52 weeks after 2025-01-07's week: dropped
  const TrendSeries s = set.trends().Series({}, 500);
  ASSERT_EQ(s.weeks.size(), 52u);
  EXPECT_EQ(s.weeks.front().start, T("2025-01-13T00:00:00Z"));
  EXPECT_EQ(s.Total()[TrendCount::kCsatAnswers], 1);
  EXPECT_EQ(set.trends().Series({}, 0).weeks.size(), 1u);
  AssertSameAsReplay(set, ev.list(), T("2026-01-06T00:00:00Z"));
}

// The demo generator's stream over about 70 weeks (owner hand-overs, renewals,
// surveys, touches, churns), applied as a live daemon sees it: in chunks while
// the clock moves on, a fifth of the events late by up to three weeks and a
// few early (future-dated), through a snapshot round trip and a config
// reload on the way.
TEST(TrendsProjectionTest, LiveEqualsAFreshReplayAtTheSameInstant) {
  events::GeneratorOptions options;
  options.accounts = 30;
  options.seed = 24;
  options.start_time = T("2025-06-02T00:00:00Z");
  options.seconds_per_event = 2 * 3600;
  options.lifecycle_scale = 1;
  events::Generator gen(options);
  events::Decoder decoder;
  std::vector<events::Event> all;
  while (all.size() < 6000) {
    auto decoded = decoder.Decode(gen.Next().value);
    if (auto* e = std::get_if<events::Event>(&decoded)) all.push_back(std::move(*e));
  }
  std::mt19937_64 rng(7);
  // When each event reaches the daemon: mostly at its time, some late, a few early.
  std::vector<std::pair<int64_t, size_t>> arrivals;
  for (size_t i = 0; i < all.size(); ++i) {
    int64_t at = all[i].occurred_at;
    const auto roll = rng() % 100;
    if (roll < 20) at += static_cast<int64_t>(rng() % (21 * 86400));
    if (roll >= 97) at -= static_cast<int64_t>(rng() % (2 * 86400));
    arrivals.emplace_back(at, i);
  }
  std::sort(arrivals.begin(), arrivals.end());

  auto set = std::make_unique<ProjectionSet>(Configs({{"A", 14 * 86400}, {"B", 30 * 86400}}));
  size_t next = 0;
  int64_t now = options.start_time;
  int step = 0;
  while (next < arrivals.size()) {
    now += 6 * 3600;
    while (next < arrivals.size() && arrivals[next].first <= now) set->Apply(all[arrivals[next++].second]);
    set->AdvanceTo(now);
    if (++step % 400 == 0) {
      // As a restart from a snapshot, or a reload, would: the state into a new set.
      auto rejudged = set->Rejudged(set->configs());
      ASSERT_TRUE(rejudged.ok()) << rejudged.status().message();
      set = std::move(*rejudged);
      set->AdvanceTo(now);
    }
  }
  now += 7 * 86400;
  set->AdvanceTo(now);
  ASSERT_GT(now - options.start_time, 60 * kWeekSeconds) << "the horizon must have moved";
  const auto live = set->trends().Aggregates();
  const TrendCounts total = set->trends().Series({}, kMaxTrendWeeks).Total();
  EXPECT_GT(total.Breaches(), 0);
  EXPECT_GT(total[TrendCount::kFirstResponseMet], 0);
  EXPECT_GT(total[TrendCount::kCsatAnswers], 0);
  EXPECT_GT(total[TrendCount::kFollowupsOnTime] + total[TrendCount::kFollowupsLate], 0);
  EXPECT_GT(set->trends().Names(TrendDimension::kOwner).size(), 2u);
  AssertSameAsReplay(*set, all, now);
}

TEST(TrendsProjectionTest, StateIsAHeaderAndOutsideLiveModeNothingIsCounted) {
  ProjectionSet set(Configs());
  std::string state;
  set.trends().Aggregates();
  dynamic_cast<RegisteredProjection<TrendsProjection>*>(set.Find("trends"))->get().SaveState(&state);
  EXPECT_EQ(state, std::string("SLTR\x01", 5));
  auto* fresh = set.Find("trends");
  EXPECT_FALSE(fresh->LoadState("SLTR\x01x").ok());
  EXPECT_FALSE(fresh->LoadState("SLTR\x02").ok());

  ProjectionConfigs replay = Configs();
  replay.live = false;
  ProjectionSet offline(replay);
  SlaScenario s;
  s.ev.ApplyTo(&offline);
  offline.AdvanceTo(T("2026-12-03T00:00:00Z"));
  EXPECT_TRUE(offline.trends().Aggregates().empty());
  EXPECT_TRUE(offline.trends().Series({}, 12).weeks.empty());
}

}  // namespace
}  // namespace slamon::projections
