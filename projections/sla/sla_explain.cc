#include "projections/sla/sla_explain.h"

#include <algorithm>

namespace slamon::projections {
namespace {

constexpr int64_t kDay = 86400;

int64_t Weekday(int64_t day) { return ((day + 4) % 7 + 7) % 7; }  // 1970-01-01 was a Thursday

// Appends a gap, joining it to the previous one when they touch and agree.
void Emit(int64_t b, int64_t e, GapReason why, events::TicketStatus status, std::vector<Gap>* out) {
  if (e <= b) return;
  if (why != GapReason::kPaused) status = events::TicketStatus::kOpen;
  if (!out->empty() && out->back().range.end == b && out->back().why == why && out->back().status == status) {
    out->back().range.end = e;
    return;
  }
  out->push_back({{b, e}, why, status});
}

// The status in force at t: the last change at or before it.
events::TicketStatus StatusAt(const std::vector<detail::StatusChange>& statuses, int64_t t) {
  auto it = std::upper_bound(statuses.begin(), statuses.end(), t,
                             [](int64_t v, const detail::StatusChange& s) { return v < s.t; });
  return it == statuses.begin() ? events::TicketStatus::kOpen : std::prev(it)->status;
}

// Labels [b, e), which holds no counted and no paused second, by the dates it
// crosses. `day` is advanced past the dates that end before b.
void LabelCalendarGap(int64_t b, int64_t e, const std::vector<CalendarDay>& days, size_t* day, std::vector<Gap>* out) {
  constexpr auto kOpen = events::TicketStatus::kOpen;
  while (b < e) {
    while (*day < days.size() && days[*day].span.end <= b) ++*day;
    if (*day == days.size() || days[*day].span.begin > b) {
      // Outside the dates the calendar has (beyond its range): not working time.
      const int64_t next = *day == days.size() ? e : std::min(e, days[*day].span.begin);
      Emit(b, next, GapReason::kOutsideHours, kOpen, out);
      b = next;
      continue;
    }
    const CalendarDay& d = days[*day];
    const int64_t stop = std::min(e, d.span.end);
    if (d.kind == CalendarDay::Kind::kHoliday) {
      Emit(b, stop, GapReason::kHoliday, kOpen, out);
    } else if (d.kind == CalendarDay::Kind::kRegular) {
      Emit(b, stop, GapReason::kOutsideHours, kOpen, out);
    } else {
      // An override date: what its weekly hours would have counted is the override's doing.
      int64_t at = b;
      for (const TimeRange& w : d.weekly) {
        if (w.end <= at) continue;
        if (w.begin >= stop) break;
        Emit(at, std::max(at, w.begin), GapReason::kOutsideHours, kOpen, out);
        at = std::max(at, w.begin);
        Emit(at, std::min(stop, w.end), GapReason::kOverride, kOpen, out);
        at = std::min(stop, w.end);
      }
      Emit(at, stop, GapReason::kOutsideHours, kOpen, out);
    }
    b = stop;
  }
}

}  // namespace

std::string_view GapReasonName(GapReason r) {
  switch (r) {
    case GapReason::kPaused:
      return "paused";
    case GapReason::kHoliday:
      return "holiday";
    case GapReason::kOverride:
      return "override";
    case GapReason::kOutsideHours:
      return "outside_hours";
  }
  return "outside_hours";
}

std::string_view SelectionCauseName(SelectionCause c) {
  return c == SelectionCause::kOpen ? "open" : "priority_change";
}

std::string_view ReselectionEffectName(ReselectionEffect e) {
  switch (e) {
    case ReselectionEffect::kMoved:
      return "moved";
    case ReselectionEffect::kKept:
      return "kept";
    case ReselectionEffect::kStopped:
      return "stopped";
    case ReselectionEffect::kNotStarted:
      return "not_started";
  }
  return "kept";
}

std::string_view SpecialDayKindName(SpecialDayKind k) {
  switch (k) {
    case SpecialDayKind::kHoliday:
      return "holiday";
    case SpecialDayKind::kMakeUpWorkday:
      return "make_up_workday";
    case SpecialDayKind::kClosed:
      return "closed";
    case SpecialDayKind::kSpecialHours:
      return "special_hours";
    case SpecialDayKind::kClockChange:
      return "clock_change";
  }
  return "special_hours";
}

void CountedRanges(const Calendar& cal, int64_t from, int64_t to, std::span<const TimeRange> pauses,
                   std::vector<TimeRange>* out) {
  std::vector<TimeRange> working;
  cal.WorkingRanges(from, to, &working);
  size_t p = 0;
  for (const TimeRange& w : working) {
    int64_t at = w.begin;
    while (p < pauses.size() && pauses[p].end <= at) ++p;
    for (size_t q = p; q < pauses.size() && pauses[q].begin < w.end; ++q) {
      if (pauses[q].begin > at) out->push_back({at, pauses[q].begin});
      at = std::max(at, pauses[q].end);
    }
    if (at < w.end) out->push_back({at, w.end});
  }
}

void LabelGaps(const Calendar& cal, int64_t from, int64_t to, const std::vector<TimeRange>& counted,
               std::span<const TimeRange> pauses, const std::vector<detail::StatusChange>& statuses,
               std::vector<Gap>* out) {
  if (to <= from) return;
  std::vector<CalendarDay> days;
  cal.Days(from, to, &days);
  size_t day = 0;
  size_t p = 0;
  // One stretch between counted intervals: paused parts first, the rest by date.
  auto label = [&](int64_t b, int64_t e) {
    while (b < e) {
      while (p < pauses.size() && pauses[p].end <= b) ++p;
      if (p < pauses.size() && pauses[p].begin <= b) {
        const int64_t stop = std::min(e, pauses[p].end);
        // A pause may span several pausing statuses (pending, then on_hold).
        for (int64_t at = b; at < stop;) {
          auto next = std::upper_bound(statuses.begin(), statuses.end(), at,
                                       [](int64_t v, const detail::StatusChange& s) { return v < s.t; });
          const int64_t until = next == statuses.end() ? stop : std::min(stop, next->t);
          Emit(at, until, GapReason::kPaused, StatusAt(statuses, at), out);
          at = until;
        }
        b = stop;
        continue;
      }
      const int64_t stop = p < pauses.size() ? std::min(e, pauses[p].begin) : e;
      LabelCalendarGap(b, stop, days, &day, out);
      b = stop;
    }
  };
  int64_t at = from;
  for (const TimeRange& c : counted) {
    label(at, c.begin);
    at = c.end;
  }
  label(at, to);
}

std::optional<Crossing> CrossingOf(const std::vector<TimeRange>& counted, int64_t threshold) {
  if (threshold <= 0) return std::nullopt;
  int64_t before = 0;
  for (const TimeRange& c : counted) {
    const int64_t len = c.end - c.begin;
    if (before + len >= threshold) return Crossing{threshold, c.begin + (threshold - before), c, before};
    before += len;
  }
  return std::nullopt;
}

void SpecialDays(const Calendar& cal, int64_t from, int64_t to, std::vector<SpecialDay>* out) {
  std::vector<CalendarDay> days;
  cal.Days(from, to, &days);
  const auto& overrides = cal.spec().overrides;
  for (const CalendarDay& d : days) {
    if (d.kind == CalendarDay::Kind::kHoliday) out->push_back({d.day, SpecialDayKind::kHoliday, {}, 0});
    if (d.kind == CalendarDay::Kind::kOverride) {
      auto it = std::lower_bound(overrides.begin(), overrides.end(), d.day,
                                 [](const DateHours& o, int32_t v) { return o.day < v; });
      std::vector<LocalHours> hours = it != overrides.end() && it->day == d.day ? it->hours : std::vector<LocalHours>{};
      const bool weekly_open = !cal.spec().hours[static_cast<size_t>(Weekday(d.day))].empty();
      SpecialDayKind kind = SpecialDayKind::kSpecialHours;
      if (hours.empty()) {
        kind = SpecialDayKind::kClosed;
      } else if (!weekly_open) {
        kind = SpecialDayKind::kMakeUpWorkday;
      }
      out->push_back({d.day, kind, std::move(hours), 0});
    }
    const int64_t length = d.span.end - d.span.begin;
    if (length != kDay) out->push_back({d.day, SpecialDayKind::kClockChange, {}, length});
  }
}

Status ExplainIntervals(const detail::InstanceSpan& span, const SlaPolicy& policy,
                        const std::vector<detail::StatusChange>& statuses, SlaExplanation* out) {
  const Calendar& cal = *out->calendar;
  const SlaRecord& r = out->record;
  out->end = detail::SpanEnd(span, out->as_of);
  std::vector<TimeRange> pauses;
  detail::PausedRanges(span, policy, statuses, out->end, &pauses);
  out->counted.clear();
  out->not_counted.clear();
  CountedRanges(cal, span.start, out->end, pauses, &out->counted);
  LabelGaps(cal, span.start, out->end, out->counted, pauses, statuses, &out->not_counted);
  int64_t sum = 0;
  for (const TimeRange& c : out->counted) sum += c.end - c.begin;
  auto disagree = [&](const std::string& what) {
    return Status(Status::kInternal, "explain disagrees with the verdict of " + r.ticket_id + " " +
                                         std::string(MetricName(r.metric)) + " #" + std::to_string(r.cycle) + ": " +
                                         what);
  };
  if (sum != r.elapsed_seconds) {
    return disagree("counted " + std::to_string(sum) + " s, elapsed " + std::to_string(r.elapsed_seconds) + " s");
  }
  out->breach = r.breached ? CrossingOf(out->counted, r.target_seconds) : std::nullopt;
  if (out->breach.has_value() != r.breach_at.has_value() || (out->breach && out->breach->at != *r.breach_at)) {
    return disagree("breach instant");
  }
  out->escalation_steps.clear();
  int last = -1;  // the last step reached
  for (const EscalationStep& step : policy.escalation) {
    EscalationExplained& e = out->escalation_steps.emplace_back();
    e.name = step.name;
    e.after = step.after;
    e.threshold = r.target_seconds + step.after;
    e.reached = CrossingOf(out->counted, e.threshold);
    if (e.reached) last = static_cast<int>(out->escalation_steps.size()) - 1;
  }
  const EscalationExplained* reached = last < 0 ? nullptr : &out->escalation_steps[static_cast<size_t>(last)];
  if ((reached != nullptr) != r.escalation.has_value() ||
      (reached != nullptr && (reached->name != *r.escalation || reached->reached->at != r.escalated_at))) {
    return disagree("escalation step");
  }
  out->special_days.clear();
  SpecialDays(cal, span.start, out->end, &out->special_days);
  return Status::OK();
}

}  // namespace slamon::projections
