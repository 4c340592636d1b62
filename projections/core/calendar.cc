#include "projections/core/calendar.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace slamon::projections {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kMinDay = Calendar::kMinInstant / kDay;  // 1900-01-01
constexpr int64_t kMaxDay = Calendar::kMaxInstant / kDay;  // 2400-01-01
// Local offsets stay well below one day, so instants this far inside the
// range always fall on a local date that has a chunk.
constexpr int64_t kLowClamp = Calendar::kMinInstant + 2 * kDay;
constexpr int64_t kHighClamp = Calendar::kMaxInstant - 2 * kDay;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t Clamp(int64_t t) { return std::clamp(t, kLowClamp, kHighClamp); }

}  // namespace

struct Calendar::Chunk {
  std::once_flag once;
  int64_t begin = 0;              // UTC instant of local midnight of the chunk's first date
  int64_t end = 0;                // ... of the next chunk's first date
  std::vector<TimeRange> ranges;  // sorted, disjoint, merged when touching
  std::vector<int64_t> prefix;    // prefix[i] = working seconds in ranges[0, i)
  int64_t Total() const { return prefix.back(); }
  /// Working seconds in [begin, t) for t in [begin, end].
  int64_t Cum(int64_t t) const {
    auto it =
        std::upper_bound(ranges.begin(), ranges.end(), t, [](int64_t v, const TimeRange& r) { return v < r.begin; });
    if (it == ranges.begin()) return 0;
    size_t i = static_cast<size_t>(it - ranges.begin()) - 1;
    return prefix[i] + std::min(t, ranges[i].end) - ranges[i].begin;
  }
};

Calendar::Calendar(CalendarSpec spec, const date::time_zone* zone, bool always)
    : spec_(std::move(spec)), zone_(zone), always_(always) {
  std::sort(spec_.holidays.begin(), spec_.holidays.end());
  std::sort(spec_.overrides.begin(), spec_.overrides.end(),
            [](const DateHours& a, const DateHours& b) { return a.day < b.day; });
  if (!always_) {
    chunk_count_ = (kMaxDay - kMinDay + kChunkDays - 1) / kChunkDays;
    chunks_ = std::make_unique<Chunk[]>(static_cast<size_t>(chunk_count_));
  }
}

Calendar::~Calendar() = default;

StatusOr<std::shared_ptr<const Calendar>> Calendar::Create(CalendarSpec spec) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(spec.timezone);
  } catch (const std::exception& e) {
    return Status::Invalid("unknown timezone '" + spec.timezone + "'");
  }
  return std::shared_ptr<const Calendar>(new Calendar(std::move(spec), zone, false));
}

std::shared_ptr<const Calendar> Calendar::TwentyFourSeven() {
  static const std::shared_ptr<const Calendar> kInstance = [] {
    CalendarSpec spec;
    spec.name = "24x7";
    spec.timezone = "UTC";
    for (auto& day : spec.hours) day.push_back({0, 86400});
    return std::shared_ptr<const Calendar>(new Calendar(std::move(spec), nullptr, true));
  }();
  return kInstance;
}

int64_t Calendar::LocalMidnightToUtc(int64_t local_day) const { return LocalToUtc(local_day * kDay); }

int64_t Calendar::LocalToUtc(int64_t local_seconds) const {
  // choose::earliest maps a repeated hour to its first occurrence; a
  // nonexistent local time (DST gap) maps to the end of the gap.
  if (zone_ == nullptr) return local_seconds;
  date::local_seconds lt{std::chrono::seconds(local_seconds)};
  return zone_->to_sys(lt, date::choose::earliest).time_since_epoch().count();
}

int64_t Calendar::UtcToLocal(int64_t unix_seconds) const {
  if (zone_ == nullptr) return unix_seconds;
  date::sys_seconds st{std::chrono::seconds(unix_seconds)};
  return zone_->to_local(st).time_since_epoch().count();
}

const std::vector<LocalHours>& Calendar::WeeklyHours(int64_t day) const {
  const int64_t weekday = ((day + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
  return spec_.hours[static_cast<size_t>(weekday)];
}

void Calendar::DayRanges(int64_t day, const std::vector<LocalHours>& hours, std::vector<TimeRange>* out) const {
  for (const LocalHours& h : hours) {
    const int64_t b = LocalToUtc(day * kDay + h.start);
    const int64_t e = LocalToUtc(day * kDay + h.end);
    if (e > b) out->push_back({b, e});  // else the whole interval fell into a DST gap
  }
}

void Calendar::FillChunk(int64_t index, Chunk* chunk) const {
  const int64_t first_day = kMinDay + index * kChunkDays;
  chunk->begin = LocalMidnightToUtc(first_day);
  chunk->end = LocalMidnightToUtc(first_day + kChunkDays);
  chunk->prefix.assign(1, 0);
  auto holiday = std::lower_bound(spec_.holidays.begin(), spec_.holidays.end(), first_day);
  auto override_it = std::lower_bound(spec_.overrides.begin(), spec_.overrides.end(), first_day,
                                      [](const DateHours& d, int64_t v) { return d.day < v; });
  std::vector<TimeRange> day_ranges;
  for (int64_t day = first_day; day < first_day + kChunkDays; ++day) {
    while (holiday != spec_.holidays.end() && *holiday < day) ++holiday;
    if (holiday != spec_.holidays.end() && *holiday == day) continue;
    while (override_it != spec_.overrides.end() && override_it->day < day) ++override_it;
    const bool overridden = override_it != spec_.overrides.end() && override_it->day == day;
    day_ranges.clear();
    DayRanges(day, overridden ? override_it->hours : WeeklyHours(day), &day_ranges);
    for (const TimeRange& r : day_ranges) {
      if (!chunk->ranges.empty() && chunk->ranges.back().end >= r.begin) {
        chunk->ranges.back().end = std::max(chunk->ranges.back().end, r.end);
        chunk->prefix.back() =
            chunk->prefix[chunk->prefix.size() - 2] + chunk->ranges.back().end - chunk->ranges.back().begin;
      } else {
        chunk->ranges.push_back(r);
        chunk->prefix.push_back(chunk->prefix.back() + r.end - r.begin);
      }
    }
  }
}

const Calendar::Chunk& Calendar::GetChunk(int64_t index) const {
  Chunk& chunk = chunks_[static_cast<size_t>(index)];
  std::call_once(chunk.once, [&] { FillChunk(index, &chunk); });
  return chunk;
}

int64_t Calendar::ChunkIndexOf(int64_t t) const {
  int64_t k = FloorDiv(FloorDiv(t, kDay) - kMinDay, kChunkDays);
  k = std::clamp<int64_t>(k, 0, chunk_count_ - 1);
  const Chunk& c = GetChunk(k);
  if (t < c.begin && k > 0) return k - 1;
  if (t >= c.end && k + 1 < chunk_count_) return k + 1;
  return k;
}

int64_t Calendar::BusinessSeconds(int64_t from, int64_t to) const {
  if (to <= from) return 0;
  if (always_) return to - from;
  from = Clamp(from);
  to = Clamp(to);
  if (to <= from) return 0;
  const int64_t ka = ChunkIndexOf(from);
  const int64_t kb = ChunkIndexOf(to);
  const Chunk& a = GetChunk(ka);
  if (ka == kb) return a.Cum(to) - a.Cum(from);
  int64_t sum = a.Total() - a.Cum(from);
  for (int64_t k = ka + 1; k < kb; ++k) sum += GetChunk(k).Total();
  return sum + GetChunk(kb).Cum(to);
}

int64_t Calendar::InstantAfter(int64_t from, int64_t n) const {
  if (n <= 0) return from;
  if (always_) return from > kMaxInstant - n ? kMaxInstant : from + n;
  if (from >= kHighClamp) return kMaxInstant;
  from = Clamp(from);
  int64_t k = ChunkIndexOf(from);
  int64_t need = n + GetChunk(k).Cum(from);  // counted from the chunk's begin
  for (; k < chunk_count_; ++k) {
    const Chunk& c = GetChunk(k);
    if (need <= c.Total()) {
      // The first range whose cumulative end reaches `need`.
      auto it = std::lower_bound(c.prefix.begin() + 1, c.prefix.end(), need);
      size_t i = static_cast<size_t>(it - (c.prefix.begin() + 1));
      return c.ranges[i].begin + (need - c.prefix[i]);
    }
    need -= c.Total();
  }
  return kMaxInstant;
}

int64_t Calendar::BusinessSeconds(int64_t from, int64_t to, std::span<const TimeRange> excluded) const {
  int64_t total = BusinessSeconds(from, to);
  for (const TimeRange& r : excluded) {
    if (r.begin >= to) break;
    total -= BusinessSeconds(std::max(r.begin, from), std::min(r.end, to));
  }
  return total;
}

int64_t Calendar::InstantAfter(int64_t from, int64_t n, std::span<const TimeRange> excluded) const {
  if (n <= 0) return from;
  int64_t cursor = from;
  for (const TimeRange& r : excluded) {
    if (r.end <= cursor) continue;
    if (r.begin > cursor) {
      const int64_t avail = BusinessSeconds(cursor, r.begin);
      if (avail >= n) return InstantAfter(cursor, n);
      n -= avail;
    }
    cursor = r.end;
    if (cursor >= kMaxInstant) return kMaxInstant;
  }
  return InstantAfter(cursor, n);
}

void Calendar::WorkingRanges(int64_t from, int64_t to, std::vector<TimeRange>* out) const {
  const size_t first = out->size();
  auto add = [out, first](int64_t b, int64_t e) {
    if (e <= b) return;
    if (out->size() > first && out->back().end == b) {
      out->back().end = e;  // touching across a chunk boundary
    } else {
      out->push_back({b, e});
    }
  };
  if (to <= from) return;
  if (always_) return add(from, to);
  from = Clamp(from);
  to = Clamp(to);
  if (to <= from) return;
  for (int64_t k = ChunkIndexOf(from), kb = ChunkIndexOf(to); k <= kb; ++k) {
    const Chunk& c = GetChunk(k);
    auto it = std::upper_bound(c.ranges.begin(), c.ranges.end(), from,
                               [](int64_t v, const TimeRange& r) { return v < r.end; });
    for (; it != c.ranges.end() && it->begin < to; ++it) add(std::max(it->begin, from), std::min(it->end, to));
  }
}

void Calendar::Days(int64_t from, int64_t to, std::vector<CalendarDay>* out) const {
  if (to <= from) return;
  // The date whose span holds `from`: the local date of its wall clock,
  // corrected for midnights that a DST change moved.
  int64_t day = std::clamp(FloorDiv(UtcToLocal(from), kDay), kMinDay + 1, kMaxDay - 2);
  while (day > kMinDay + 1 && LocalMidnightToUtc(day) > from) --day;
  while (day < kMaxDay - 2 && LocalMidnightToUtc(day + 1) <= from) ++day;
  for (; day < kMaxDay - 1; ++day) {
    const int64_t begin = LocalMidnightToUtc(day);
    if (begin >= to) break;
    CalendarDay d;
    d.day = static_cast<int32_t>(day);
    d.span = {begin, LocalMidnightToUtc(day + 1)};
    DayRanges(day, WeeklyHours(day), &d.weekly);
    auto override_it = std::lower_bound(spec_.overrides.begin(), spec_.overrides.end(), day,
                                        [](const DateHours& o, int64_t v) { return o.day < v; });
    if (std::binary_search(spec_.holidays.begin(), spec_.holidays.end(), day)) {
      d.kind = CalendarDay::Kind::kHoliday;
    } else if (override_it != spec_.overrides.end() && override_it->day == day) {
      d.kind = CalendarDay::Kind::kOverride;
      DayRanges(day, override_it->hours, &d.hours);
    } else {
      d.hours = d.weekly;
    }
    out->push_back(std::move(d));
  }
}

}  // namespace slamon::projections
