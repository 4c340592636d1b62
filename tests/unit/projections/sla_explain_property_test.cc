// Explain on random histories and random awkward calendars (DST zones, zones
// that change at midnight, holidays, overrides that close, shorten or open a
// day): for every instance the counted intervals sum to the verdict's
// elapsed time, counted and not-counted tile [start, end) exactly, the
// labels follow their definitions, and the records are replay's.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "projections/sla/sla_explain.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/sla_event_gen.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

constexpr int64_t kDay = 86400;
const char* const kZones[] = {
    "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Shanghai", "America/Santiago",
    "Pacific/Chatham",  "Europe/London", "Asia/Kolkata",     "UTC",           "America/Havana"};
const char* const kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

class Random {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}
  int64_t Uniform(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

 private:
  std::mt19937_64 rng_;
};

std::string Clock(int64_t minutes) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return buf;
}

// Up to three disjoint intervals on half hours, some around the usual DST hours.
std::string Intervals(Random& r) {
  if (r.Chance(10)) return "[\"00:00-24:00\"]";
  std::set<int64_t> cuts;
  const int n = static_cast<int>(r.Uniform(1, 3));
  while (cuts.size() < static_cast<size_t>(2 * n)) {
    cuts.insert(r.Chance(30) ? r.Uniform(0, 8) * 30 : r.Uniform(0, 48) * 30);  // 0:00..4:00 often: DST hours
  }
  std::vector<int64_t> v(cuts.begin(), cuts.end());
  std::string out = "[";
  for (size_t i = 0; i + 1 < v.size(); i += 2) {
    out += (i ? ", \"" : "\"") + Clock(v[i]) + "-" + Clock(v[i + 1]) + "\"";
  }
  return out + "]";
}

std::string Date(int64_t day) { return FormatUtc(day * kDay).substr(0, 10); }

std::string Calendar(Random& r, const std::string& name, int64_t first_day, int64_t days) {
  std::string c =
      "  - name: " + name + "\n    timezone: " + kZones[r.Uniform(0, std::size(kZones) - 1)] + "\n    hours: {";
  bool any = false;
  for (const char* wd : kWeekdays) {
    if (r.Chance(25)) continue;
    c += std::string(any ? ", " : "") + wd + ": " + Intervals(r);
    any = true;
  }
  c += "}\n";
  std::set<int64_t> holidays, overrides;
  for (int i = r.Uniform(0, 6); i > 0; --i) holidays.insert(first_day + r.Uniform(0, days));
  for (int i = r.Uniform(0, 6); i > 0; --i) {
    const int64_t d = first_day + r.Uniform(0, days);
    if (!holidays.count(d)) overrides.insert(d);
  }
  if (!holidays.empty()) {
    c += "    holidays: [";
    for (int64_t d : holidays) c += (d == *holidays.begin() ? "\"" : ", \"") + Date(d) + "\"";
    c += "]\n";
  }
  if (!overrides.empty()) {
    c += "    overrides: {";
    for (int64_t d : overrides) {
      c += (d == *overrides.begin() ? "\"" : ", \"") + Date(d) + "\": " + (r.Chance(30) ? "[]" : Intervals(r));
    }
    c += "}\n";
  }
  return c;
}

std::string Targets(Random& r) {
  return "{first_response: " + std::to_string(r.Uniform(1, 12) * 15) +
         "m, next_response: " + std::to_string(r.Uniform(1, 8)) + "h, resolution: " + std::to_string(r.Uniform(2, 40)) +
         "h}";
}

std::string Pauses(Random& r) {
  std::string out;
  const char* statuses[] = {"pending", "on_hold", "solved"};
  const char* metrics[] = {"resolution", "next_response", "first_response", "assignment"};
  out += "    pause_on: [";
  for (int i = 0, n = 0; i < 3; ++i) {
    if (r.Chance(60)) out += std::string(n++ ? ", " : "") + statuses[i];
  }
  out += "]\n    pause_metrics: [";
  for (int i = 0, n = 0; i < 4; ++i) {
    if (r.Chance(65)) out += std::string(n++ ? ", " : "") + metrics[i];
  }
  return out + "]\n";
}

// Three calendars under the names the event generator gives accounts, and
// policies that match on tier, priority, channel and team.
std::string RandomConfig(Random& r, int64_t first_day, int64_t days) {
  const char* cal_names[] = {"cn-business", "us-east", "night", "24x7"};
  std::string c = "calendars:\n";
  for (int i = 0; i < 3; ++i) c += Calendar(r, cal_names[i], first_day, days);
  auto cal = [&] { return std::string(cal_names[r.Uniform(0, 3)]); };
  auto account_cal = [&] { return std::string(r.Chance(50) ? "true" : "false"); };
  c += "policies:\n";
  c += "  - name: phone\n    match: {tier: [A, D], channel: [phone], team: [east]}\n    calendar: " + cal() +
       "\n    use_account_calendar: " + account_cal() + "\n    targets: " + Targets(r) + "\n" + Pauses(r) +
       "    escalation: [{name: lead, after: 0}, {name: head, after: 3h}]\n";
  c += "  - name: urgent\n    match: {priority: [urgent]}\n    calendar: " + cal() + "\n    targets: " + Targets(r) +
       "\n" + Pauses(r);
  c += "  - name: ab\n    match: {tier: [A, B]}\n    calendar: " + cal() +
       "\n    use_account_calendar: " + account_cal() + "\n    targets: " + Targets(r) + "\n" + Pauses(r) +
       "    escalation: [{name: lead, after: 1h}, {name: head, after: 1d}]\n"
       "    group_targets: {tech: 3h, after_sales: 90m, sales: 2h}\n";
  c += "  - name: rest\n    match: {priority: [high, normal]}\n    calendar: " + cal() +
       "\n    targets: " + Targets(r) + "\n" + Pauses(r);
  return c;
}

int64_t LocalDay(const projections::Calendar& cal, int64_t t) {
  const int64_t local = cal.UtcToLocal(t);
  return local / kDay - ((local % kDay != 0) && local < 0);
}

// The ticket's status history as the docs define it: from its first open on,
// each change to a different status, events after as_of ignored.
std::vector<detail::StatusChange> StatusesOf(const std::vector<events::Event>& all, const std::string& ticket,
                                             int64_t as_of) {
  std::vector<events::Event> mine;
  for (const auto& e : all) {
    if (e.ticket_id == ticket && e.occurred_at <= as_of) mine.push_back(e);
  }
  std::sort(mine.begin(), mine.end(), events::CanonicalLess);
  std::vector<detail::StatusChange> out;
  for (const auto& e : mine) {
    if (out.empty()) {
      if (e.type == events::EventType::kTicketOpened) out.push_back({e.occurred_at, events::TicketStatus::kOpen});
      continue;
    }
    if (e.type == events::EventType::kTicketStatusChanged && out.back().status != e.status) {
      out.push_back({e.occurred_at, e.status});
    }
  }
  return out;
}

struct Coverage {
  std::map<std::string, int> seen;
};

void CheckInstance(const SlaExplanation& e, const SlaConfig& config, const std::vector<detail::StatusChange>& statuses,
                   Coverage* cov) {
  const SlaRecord& r = e.record;
  SCOPED_TRACE(r.ticket_id + " " + std::string(MetricName(r.metric)) + " #" + std::to_string(r.cycle));
  int64_t sum = 0, prev_end = INT64_MIN;
  for (const TimeRange& c : e.counted) {
    ASSERT_LT(c.begin, c.end);
    ASSERT_LT(prev_end, c.begin) << "counted intervals touch or overlap";
    prev_end = c.end;
    sum += c.end - c.begin;
  }
  EXPECT_EQ(sum, r.elapsed_seconds);
  // counted ∪ not_counted = [start, end), without overlap.
  std::vector<std::pair<TimeRange, int>> all;
  for (const TimeRange& c : e.counted) all.push_back({c, -1});
  for (const Gap& g : e.not_counted) all.push_back({g.range, static_cast<int>(g.why)});
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first.begin < b.first.begin; });
  int64_t at = r.start;
  for (const auto& [range, why] : all) {
    ASSERT_EQ(range.begin, at) << "a hole or an overlap at " << FormatUtc(at);
    ASSERT_LT(range.begin, range.end);
    at = range.end;
  }
  EXPECT_EQ(at, e.end);
  for (size_t i = 1; i < e.not_counted.size(); ++i) {
    const Gap& a = e.not_counted[i - 1];
    const Gap& b = e.not_counted[i];
    EXPECT_FALSE(a.range.end == b.range.begin && a.why == b.why && a.status == b.status) << "not joined";
  }
  // Each label's definition, at the gap's first and last second.
  const SlaPolicy* policy = nullptr;
  for (const SlaPolicy& p : config.policies) {
    if (p.name == r.policy) policy = &p;
  }
  ASSERT_NE(policy, nullptr);
  const auto& spec = e.calendar->spec();
  for (const Gap& g : e.not_counted) {
    cov->seen[std::string(GapReasonName(g.why))]++;
    for (const int64_t t : {g.range.begin, g.range.end - 1}) {
      auto it = std::upper_bound(statuses.begin(), statuses.end(), t,
                                 [](int64_t v, const detail::StatusChange& s) { return v < s.t; });
      const events::TicketStatus status = std::prev(it)->status;
      const bool paused = policy->Pauses(r.metric, status);
      const int64_t day = LocalDay(*e.calendar, t);
      const bool holiday = std::binary_search(spec.holidays.begin(), spec.holidays.end(), day);
      const bool overridden =
          std::any_of(spec.overrides.begin(), spec.overrides.end(), [day](const DateHours& o) { return o.day == day; });
      switch (g.why) {
        case GapReason::kPaused:
          EXPECT_TRUE(paused);
          EXPECT_EQ(g.status, status);
          break;
        case GapReason::kHoliday:
          EXPECT_FALSE(paused);
          EXPECT_TRUE(holiday) << FormatUtc(t);
          break;
        case GapReason::kOverride:
          EXPECT_FALSE(paused || holiday);
          EXPECT_TRUE(overridden) << FormatUtc(t);
          break;
        case GapReason::kOutsideHours:
          EXPECT_FALSE(paused || holiday) << FormatUtc(t);
          break;
      }
    }
  }
  for (const SpecialDay& d : e.special_days) cov->seen[std::string(SpecialDayKindName(d.kind))]++;
  if (!e.policy_match.reselections.empty()) cov->seen["reselection"]++;
  if (e.breach) cov->seen["breach"]++;
  const std::string text = ExplainText(e);
  EXPECT_FALSE(text.empty());
  std::string line;
  AppendExplainJsonl(e, &line);
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST(SlaExplainPropertyTest, CountedSumsToElapsedOnRandomCalendarsAndHistories) {
  const int64_t kBegins[] = {testing::T("2026-03-01T00:00:00Z"), testing::T("2026-03-25T00:00:00Z"),
                             testing::T("2026-09-01T00:00:00Z"), testing::T("2026-10-20T00:00:00Z")};
  Coverage cov;
  int instances = 0;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Random r(seed);
    testing::GenOptions o;
    o.begin = kBegins[seed % 4];
    o.span = 20 * kDay;
    o.tickets = 120;
    o.accounts = 20;
    o.extensions = true;
    o.seed = seed;
    const std::string yaml = RandomConfig(r, o.begin / kDay - 3, 35);
    auto loaded = LoadSlaConfigText(yaml, "random.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.status().message() << "\n" << yaml;
    auto config = std::make_shared<const SlaConfig>(loaded.take());
    SlaProjection p(config);
    const std::vector<events::Event> generated = testing::GenerateEvents(o);
    for (const auto& e : generated) p.Apply(e);
    const int64_t as_of = o.begin + o.span + r.Uniform(0, 12 * kDay);
    const std::vector<SlaRecord> records = p.Evaluate(as_of);
    std::map<std::string, std::vector<SlaRecord>> by_ticket;
    for (const SlaRecord& rec : records) by_ticket[rec.ticket_id].push_back(rec);
    for (const auto& [ticket, recs] : by_ticket) {
      auto explained = p.Explain(ticket, as_of);
      ASSERT_TRUE(explained.ok()) << explained.status().message() << "\n" << yaml;
      ASSERT_EQ(explained->instances.size(), recs.size());
      const std::vector<detail::StatusChange> statuses = StatusesOf(generated, ticket, as_of);
      for (size_t i = 0; i < recs.size(); ++i) {
        const SlaExplanation& e = explained->instances[i];
        EXPECT_EQ(e.record, recs[i]);
        CheckInstance(e, *config, statuses, &cov);
        ++instances;
      }
    }
  }
  EXPECT_GT(instances, 1000);
  for (const char* want : {"outside_hours", "holiday", "override", "paused", "make_up_workday", "closed",
                           "special_hours", "clock_change", "reselection", "breach"}) {
    EXPECT_GT(cov.seen[want], 0) << want;
  }
}

}  // namespace
}  // namespace slamon::projections
