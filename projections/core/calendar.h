// Business calendars: an IANA time zone, weekly working intervals in local
// wall-clock time and whole-day holidays (docs/sla-semantics.md "Business elapsed").
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "events/common/status.h"

namespace date {
class time_zone;
}  // namespace date

namespace slamon::projections {

/// A half-open interval [begin, end) of Unix seconds.
struct TimeRange {
  int64_t begin = 0;
  int64_t end = 0;
  bool operator==(const TimeRange&) const = default;
};

/// [start, end) in seconds since local midnight; end may be 86400 ("24:00").
struct LocalHours {
  int32_t start = 0;
  int32_t end = 0;
  bool operator==(const LocalHours&) const = default;
};

/// The working intervals of one local date that replace its weekly hours.
struct DateHours {
  int32_t day = 0;                ///< days since 1970-01-01 of the local date
  std::vector<LocalHours> hours;  ///< sorted, non-overlapping; empty = a day off
  bool operator==(const DateHours&) const = default;
};

/// One local date of a calendar as explain describes it (docs/sla-semantics.md
/// "Explaining a verdict").
struct CalendarDay {
  enum class Kind : uint8_t { kRegular, kHoliday, kOverride };
  int32_t day = 0;  ///< days since 1970-01-01 of the local date
  /// [local midnight, next local midnight) in UTC, each midnight mapped like
  /// an interval boundary (a DST change makes it 23 or 25 hours long).
  TimeRange span;
  Kind kind = Kind::kRegular;
  /// The working ranges of the date in UTC (none on a holiday; an override's
  /// own on an override date).
  std::vector<TimeRange> hours;
  /// The weekly hours of the date's weekday in UTC, whether or not they
  /// apply: on an override date, what the override replaced.
  std::vector<TimeRange> weekly;
};

/// What a calendar is made of, as validated by LoadSlaConfig.
struct CalendarSpec {
  std::string name;
  std::string timezone;  ///< IANA name, e.g. "Asia/Shanghai"
  /// Working intervals per weekday, index 0 = Sunday ... 6 = Saturday; each
  /// list sorted and non-overlapping.
  std::array<std::vector<LocalHours>, 7> hours;
  /// Holidays as days since 1970-01-01 of the local calendar date.
  std::vector<int32_t> holidays;
  /// Per-date replacements of the weekly hours (make-up working days, half
  /// days); sorted by day, at most one per day, never on a holiday.
  std::vector<DateHours> overrides;
};

/// Business-time arithmetic over one calendar.
///
/// Working intervals are built per local date and converted to UTC: a
/// boundary that falls in a DST gap maps to the instant the gap ends, one in a
/// repeated hour to its first occurrence. Holidays remove whole local dates;
/// an override replaces the weekly hours of its local date.
///
/// Per-date intervals are computed lazily in chunks of kChunkDays local dates
/// and cached, so a call costs O(chunks spanned + log intervals per chunk).
/// Instants are clamped to [kMinInstant, kMaxInstant] (years 1900..2399).
///
/// Thread-safety: all methods are const and safe to call concurrently (the
/// cache is filled under std::call_once per chunk).
class Calendar {
 public:
  static constexpr int64_t kMinInstant = -2208988800;  // 1900-01-01T00:00:00Z
  static constexpr int64_t kMaxInstant = 13569465600;  // 2400-01-01T00:00:00Z
  static constexpr int kChunkDays = 128;

  /// Builds a calendar; fails when the time zone is unknown.
  static StatusOr<std::shared_ptr<const Calendar>> Create(CalendarSpec spec);
  /// The built-in `24x7` calendar: every second counts.
  static std::shared_ptr<const Calendar> TwentyFourSeven();

  ~Calendar();
  Calendar(const Calendar&) = delete;
  Calendar& operator=(const Calendar&) = delete;

  const std::string& name() const { return spec_.name; }
  const CalendarSpec& spec() const { return spec_; }
  bool always() const { return always_; }

  /// Working seconds in [from, to); 0 when to <= from.
  int64_t BusinessSeconds(int64_t from, int64_t to) const;
  /// The earliest instant t >= from with BusinessSeconds(from, t) >= n. For
  /// n <= 0 that is `from`; when the calendar has no working time left before
  /// kMaxInstant, kMaxInstant.
  int64_t InstantAfter(int64_t from, int64_t n) const;

  /// The same, not counting seconds inside `excluded` (paused time). The
  /// ranges must be sorted by begin and disjoint.
  int64_t BusinessSeconds(int64_t from, int64_t to, std::span<const TimeRange> excluded) const;
  int64_t InstantAfter(int64_t from, int64_t n, std::span<const TimeRange> excluded) const;

  /// Local wall-clock seconds (since 1970-01-01 00:00 local) to UTC with the
  /// DST rules above. The 24x7 calendar is in UTC.
  int64_t LocalToUtc(int64_t local_seconds) const;
  /// UTC to local wall-clock seconds (a repeated hour shows its wall clock twice).
  int64_t UtcToLocal(int64_t unix_seconds) const;

  /// The working ranges in [from, to): exactly the seconds BusinessSeconds
  /// counts there (the same cached per-date intervals, clamped alike), sorted,
  /// touching ranges joined. Appended to `out`.
  void WorkingRanges(int64_t from, int64_t to, std::vector<TimeRange>* out) const;
  /// The local dates whose span overlaps [from, to), in order, appended to
  /// `out` (explain's labels: holidays, overrides, DST days). O(dates).
  void Days(int64_t from, int64_t to, std::vector<CalendarDay>* out) const;

 private:
  struct Chunk;
  Calendar(CalendarSpec spec, const date::time_zone* zone, bool always);
  const Chunk& GetChunk(int64_t index) const;
  void FillChunk(int64_t index, Chunk* chunk) const;
  int64_t LocalMidnightToUtc(int64_t local_day) const;
  /// The UTC ranges of `hours` on local date `day` (empty ones, wholly in a
  /// DST gap, left out), appended to `out`.
  void DayRanges(int64_t day, const std::vector<LocalHours>& hours, std::vector<TimeRange>* out) const;
  const std::vector<LocalHours>& WeeklyHours(int64_t day) const;
  /// The chunk whose UTC span contains t (t within the clamped range).
  int64_t ChunkIndexOf(int64_t t) const;

  CalendarSpec spec_;
  const date::time_zone* zone_ = nullptr;
  bool always_ = false;
  int64_t chunk_count_ = 0;
  std::unique_ptr<Chunk[]> chunks_;
};

}  // namespace slamon::projections
