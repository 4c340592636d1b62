#include "projections/core/calendar.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <random>

#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using testing::T;

std::shared_ptr<const Calendar> Make(const std::string& tz, std::vector<LocalHours> every_day,
                                     std::vector<int> weekdays = {0, 1, 2, 3, 4, 5, 6},
                                     std::vector<int32_t> holidays = {}) {
  CalendarSpec spec;
  spec.name = "test";
  spec.timezone = tz;
  for (int wd : weekdays) spec.hours[static_cast<size_t>(wd)] = every_day;
  spec.holidays = std::move(holidays);
  auto c = Calendar::Create(std::move(spec));
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.take();
}

constexpr int32_t H(int h, int m = 0) { return h * 3600 + m * 60; }
int32_t Day(const std::string& ymd) { return static_cast<int32_t>(T(ymd + "T00:00:00Z") / 86400); }
std::shared_ptr<const Calendar> NineToFive(const std::string& tz, std::vector<int32_t> holidays = {}) {
  return Make(tz, {{H(9), H(17)}}, {1, 2, 3, 4, 5}, std::move(holidays));
}
std::shared_ptr<const Calendar> CnBusiness() {
  return Make("Asia/Shanghai", {{H(9), H(12)}, {H(13), H(18)}}, {1, 2, 3, 4, 5},
              {Day("2026-10-01"), Day("2026-10-02"), Day("2026-10-05")});
}

TEST(CalendarTest, TwentyFourSevenCountsEverySecond) {
  auto c = Calendar::TwentyFourSeven();
  EXPECT_EQ(c->name(), "24x7");
  EXPECT_EQ(c->BusinessSeconds(100, 4000), 3900);
  EXPECT_EQ(c->BusinessSeconds(4000, 100), 0);
  EXPECT_EQ(c->InstantAfter(100, 3600), 3700);
  EXPECT_EQ(c->InstantAfter(100, 0), 100);
}

TEST(CalendarTest, WholeDaysAcrossDstInNewYork) {
  auto c = Make("America/New_York", {{0, 86400}});
  EXPECT_EQ(c->BusinessSeconds(T("2026-03-08T00:00:00-05:00"), T("2026-03-09T00:00:00-04:00")), 23 * 3600);
  EXPECT_EQ(c->BusinessSeconds(T("2026-11-01T00:00:00-04:00"), T("2026-11-02T00:00:00-05:00")), 25 * 3600);
}

TEST(CalendarTest, WholeDaysAcrossDstInBerlinAndSydney) {
  auto berlin = Make("Europe/Berlin", {{0, 86400}});
  EXPECT_EQ(berlin->BusinessSeconds(T("2026-03-29T00:00:00+01:00"), T("2026-03-30T00:00:00+02:00")), 23 * 3600);
  EXPECT_EQ(berlin->BusinessSeconds(T("2026-10-25T00:00:00+02:00"), T("2026-10-26T00:00:00+01:00")), 25 * 3600);
  auto sydney = Make("Australia/Sydney", {{0, 86400}});
  EXPECT_EQ(sydney->BusinessSeconds(T("2026-04-05T00:00:00+11:00"), T("2026-04-06T00:00:00+10:00")), 25 * 3600);
  EXPECT_EQ(sydney->BusinessSeconds(T("2026-10-04T00:00:00+10:00"), T("2026-10-05T00:00:00+11:00")), 23 * 3600);
}

TEST(CalendarTest, BoundaryInGapMapsToGapEnd) {
  // 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 does not exist.
  auto c = Make("America/New_York", {{H(2, 30), H(4)}}, {0});
  const int64_t day_start = T("2026-03-08T00:00:00-05:00");
  EXPECT_EQ(c->BusinessSeconds(day_start, day_start + 86400), 3600);
  EXPECT_EQ(c->InstantAfter(day_start, 1), T("2026-03-08T03:00:01-04:00"));
  EXPECT_EQ(c->LocalToUtc((T("2026-03-08T02:30:00Z"))), T("2026-03-08T03:00:00-04:00"));
  // Sydney 2026-10-04 02:00 AEST jumps to 03:00 AEDT.
  auto s = Make("Australia/Sydney", {{H(2, 15), H(2, 45)}}, {0});
  EXPECT_EQ(s->BusinessSeconds(T("2026-10-03T12:00:00Z"), T("2026-10-04T12:00:00Z")), 0);  // wholly in the gap
}

TEST(CalendarTest, BoundaryInRepeatedHourMapsToFirstOccurrence) {
  // 2026-11-01 01:00-02:00 happens twice in New York (EDT, then EST).
  auto c = Make("America/New_York", {{H(1, 30), H(3)}}, {0});
  const int64_t from = T("2026-11-01T00:00:00-04:00");
  // From 01:30 EDT (05:30Z) to 03:00 EST (08:00Z).
  EXPECT_EQ(c->BusinessSeconds(from, from + 86400), 2 * 3600 + 1800);
  EXPECT_EQ(c->InstantAfter(from, 1), T("2026-11-01T05:30:01Z"));
  auto b = Make("Europe/Berlin", {{H(2, 30), H(2, 45)}}, {0});  // 2026-10-25 02:00-03:00 repeats
  EXPECT_EQ(b->InstantAfter(T("2026-10-24T12:00:00Z"), 900), T("2026-10-25T02:45:00+02:00"));
}

TEST(CalendarTest, LunchBreakAndNightInShanghai) {
  auto c = CnBusiness();
  EXPECT_EQ(c->BusinessSeconds(T("2026-11-16T08:00:00+08:00"), T("2026-11-16T20:00:00+08:00")), 8 * 3600);
  EXPECT_EQ(c->InstantAfter(T("2026-11-18T11:00:00+08:00"), 4 * 3600), T("2026-11-18T16:00:00+08:00"));
  // Opened at night: counting starts at the next working second.
  EXPECT_EQ(c->InstantAfter(T("2026-11-17T23:00:00+08:00"), 60), T("2026-11-18T09:01:00+08:00"));
  // Opened on a weekend.
  EXPECT_EQ(c->InstantAfter(T("2026-11-21T10:00:00+08:00"), 3600), T("2026-11-23T10:00:00+08:00"));
  EXPECT_EQ(c->BusinessSeconds(T("2026-11-21T10:00:00+08:00"), T("2026-11-22T23:00:00+08:00")), 0);
}

TEST(CalendarTest, HolidaysAreSkipped) {
  auto c = CnBusiness();
  // Opened on a holiday (Thu 10-01): Fri is a holiday, weekend, Mon holiday.
  EXPECT_EQ(c->InstantAfter(T("2026-10-01T10:00:00+08:00"), 1), T("2026-10-06T09:00:01+08:00"));
  EXPECT_EQ(c->BusinessSeconds(T("2026-09-30T00:00:00+08:00"), T("2026-10-07T00:00:00+08:00")), 2 * 8 * 3600);
}

TEST(CalendarTest, DstWeekInNewYorkNineToFive) {
  auto c = NineToFive("America/New_York");
  EXPECT_EQ(c->InstantAfter(T("2026-03-06T16:00:00-05:00"), 4 * 3600), T("2026-03-09T16:00:00Z"));
  EXPECT_EQ(c->InstantAfter(T("2026-10-30T16:00:00-04:00"), 4 * 3600), T("2026-11-02T12:00:00-05:00"));
}

TEST(CalendarTest, ExcludedRanges) {
  auto c = NineToFive("UTC");
  const int64_t mon = T("2026-11-16T00:00:00Z");
  std::vector<TimeRange> paused = {{mon + H(10), mon + H(12)}, {mon + H(14), mon + 86400 + H(10)}};
  EXPECT_EQ(c->BusinessSeconds(mon, mon + 2 * 86400, paused), 16 * 3600 - 2 * 3600 - 3 * 3600 - 3600);
  EXPECT_EQ(c->InstantAfter(mon, 3600, paused), mon + H(10));
  EXPECT_EQ(c->InstantAfter(mon, 3601, paused), mon + H(12) + 1);
  EXPECT_EQ(c->InstantAfter(mon, 4 * 3600, paused), mon + 86400 + H(11));
}

// Business membership of a local wall-clock minute (valid where no interval
// boundary falls into a repeated hour).
bool Working(const date::time_zone* z, const CalendarSpec& spec, int64_t t) {
  auto local = z->to_local(date::sys_seconds{std::chrono::seconds(t)}).time_since_epoch().count();
  const int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const int64_t sec = local - day * 86400;
  if (std::find(spec.holidays.begin(), spec.holidays.end(), day) != spec.holidays.end()) return false;
  for (const LocalHours& h : spec.hours[static_cast<size_t>(((day + 4) % 7 + 7) % 7)]) {
    if (sec >= h.start && sec < h.end) return true;
  }
  return false;
}

struct Case {
  const char* tz;
  std::vector<LocalHours> hours;
};

TEST(CalendarTest, PropertyAgainstPerMinuteMembershipAndInverse) {
  const std::vector<Case> cases = {
      {"America/New_York", {{H(9), H(17)}}}, {"Europe/Berlin", {{H(8), H(12)}, {H(13), H(17, 30)}}},
      {"Australia/Sydney", {{H(7), H(19)}}}, {"Asia/Shanghai", {{H(9), H(12)}, {H(13), H(18)}}},
      {"Europe/Berlin", {{H(4), H(24)}}},
  };
  std::mt19937_64 rng(42);
  const int64_t lo = T("2025-01-01T00:00:00Z"), hi = T("2028-01-01T00:00:00Z");
  for (const Case& k : cases) {
    auto cal = Make(k.tz, k.hours, {1, 2, 3, 4, 5, 6}, {Day("2026-03-30"), Day("2026-10-26")});
    const date::time_zone* z = date::locate_zone(k.tz);
    for (int i = 0; i < 40; ++i) {
      const int64_t from = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo)) / 60 * 60;
      const int64_t to = from + static_cast<int64_t>(rng() % (6 * 86400)) / 60 * 60;
      int64_t expect = 0;
      for (int64_t m = from; m < to; m += 60) expect += Working(z, cal->spec(), m) ? 60 : 0;
      ASSERT_EQ(cal->BusinessSeconds(from, to), expect) << k.tz << " " << from << ".." << to;
    }
  }
  // InstantAfter is the inverse of BusinessSeconds, including calendars whose
  // boundaries fall into DST gaps and repeated hours.
  const std::vector<Case> dst_cases = {
      {"America/New_York", {{H(0), H(2, 30)}, {H(22), H(24)}}},
      {"Europe/Berlin", {{H(0), H(24)}}},
      {"Australia/Sydney", {{H(1, 30), H(2, 30)}, {H(9), H(17)}}},
      {"Asia/Shanghai", {{H(9), H(12)}, {H(13), H(18)}}},
  };
  for (const Case& k : dst_cases) {
    auto cal = Make(k.tz, k.hours, {0, 1, 2, 3, 4, 5}, {Day("2026-03-09")});
    for (int i = 0; i < 2000; ++i) {
      const int64_t from = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
      const int64_t n = static_cast<int64_t>(rng() % (20 * 86400));
      const int64_t t = cal->InstantAfter(from, n);
      ASSERT_GE(t, from);
      ASSERT_EQ(cal->BusinessSeconds(from, t), n) << k.tz << " from " << from << " n " << n;
      if (n > 0) {
        ASSERT_EQ(cal->BusinessSeconds(from, t - 1), n - 1);
      }
      const int64_t to = from + static_cast<int64_t>(rng() % (40 * 86400));
      const int64_t b = cal->BusinessSeconds(from, to);
      ASSERT_LE(cal->InstantAfter(from, b), to);
    }
  }
}

}  // namespace
}  // namespace slamon::projections
