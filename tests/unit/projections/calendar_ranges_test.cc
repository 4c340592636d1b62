// Calendar::WorkingRanges and Calendar::Days, what explain is built from:
// the ranges are exactly what BusinessSeconds counts, and the dates' own
// hours (built per date, separately) give the same set of seconds, including
// zones whose clocks change at midnight, overrides and holidays.
#include <gtest/gtest.h>

#include <random>

#include "projections/core/calendar.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

using testing::T;

constexpr int32_t H(int h, int m = 0) { return h * 3600 + m * 60; }
int32_t Day(const std::string& ymd) { return static_cast<int32_t>(T(ymd + "T00:00:00Z") / 86400); }

std::shared_ptr<const Calendar> Make(const std::string& tz, std::vector<LocalHours> hours,
                                     std::vector<int32_t> holidays, std::vector<DateHours> overrides) {
  CalendarSpec spec;
  spec.name = "c";
  spec.timezone = tz;
  for (int wd = 1; wd <= 5; ++wd) spec.hours[static_cast<size_t>(wd)] = hours;
  spec.hours[0] = {{H(0), H(0, 30)}, {H(1, 30), H(3)}, {H(23), H(24)}};  // Sundays: around the DST hours
  spec.holidays = std::move(holidays);
  spec.overrides = std::move(overrides);
  auto c = Calendar::Create(std::move(spec));
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.take();
}

TEST(CalendarRanges, RangesAreWhatBusinessSecondsCountsAndWhatTheDatesSay) {
  const std::vector<std::string> zones = {"America/Santiago", "America/Havana",  "America/New_York",
                                          "Europe/London",    "Pacific/Chatham", "Australia/Lord_Howe",
                                          "Asia/Shanghai"};
  std::mt19937_64 rng(7);
  const int64_t lo = T("2026-01-01T00:00:00Z"), hi = T("2027-01-01T00:00:00Z");
  for (const std::string& tz : zones) {
    SCOPED_TRACE(tz);
    auto cal = Make(tz, {{H(0), H(2, 30)}, {H(9), H(12)}, {H(13), H(24)}},
                    {Day("2026-04-05"), Day("2026-09-07"), Day("2026-11-02")},
                    {{Day("2026-03-08"), {{H(0, 15), H(4)}}},  // a Sunday opened (make-up day) over a DST change
                     {Day("2026-09-06"), {}},                  // a closed Sunday
                     {Day("2026-10-07"), {{H(9), H(12)}}}});   // a half day
    for (int i = 0; i < 300; ++i) {
      const int64_t from = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
      const int64_t to = from + static_cast<int64_t>(rng() % (12 * 86400));
      std::vector<TimeRange> ranges;
      cal->WorkingRanges(from, to, &ranges);
      int64_t sum = 0, prev = INT64_MIN;
      for (const TimeRange& r : ranges) {
        ASSERT_LT(prev, r.begin) << "touching or overlapping ranges";
        ASSERT_LT(r.begin, r.end);
        ASSERT_GE(r.begin, from);
        ASSERT_LE(r.end, to);
        sum += r.end - r.begin;
        prev = r.end;
      }
      ASSERT_EQ(sum, cal->BusinessSeconds(from, to));
      // The dates tile [from, to) and their own hours give the same seconds.
      std::vector<CalendarDay> days;
      cal->Days(from, to, &days);
      ASSERT_FALSE(days.empty());
      ASSERT_LE(days.front().span.begin, from);
      ASSERT_GE(days.back().span.end, to);
      std::vector<TimeRange> from_days;
      for (size_t d = 0; d < days.size(); ++d) {
        if (d > 0) {
          ASSERT_EQ(days[d - 1].span.end, days[d].span.begin);
        }
        if (days[d].kind == CalendarDay::Kind::kHoliday) {
          ASSERT_TRUE(days[d].hours.empty());
        }
        if (days[d].kind == CalendarDay::Kind::kRegular) {
          ASSERT_EQ(days[d].hours, days[d].weekly);
        }
        for (const TimeRange& h : days[d].hours) {
          const TimeRange c{std::max(h.begin, from), std::min(h.end, to)};
          if (c.begin >= c.end) continue;
          if (!from_days.empty() && from_days.back().end == c.begin) {
            from_days.back().end = c.end;
          } else {
            from_days.push_back(c);
          }
        }
      }
      ASSERT_EQ(from_days, ranges) << FormatUtc(from) << ".." << FormatUtc(to);
    }
  }
}

TEST(CalendarRanges, DatesOfAZoneThatChangesAtMidnight) {
  // Santiago skips 2026-09-06 00:00-01:00: that date starts at 01:00 and is 23 h long.
  auto cal = Make("America/Santiago", {{H(9), H(17)}}, {}, {});
  std::vector<CalendarDay> days;
  cal->Days(T("2026-09-05T12:00:00-04:00"), T("2026-09-07T12:00:00-03:00"), &days);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[1].day, Day("2026-09-06"));
  EXPECT_EQ(days[1].span.begin, T("2026-09-06T01:00:00-03:00"));
  EXPECT_EQ(days[1].span.end - days[1].span.begin, 23 * 3600);
  EXPECT_EQ(days[2].span.end - days[2].span.begin, 24 * 3600);
  EXPECT_EQ(cal->UtcToLocal(T("2026-09-06T01:00:00-03:00")) % 86400, H(1));
}

}  // namespace
}  // namespace slamon::projections
