// The human timeline of an explained instance: a few lines in the
// calendar's local time that a service manager can paste into a reply.
#include <algorithm>
#include <map>

#include "projections/sla/sla_explain.h"

namespace slamon::projections {
namespace {

constexpr int64_t kDay = 86400;
constexpr size_t kMaxDaysShown = 8;  // beyond: the first and last few, the count between

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Civil date of days since 1970-01-01 (H. Hinnant's days_from_civil inverse).
void Civil(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2 ? 1 : 0));
}

const char* MonthName(unsigned m) {
  static constexpr const char* kNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return kNames[(m - 1) % 12];
}

std::string DayMonth(int64_t day) {
  int y = 0;
  unsigned m = 0, d = 0;
  Civil(day, &y, &m, &d);
  return std::to_string(d) + " " + MonthName(m);
}

// "09:00", "24:00" (a day's end), "09:00:30" (seconds only when there are any).
std::string ClockText(int64_t seconds_of_day) {
  auto two = [](int64_t v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  const int64_t h = seconds_of_day / 3600, m = seconds_of_day / 60 % 60, s = seconds_of_day % 60;
  return two(h) + ":" + two(m) + (s != 0 ? ":" + two(s) : "");
}

// A local date's wall-clock time of t, where t lies within [day span begin, end].
std::string ClockIn(const Calendar& cal, const CalendarDay& d, int64_t t) {
  if (t == d.span.end) return "24:00";
  return ClockText(cal.UtcToLocal(t) - static_cast<int64_t>(d.day) * kDay);
}

// "1–2 Oct, 5 Oct" for sorted dates: consecutive ones as a range.
std::string DateRuns(const std::vector<int32_t>& days) {
  std::string out;
  for (size_t i = 0; i < days.size();) {
    size_t j = i;
    while (j + 1 < days.size() && days[j + 1] == days[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    if (i == j) {
      out += DayMonth(days[i]);
    } else {
      int y1 = 0, y2 = 0;
      unsigned m1 = 0, d1 = 0, m2 = 0, d2 = 0;
      Civil(days[i], &y1, &m1, &d1);
      Civil(days[j], &y2, &m2, &d2);
      out += m1 == m2 && y1 == y2 ? std::to_string(d1) + "–" + DayMonth(days[j])
                                  : DayMonth(days[i]) + " – " + DayMonth(days[j]);
    }
    i = j + 1;
  }
  return out;
}

const SpecialDay* Special(const SlaExplanation& e, int32_t day, SpecialDayKind kind) {
  for (const SpecialDay& s : e.special_days) {
    if (s.day == day && s.kind == kind) return &s;
  }
  return nullptr;
}

// "Mon 5 Oct 09:00–12:00, 13:00–14:10 (make-up workday)" per local date with counted time.
std::string CountedLine(const SlaExplanation& e) {
  const Calendar& cal = *e.calendar;
  std::vector<CalendarDay> days;
  cal.Days(e.record.start, e.end, &days);
  std::vector<std::pair<int32_t, std::string>> groups;  // local date, its text
  size_t di = 0;
  for (const TimeRange& c : e.counted) {
    for (int64_t b = c.begin; b < c.end;) {
      while (di < days.size() && days[di].span.end <= b) ++di;
      if (di == days.size()) break;
      const CalendarDay& d = days[di];
      const int64_t stop = std::min(c.end, d.span.end);
      const std::string piece = ClockIn(cal, d, b) + "–" + ClockIn(cal, d, stop);
      if (!groups.empty() && groups.back().first == d.day) {
        groups.back().second += ", " + piece;
      } else {
        groups.emplace_back(d.day, LocalDate(d.day) + " " + piece);
      }
      b = stop;
    }
  }
  // Make-up days and special hours are named after their intervals.
  for (auto& [day, text] : groups) {
    if (Special(e, day, SpecialDayKind::kMakeUpWorkday)) text += " (make-up workday)";
    if (Special(e, day, SpecialDayKind::kSpecialHours)) text += " (special hours)";
  }
  if (groups.empty()) return "Counted: nothing yet.";
  std::string out = "Counted " + HumanDuration(e.record.elapsed_seconds) + ": ";
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups.size() > kMaxDaysShown && i == 4) {
      out += "… " + std::to_string(groups.size() - 6) + " more days …; ";
      i = groups.size() - 3;
      continue;
    }
    out += groups[i].second;
    out += i + 1 < groups.size() ? "; " : ".";
  }
  return out;
}

// The local dates a gap touches whose special-day kind is `kind` (the gaps
// decide, so a holiday spent paused is not named a holiday).
void DatesOf(const SlaExplanation& e, const Gap& g, SpecialDayKind kind, std::vector<int32_t>* out) {
  std::vector<CalendarDay> days;
  e.calendar->Days(g.range.begin, g.range.end, &days);
  for (const CalendarDay& d : days) {
    if (Special(e, d.day, kind) && (out->empty() || out->back() != d.day)) out->push_back(d.day);
  }
}

std::string NotCountedLine(const SlaExplanation& e) {
  std::vector<int32_t> holidays, closed, shortened, clock_changes;
  for (const SpecialDay& s : e.special_days) {
    if (s.kind == SpecialDayKind::kClockChange) clock_changes.push_back(s.day);
  }
  std::map<events::TicketStatus, int64_t> paused;
  bool outside = false;
  for (const Gap& g : e.not_counted) {
    if (g.why == GapReason::kPaused) paused[g.status] += g.range.end - g.range.begin;
    if (g.why == GapReason::kOutsideHours) outside = true;
    if (g.why == GapReason::kHoliday) DatesOf(e, g, SpecialDayKind::kHoliday, &holidays);
    if (g.why == GapReason::kOverride) {
      DatesOf(e, g, SpecialDayKind::kClosed, &closed);
      DatesOf(e, g, SpecialDayKind::kSpecialHours, &shortened);
    }
  }
  std::vector<std::string> parts;
  if (!holidays.empty()) parts.push_back(DateRuns(holidays) + " holiday");
  if (!closed.empty()) parts.push_back(DateRuns(closed) + " closed by the calendar");
  if (!shortened.empty()) parts.push_back(DateRuns(shortened) + " shortened hours");
  for (const auto& [status, seconds] : paused) {
    parts.push_back("paused " + HumanDuration(seconds) + " while " + std::string(TicketStatusName(status)));
  }
  if (outside) parts.emplace_back(parts.empty() ? "outside business hours" : "the rest outside business hours");
  std::string out;
  if (!parts.empty()) {
    out = "Not counted: ";
    for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "; " : "") + parts[i];
    out += ".";
  }
  if (!clock_changes.empty()) {
    out += std::string(out.empty() ? "" : " ") + "Clocks changed on " + DateRuns(clock_changes) +
           " (counted by the wall clock).";
  }
  return out;
}

std::string VerdictLine(const SlaExplanation& e) {
  const SlaRecord& r = e.record;
  const Calendar& cal = *e.calendar;
  const bool stopped = r.state == InstanceState::kStopped;
  std::string out = "Started " + LocalStamp(cal, r.start, true) + ", " +
                    (stopped ? "stopped " + LocalStamp(cal, *r.stop) : "running at " + LocalStamp(cal, e.as_of)) +
                    ": " + HumanDuration(r.elapsed_seconds) + " counted, target " + HumanDuration(r.target_seconds) +
                    " — ";
  if (r.breached) {
    out += "breached at " + LocalStamp(cal, *r.breach_at) + (stopped ? "." : ", still running.");
  } else if (stopped) {
    out += "met.";
  } else if (r.state == InstanceState::kPaused) {
    out += "paused, " + HumanDuration(r.target_seconds - r.elapsed_seconds) + " left.";
  } else {
    out += "due " + (r.due_at ? LocalStamp(cal, *r.due_at) : std::string("later")) + " if nothing pauses it.";
  }
  return out;
}

// "Mon 5 Oct 09:00–12:00", or both ends in full when the range crosses a date.
std::string RangeText(const Calendar& cal, const TimeRange& r) {
  const int64_t local_begin = cal.UtcToLocal(r.begin);
  const int64_t day = FloorDiv(local_begin, kDay);
  const int64_t end_of_day = cal.UtcToLocal(r.end) - day * kDay;
  if (end_of_day > kDay) return LocalStamp(cal, r.begin) + " – " + LocalStamp(cal, r.end);
  return LocalStamp(cal, r.begin) + "–" + ClockText(end_of_day == kDay ? kDay : end_of_day);
}

std::string CrossingText(const Calendar& cal, const Crossing& c) {
  return LocalStamp(cal, c.at) + ", " + HumanDuration(c.threshold - c.counted_before) + " into the counted interval " +
         RangeText(cal, c.interval) + " (" + HumanDuration(c.counted_before) + " counted before it)";
}

std::string PolicyLine(const SlaExplanation& e) {
  const PolicyMatch& m = e.policy_match;
  const Calendar& cal = *e.calendar;
  std::string out = "Policy " + m.policy;
  if (m.version != 0) out += " (version " + std::to_string(m.version) + ")";
  out += m.cause == SelectionCause::kOpen ? ", chosen at the open"
                                          : ", chosen on the priority change of " + LocalStamp(cal, m.selected_at);
  std::string matched;
  for (const auto& [field, value] : m.matched) matched += (matched.empty() ? "" : ", ") + field + " " + value;
  out += matched.empty() ? " (it matches every ticket)" : " (" + matched + ")";
  if (m.account_calendar) out += "; the account's calendar " + m.calendar;
  out += ".";
  for (const Reselection& r : m.reselections) {
    out += " Priority changed to " + std::string(PriorityName(r.priority)) + " " + LocalStamp(cal, r.at) + " → " +
           (r.policy ? *r.policy : std::string("no policy")) + ": ";
    switch (r.effect) {
      case ReselectionEffect::kMoved:
        out += "this clock moved to it from its start.";
        break;
      case ReselectionEffect::kKept:
        out += "this clock kept its policy.";
        break;
      case ReselectionEffect::kStopped:
        out += "this clock had stopped.";
        break;
      case ReselectionEffect::kNotStarted:
        out += "this clock had not started.";
        break;
    }
  }
  if (m.tier_at_as_of != m.tier_at_open) {
    out +=
        " The account is tier " + m.tier_at_as_of + " now; policies use the tier at the open (" + m.tier_at_open + ").";
  }
  return out;
}

}  // namespace

std::string HumanDuration(int64_t seconds) {
  // Hours, never days: a day of counted time is not a business day (docs/sla-semantics.md "Durations").
  if (seconds <= 0) return "0 min";
  const int64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  std::string out;
  auto part = [&out](int64_t v, const char* unit) {
    if (v == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(v) + " " + unit;
  };
  part(h, "h");
  part(m, "min");
  part(s, "s");
  return out;
}

std::string LocalDate(int32_t day, bool year) {
  static constexpr const char* kWeekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // from 1970-01-01
  int y = 0;
  unsigned m = 0, d = 0;
  Civil(day, &y, &m, &d);
  std::string out = std::string(kWeekdays[((day % 7) + 7) % 7]) + " " + std::to_string(d) + " " + MonthName(m);
  if (year) out += " " + std::to_string(y);
  return out;
}

std::string LocalStamp(const Calendar& cal, int64_t t, bool year) {
  const int64_t local = cal.UtcToLocal(t);
  const int64_t day = FloorDiv(local, kDay);
  return LocalDate(static_cast<int32_t>(day), year) + " " + ClockText(local - day * kDay);
}

std::string ExplainText(const SlaExplanation& e) {
  const SlaRecord& r = e.record;
  const Calendar& cal = *e.calendar;
  std::string out = r.ticket_id + " " + std::string(MetricName(r.metric));
  if (r.cycle > 1) out += " #" + std::to_string(r.cycle);
  if (r.metric == Metric::kAssignment) out += " (" + r.group + ")";
  out += " — calendar " + cal.name() + ", " + (cal.always() ? std::string("UTC") : cal.spec().timezone) + " time\n";
  out += VerdictLine(e) + "\n" + CountedLine(e) + "\n";
  if (const std::string nc = NotCountedLine(e); !nc.empty()) out += nc + "\n";
  if (e.breach) out += "Target reached " + CrossingText(cal, *e.breach) + ".\n";
  for (const EscalationExplained& s : e.escalation_steps) {
    out += "Escalation " + s.name + " (" + HumanDuration(s.after) + " over target): ";
    out += s.reached ? "reached " + CrossingText(cal, *s.reached) + ".\n" : "not reached.\n";
  }
  return out + PolicyLine(e) + "\n";
}

std::string ExplainTicketText(const TicketExplanation& t) {
  std::string out = "Ticket " + t.ticket_id + ", account " + t.account_id + " (tier " + t.tier + "), as of " +
                    FormatUtc(t.as_of) + "\n";
  if (t.instances.empty()) return out + "No SLA clock: no policy with a target matches this ticket.\n";
  for (const SlaExplanation& e : t.instances) out += "\n" + ExplainText(e);
  return out;
}

}  // namespace slamon::projections
