#include "projections/sla/sla_projection.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "projections/accounts/health_projection.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using events::Priority;
using events::TicketStatus;
using testing::Events;
using testing::kDocConfig;
using testing::MustLoad;
using testing::T;

std::vector<SlaRecord> Replay(const std::string& config, std::vector<events::Event>& evs, int64_t as_of) {
  SlaProjection p(MustLoad(config));
  for (const auto& e : evs) p.Apply(e);
  return p.Evaluate(as_of);
}

const SlaRecord* Find(const std::vector<SlaRecord>& rs, const std::string& ticket, Metric m, int cycle = 1) {
  for (const auto& r : rs) {
    if (r.ticket_id == ticket && r.metric == m && r.cycle == cycle) return &r;
  }
  return nullptr;
}

std::string Utc(const std::optional<int64_t>& t) { return t ? FormatUtc(*t) : "null"; }

class WorkedExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    ev_.Upsert("acme", "2026-01-01T00:00:00Z", "A");
    ev_.Upsert("bolt", "2026-01-01T00:00:00Z", "B");
    ev_.Upsert("cart", "2026-01-01T00:00:00Z", "C");
  }
  Events ev_;
  const int64_t as_of_ = T("2026-11-24T00:00:00Z");
};

TEST_F(WorkedExamples, T1FirstResponseMetResolutionBreached) {
  ev_.Opened("T-1", "acme", "2026-11-20T17:30:00+08:00");
  ev_.AgentReply("T-1", "2026-11-23T09:10:00+08:00");
  auto rs = Replay(kDocConfig, ev_.all(), as_of_);
  ASSERT_EQ(rs.size(), 2u);
  const SlaRecord* fr = Find(rs, "T-1", Metric::kFirstResponse);
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->policy, "tier-a");
  EXPECT_EQ(fr->tier, "A");
  EXPECT_EQ(fr->state, InstanceState::kStopped);
  EXPECT_EQ(fr->elapsed_seconds, 2400);
  EXPECT_FALSE(fr->breached);
  EXPECT_EQ(Utc(fr->breach_at), "null");
  EXPECT_EQ(Utc(fr->due_at), "null");
  EXPECT_EQ(Utc(fr->stop), "2026-11-23T01:10:00Z");
  const SlaRecord* res = Find(rs, "T-1", Metric::kResolution);
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->state, InstanceState::kActive);
  EXPECT_EQ(res->elapsed_seconds, 30600);
  EXPECT_TRUE(res->breached);
  EXPECT_EQ(Utc(res->breach_at), "2026-11-23T09:30:00Z");
  EXPECT_EQ(res->level, RiskLevel::kBreached);
  // The documented record, byte for byte (keys in the documented order).
  EXPECT_EQ(ToJsonl(*fr),
            "{\"ticket_id\":\"T-1\",\"account_id\":\"acme\",\"tier\":\"A\",\"priority\":\"high\",\"policy\":\"tier-a\","
            "\"metric\":\"first_response\",\"cycle\":1,\"start\":\"2026-11-20T09:30:00Z\",\"stop\":\"2026-11-23T01:10:"
            "00Z\",\"state\":\"stopped\",\"target_seconds\":3600,\"elapsed_seconds\":2400,\"breached\":false,"
            "\"breach_at\":null,\"due_at\":null,\"group\":null,\"escalation\":null,\"escalated_at\":null}\n");
}

TEST_F(WorkedExamples, T2LunchHourSkipped) {
  ev_.Opened("T-2", "bolt", "2026-11-18T11:00:00+08:00");
  auto rs = Replay(kDocConfig, ev_.all(), as_of_);
  const SlaRecord* fr = Find(rs, "T-2", Metric::kFirstResponse);
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->policy, "tier-b");
  EXPECT_TRUE(fr->breached);
  EXPECT_EQ(Utc(fr->breach_at), "2026-11-18T08:00:00Z");
  EXPECT_EQ(fr->state, InstanceState::kActive);
  EXPECT_EQ(Utc(fr->due_at), "null");
}

TEST_F(WorkedExamples, T3PausedDayDoesNotCount) {
  ev_.Opened("T-3", "acme", "2026-11-16T09:00:00+08:00");
  ev_.AgentReply("T-3", "2026-11-16T09:20:00+08:00");
  ev_.Status("T-3", "2026-11-16T10:00:00+08:00", TicketStatus::kPending);
  ev_.Status("T-3", "2026-11-17T10:00:00+08:00", TicketStatus::kOpen);
  auto rs = Replay(kDocConfig, ev_.all(), as_of_);
  const SlaRecord* res = Find(rs, "T-3", Metric::kResolution);
  ASSERT_NE(res, nullptr);
  EXPECT_TRUE(res->breached);
  EXPECT_EQ(Utc(res->breach_at), "2026-11-17T10:00:00Z");
  const SlaRecord* fr = Find(rs, "T-3", Metric::kFirstResponse);
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->elapsed_seconds, 1200);
}

TEST_F(WorkedExamples, T4DstBeganOnSunday) {
  ev_.Opened("T-4", "cart", "2026-03-06T16:00:00-05:00");
  auto rs = Replay(kDocConfig, ev_.all(), as_of_);
  const SlaRecord* fr = Find(rs, "T-4", Metric::kFirstResponse);
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->policy, "tier-c-us");
  EXPECT_EQ(Utc(fr->breach_at), "2026-03-09T16:00:00Z");
  EXPECT_EQ(Find(rs, "T-4", Metric::kResolution), nullptr);  // no target, no instance
}

// docs/sla-semantics.md states 2026-10-08T04:00:00Z for T-5, but with the listed
// holidays (10-01, 10-02, 10-05) Tue 10-06 and Wed 10-07 are working days and
// the 4 h are reached on Tue 10-06 12:00 +08:00. The documented figure holds
// when the whole Golden Week (10-01..10-07) is a holiday; both are checked.
TEST_F(WorkedExamples, T5HolidaysAndWeekendSkippedWithDocHolidays) {
  ev_.Opened("T-5", "bolt", "2026-09-30T17:00:00+08:00");
  auto rs = Replay(kDocConfig, ev_.all(), as_of_);
  const SlaRecord* fr = Find(rs, "T-5", Metric::kFirstResponse);
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(Utc(fr->breach_at), "2026-10-06T04:00:00Z");
}

TEST_F(WorkedExamples, T5HolidaysAndWeekendSkippedWithGoldenWeek) {
  std::string config = kDocConfig;
  const std::string from = R"(holidays: ["2026-10-01", "2026-10-02", "2026-10-05"])";
  config.replace(config.find(from), from.size(),
                 R"(holidays: ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"])");
  ev_.Opened("T-5", "bolt", "2026-09-30T17:00:00+08:00");
  auto rs = Replay(config, ev_.all(), as_of_);
  const SlaRecord* fr = Find(rs, "T-5", Metric::kFirstResponse);
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(Utc(fr->breach_at), "2026-10-08T04:00:00Z");
}

TEST_F(WorkedExamples, AllTogetherSortedOutput) {
  ev_.Opened("T-5", "bolt", "2026-09-30T17:00:00+08:00");
  ev_.Opened("T-1", "acme", "2026-11-20T17:30:00+08:00");
  ev_.AgentReply("T-1", "2026-11-23T09:10:00+08:00");
  ev_.Opened("T-2", "bolt", "2026-11-18T11:00:00+08:00");
  auto rs = Replay(kDocConfig, ev_.all(), as_of_);
  std::vector<std::string> keys;
  for (const auto& r : rs) keys.push_back(r.ticket_id + "/" + std::string(MetricName(r.metric)));
  EXPECT_EQ(keys, (std::vector<std::string>{"T-1/first_response", "T-1/resolution", "T-2/first_response",
                                            "T-2/resolution", "T-5/first_response", "T-5/resolution"}));
}

// docs/sla-semantics.md "Account attributes", worked example U-1..U-4:
// upserts and partial updates interleaved, one upsert arriving late, an
// upsert and an update at the same instant, an account known only from an
// update. Every arrival order of the account events gives the same result.
class AccountUpdateExample : public ::testing::Test {
 protected:
  using F = events::AccountField;
  events::Event& Update(const std::string& account, const std::string& t, events::AccountFieldSet fields) {
    events::Event& e = ev_.Upsert(account, t, "");  // for its id and time; `fields` decides what it sets
    e.type = events::EventType::kAccountUpdated;
    e.fields = fields;
    e.name.clear();
    e.owner.clear();
    return e;
  }
  void SetUp() override {
    // In the table's order; the arrival order is varied below.
    auto& e1 = ev_.Upsert("acme", "2026-11-02T09:00:00Z", "B", "li.wei");
    e1.team = "apac";
    e1.renewal_date = "2027-03-31";
    Update("acme", "2026-11-09T09:00:00Z", events::FieldBit(F::kOwner)).owner = "maria.garcia";
    Update("acme", "2026-11-16T09:00:00Z", events::FieldBit(F::kTier)).tier = "A";
    ev_.Upsert("acme", "2026-11-12T09:00:00Z", "B", "li.wei");  // no team, no renewal date
    auto& e5 = Update("acme", "2026-11-18T09:00:00Z", events::FieldBit(F::kOwner) | events::FieldBit(F::kRenewalDate));
    e5.owner = "maria.garcia";
    e5.renewal_date = "2027-01-15";
    ev_.Upsert("acme", "2026-11-18T09:00:00Z", "C", "chen.jie").team = "amer";
    Update("newco", "2026-11-10T09:00:00Z", events::FieldBit(F::kOwner)).owner = "ana";
    account_events_ = ev_.all().size();
    ev_.Opened("U-1", "acme", "2026-11-10T02:00:00Z");
    ev_.Opened("U-2", "acme", "2026-11-17T02:00:00Z");
    ev_.Opened("U-3", "acme", "2026-11-19T02:00:00Z");
    ev_.Opened("U-4", "newco", "2026-11-19T02:00:00Z");
  }
  Events ev_;
  size_t account_events_ = 0;
  const int64_t as_of_ = T("2026-11-20T00:00:00Z");
};

TEST_F(AccountUpdateExample, TiersOwnersAndDatesFieldByField) {
  HealthProjection health;
  for (const auto& e : ev_.all()) health.Apply(e);
  struct Row {
    const char* at;
    const char* tier;
    const char* owner;
    const char* team;
    const char* renewal;
  };
  for (const Row& row :
       {Row{"2026-11-10T00:00:00Z", "B", "maria.garcia", "apac", "2027-03-31"},
        Row{"2026-11-13T00:00:00Z", "B", "li.wei", "", ""}, Row{"2026-11-17T00:00:00Z", "A", "li.wei", "", ""},
        Row{"2026-11-20T00:00:00Z", "C", "maria.garcia", "amer", "2027-01-15"}}) {
    auto s = health.accounts().At("acme", T(row.at));
    ASSERT_TRUE(s) << row.at;
    EXPECT_EQ(s->attributes.tier, row.tier) << row.at;
    EXPECT_EQ(s->attributes.owner, row.owner) << row.at;
    EXPECT_EQ(s->attributes.team, row.team) << row.at;
    EXPECT_EQ(s->attributes.renewal_date, row.renewal) << row.at;
  }
  auto newco = health.accounts().At("newco", as_of_);
  EXPECT_EQ(newco->attributes.tier, "unknown");
  EXPECT_EQ(newco->attributes.owner, "ana");

  SlaProjection sla(MustLoad(kDocConfig));
  for (const auto& e : ev_.all()) sla.Apply(e);
  const auto rs = sla.Evaluate(as_of_);
  struct Want {
    const char* ticket;
    const char* tier;
    const char* policy;
    const char* breach_at;
  };
  for (const Want& w :
       {Want{"U-1", "B", "tier-b", "2026-11-10T07:00:00Z"}, Want{"U-2", "A", "tier-a", "2026-11-17T03:00:00Z"},
        Want{"U-3", "C", "tier-c-us", "2026-11-19T18:00:00Z"},
        Want{"U-4", "unknown", "default", "2026-11-19T06:00:00Z"}}) {
    const SlaRecord* fr = Find(rs, w.ticket, Metric::kFirstResponse);
    ASSERT_NE(fr, nullptr) << w.ticket;
    EXPECT_EQ(fr->tier, w.tier) << w.ticket;
    EXPECT_EQ(fr->policy, w.policy) << w.ticket;
    EXPECT_EQ(Utc(fr->breach_at), w.breach_at) << w.ticket;
  }
  EXPECT_EQ(sla.OwnerOf("acme"), "maria.garcia");
  EXPECT_EQ(sla.OwnerOf("newco"), "ana");
  const auto accounts = health.EvaluateAccounts(as_of_, rs);
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].tier, "C");
  EXPECT_EQ(accounts[0].owner, "maria.garcia");
  EXPECT_TRUE(accounts[0].renewal_soon);  // 2027-01-15 is within 90 days of 2026-11-20
  EXPECT_EQ(accounts[1].account_id, "newco");
  EXPECT_EQ(accounts[1].owner, "ana");
}

TEST_F(AccountUpdateExample, EveryArrivalOrderGivesTheSameResult) {
  std::vector<events::Event> evs = ev_.all();
  const auto config = MustLoad(kDocConfig);
  auto render = [&](const std::vector<events::Event>& order) {
    SlaProjection sla(config);
    HealthProjection health;
    for (const auto& e : order) {
      sla.Apply(e);
      health.Apply(e);
    }
    const auto rs = sla.Evaluate(as_of_);
    std::string out = sla.OwnerOf("acme") + "\n";
    for (const auto& r : rs) AppendJsonl(r, &out);
    for (const auto& r : health.EvaluateAccounts(as_of_, rs)) AppendJsonl(r, &out);
    for (const char* at : {"2026-11-10T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-17T00:00:00Z"}) {
      out += health.accounts().At("acme", T(at))->attributes.owner + "\n";
    }
    return out;
  };
  const std::string reference = render(evs);
  // Every permutation of the seven account events, the tickets after them.
  std::sort(evs.begin(), evs.begin() + static_cast<ptrdiff_t>(account_events_),
            [](const events::Event& a, const events::Event& b) { return a.id < b.id; });
  int permutations = 0;
  do {
    ASSERT_EQ(render(evs), reference) << "permutation " << permutations;
    ++permutations;
  } while (std::next_permutation(evs.begin(), evs.begin() + static_cast<ptrdiff_t>(account_events_),
                                 [](const events::Event& a, const events::Event& b) { return a.id < b.id; }));
  EXPECT_EQ(permutations, 5040);
}

}  // namespace
}  // namespace slamon::projections
