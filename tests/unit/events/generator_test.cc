#include "events/demo/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "events/codec.h"

namespace slamon::events {
namespace {

std::vector<GeneratedMessage> Take(GeneratorOptions options, int n) {
  Generator gen(options);
  std::vector<GeneratedMessage> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(gen.Next());
  return out;
}

bool Same(const GeneratedMessage& a, const GeneratedMessage& b) {
  return a.key == b.key && a.value == b.value && a.id == b.id && a.valid == b.valid && a.duplicate == b.duplicate &&
         a.expected_reason == b.expected_reason;
}

GeneratorOptions Noisy(uint64_t seed = 7) {
  GeneratorOptions o;
  o.seed = seed;
  o.malformed_fraction = 0.05;
  o.duplicate_fraction = 0.03;
  return o;
}

TEST(GeneratorTest, DeterministicForASeed) {
  const auto a = Take(Noisy(3), 10000);
  const auto b = Take(Noisy(3), 10000);
  const auto c = Take(Noisy(4), 10000);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(Same(a[i], b[i])) << i << "\n" << a[i].value << "\n" << b[i].value;
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += !Same(a[i], c[i]);
  EXPECT_GT(differ, 9000);
}

TEST(GeneratorTest, BootstrapUpsertsEveryAccountFirst) {
  GeneratorOptions o;
  o.accounts = 250;
  const auto msgs = Take(o, 250);
  Decoder decoder;
  std::map<std::string, int> tiers;
  std::set<std::string> owners;
  for (int i = 0; i < 250; ++i) {
    auto r = decoder.Decode(msgs[i].value);
    ASSERT_TRUE(std::holds_alternative<Event>(r)) << msgs[i].value;
    const Event& e = std::get<Event>(r);
    EXPECT_EQ(e.type, EventType::kAccountUpserted);
    char want[16];
    std::snprintf(want, sizeof(want), "acct-%04d", i + 1);
    EXPECT_EQ(e.account_id, want);
    EXPECT_FALSE(e.owner_email.empty());
    EXPECT_TRUE(e.contract_value.has_value());
    EXPECT_EQ(e.renewal_date.size(), 10u);
    ++tiers[e.tier];
    owners.insert(e.owner);
  }
  EXPECT_NEAR(tiers["A"], 50, 25);
  EXPECT_NEAR(tiers["B"], 75, 25);
  EXPECT_NEAR(tiers["C"], 125, 30);
  EXPECT_LE(owners.size(), 250u / 8 + 1);
  EXPECT_GT(owners.size(), 15u);
  EXPECT_TRUE(owners.count("li.wei") || owners.count("maria.garcia"));
}

// The core contract: valid messages decode, malformed ones fail with exactly
// the announced reason, duplicates repeat earlier ids, ids are unique.
TEST(GeneratorTest, StreamMatchesDecoder) {
  const auto msgs = Take(Noisy(11), 30000);
  Decoder decoder;
  std::unordered_set<std::string> ids;
  std::map<RejectReason, int> reasons;
  int malformed = 0, duplicates = 0, cloudevents = 0, valid = 0;
  for (const auto& m : msgs) {
    auto r = decoder.Decode(m.value);
    if (!m.valid) {
      ++malformed;
      ASSERT_TRUE(m.expected_reason.has_value());
      const auto* rej = std::get_if<Rejection>(&r);
      ASSERT_NE(rej, nullptr) << m.value;
      EXPECT_EQ(Name(rej->reason), Name(*m.expected_reason)) << m.value << " -> " << rej->detail;
      ++reasons[rej->reason];
      EXPECT_TRUE(m.key.rfind("acct-", 0) == 0);
      if (!m.id.empty()) {
        EXPECT_FALSE(ids.count(m.id)) << m.id;
      }
      continue;
    }
    const auto* rej = std::get_if<Rejection>(&r);
    ASSERT_EQ(rej, nullptr) << m.value << " -> " << Name(rej->reason) << ": " << rej->detail;
    const Event& e = std::get<Event>(r);
    EXPECT_EQ(e.id, m.id);
    EXPECT_EQ(e.account_id, m.key);
    EXPECT_FALSE(m.expected_reason.has_value());
    if (m.duplicate) {
      ++duplicates;
      EXPECT_TRUE(ids.count(m.id)) << "duplicate of an unseen id " << m.id;
    } else {
      ++valid;
      EXPECT_TRUE(ids.insert(m.id).second) << "id reused " << m.id;
      cloudevents += m.value.find("\"specversion\"") != std::string::npos;
    }
  }
  const double n = static_cast<double>(msgs.size() - 100);  // the bootstrap has neither
  EXPECT_NEAR(malformed / n, 0.05, 0.01);
  EXPECT_NEAR(duplicates / n, 0.03, 0.01);
  EXPECT_NEAR(cloudevents / static_cast<double>(valid), 0.10, 0.02);
  EXPECT_EQ(reasons.size(), 6u);  // every kind of malformed message occurs
  for (const auto& [reason, count] : reasons) EXPECT_NEAR(count, malformed / 6.0, 2) << Name(reason);
}

TEST(GeneratorTest, CleanStreamDecodesAndCoversEveryType) {
  const auto msgs = Take(GeneratorOptions{}, 20000);
  Decoder decoder;
  std::map<EventType, int> types;
  std::map<Priority, int> opened_priority;
  int surveys = 0, satisfied = 0, internal_notes = 0, nps_answers = 0, categorised = 0;
  for (const auto& m : msgs) {
    ASSERT_TRUE(m.valid);
    ASSERT_FALSE(m.duplicate);
    auto r = decoder.Decode(m.value);
    ASSERT_TRUE(std::holds_alternative<Event>(r)) << m.value << " -> " << std::get<Rejection>(r).detail;
    const Event& e = std::get<Event>(r);
    ++types[e.type];
    if (e.type == EventType::kTicketOpened) ++opened_priority[e.priority];
    if (e.IsCsatAnswer()) {
      ++surveys;
      satisfied += e.score >= 4;
    }
    nps_answers += e.type == EventType::kSurveyAnswered && !e.IsCsatAnswer();
    categorised += e.type == EventType::kTicketOpened && !e.category.empty();
    internal_notes += e.type == EventType::kTicketReplied && !e.is_public;
  }
  for (int t = 0; t < kEventTypeCount; ++t) {
    EXPECT_GT(types[static_cast<EventType>(t)], 0) << Name(static_cast<EventType>(t));
  }
  EXPECT_GT(internal_notes, 0);
  EXPECT_GT(nps_answers, 0);
  EXPECT_EQ(categorised, types[EventType::kTicketOpened]);
  const double opened = types[EventType::kTicketOpened];
  EXPECT_NEAR(opened_priority[Priority::kUrgent] / opened, 0.05, 0.03);
  EXPECT_NEAR(opened_priority[Priority::kNormal] / opened, 0.55, 0.05);
  ASSERT_GT(surveys, 100);
  EXPECT_NEAR(static_cast<double>(satisfied) / surveys, 0.85, 0.06);
}

// A ticket's events follow its ticket.opened in the stream; occurred_at may
// precede it only by the deliberate jitter.
TEST(GeneratorTest, TicketEventsFollowTheirOpen) {
  GeneratorOptions o = Noisy(5);
  const auto msgs = Take(o, 25000);
  Decoder decoder;
  std::unordered_map<std::string, int64_t> opened_at;
  int64_t previous = 0;
  int out_of_order = 0, checked = 0;
  for (const auto& m : msgs) {
    if (!m.valid || m.duplicate) continue;
    const Event e = std::get<Event>(decoder.Decode(m.value));
    if (e.occurred_at < previous) ++out_of_order;
    previous = std::max(previous, e.occurred_at);
    if (e.type == EventType::kTicketOpened) {
      EXPECT_TRUE(opened_at.emplace(e.ticket_id, e.occurred_at).second) << "ticket opened twice " << e.ticket_id;
      continue;
    }
    if (!e.HasTicket()) continue;
    auto it = opened_at.find(e.ticket_id);
    ASSERT_NE(it, opened_at.end()) << "event before its ticket.opened: " << m.value;
    EXPECT_GE(e.occurred_at, it->second - 200) << m.value;
    ++checked;
  }
  EXPECT_GT(checked, 10000);
  EXPECT_GT(out_of_order, 0);
  EXPECT_LT(out_of_order, static_cast<int>(0.08 * msgs.size()));
}

TEST(GeneratorTest, SimulatedTimeAdvancesAtTheRequestedRate) {
  for (double spe : {30.0, 2.0}) {
    GeneratorOptions o;
    o.seconds_per_event = spe;
    o.start_time = 1800000000;
    Generator gen(o);
    const int n = 100000;
    for (int i = 0; i < n; ++i) gen.Next();
    const double per_event = static_cast<double>(gen.now() - o.start_time) / n;
    EXPECT_NEAR(per_event, spe, spe * 0.25) << "seconds_per_event " << spe;
  }
}

TEST(GeneratorTest, SmallAccountCountStaysBounded) {
  // One account, with automatic and with realistic (far too slow for one
  // account) lifecycles: the per-account open-ticket cap holds the stream together.
  for (double scale : {0.0, 1.0}) {
    GeneratorOptions o;
    o.accounts = 1;
    o.malformed_fraction = 0.01;
    o.lifecycle_scale = scale;
    Generator gen(o);
    Decoder decoder;
    int opened = 0;
    for (int i = 0; i < 50000; ++i) {
      const auto m = gen.Next();
      ASSERT_EQ(m.key, "acct-0001");
      if (!m.valid) continue;
      auto r = decoder.Decode(m.value);
      ASSERT_TRUE(std::holds_alternative<Event>(r)) << m.value;
      opened += std::get<Event>(r).type == EventType::kTicketOpened;
    }
    EXPECT_GT(opened, 50) << "lifecycle_scale " << scale;
  }
}

}  // namespace
}  // namespace slamon::events
