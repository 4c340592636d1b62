// Explaining an SLA verdict (docs/sla-semantics.md "Explaining a verdict"):
// for each instance of one ticket, the business intervals that make up its
// elapsed time, the labelled gaps between them, how its policy was chosen,
// and the interval arithmetic that reached its breach and escalation steps.
//
// Everything here is recomputed on demand from one ticket's events, with the
// calendar's own per-date intervals (Calendar::WorkingRanges) and the fold's
// own pauses (detail::PausedRanges): the same arithmetic as the verdict, and
// nothing stored per ticket.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/common/status.h"
#include "projections/core/calendar.h"
#include "projections/sla/sla_record.h"
#include "projections/sla/ticket_fold.h"

namespace slamon::projections {

/// Why a second between an instance's start and end did not count, in
/// precedence order: a second that is both paused and on a holiday is
/// `paused`.
enum class GapReason : uint8_t { kPaused, kHoliday, kOverride, kOutsideHours };
std::string_view GapReasonName(GapReason r);

/// A stretch of not-counted time.
struct Gap {
  TimeRange range;
  GapReason why = GapReason::kOutsideHours;
  events::TicketStatus status = events::TicketStatus::kOpen;  ///< the status that paused (kPaused only)
  bool operator==(const Gap&) const = default;
};

/// Where counted time reached `threshold` seconds: at
/// `interval.begin + threshold - counted_before`, inside `interval` (one of
/// the counted intervals; `counted_before` = the counted seconds before it).
struct Crossing {
  int64_t threshold = 0;
  int64_t at = 0;
  TimeRange interval;
  int64_t counted_before = 0;
  bool operator==(const Crossing&) const = default;
};

/// One escalation step of the instance's policy: reached when counted time
/// reaches target + after.
struct EscalationExplained {
  std::string name;
  int64_t after = 0;
  int64_t threshold = 0;            ///< target + after
  std::optional<Crossing> reached;  ///< nullopt: not reached by the end
};

using SelectionCause = detail::SelectionCause;
std::string_view SelectionCauseName(SelectionCause c);

/// What a re-selection of the ticket's policy did to this instance.
enum class ReselectionEffect : uint8_t {
  kMoved,       ///< evaluated under the new policy from its original start
  kKept,        ///< running, kept its policy (no match, or no target for its metric)
  kStopped,     ///< had stopped before: keeps the policy it stopped under
  kNotStarted,  ///< started later, under the policy in force then
};
std::string_view ReselectionEffectName(ReselectionEffect e);

struct Reselection {
  int64_t at = 0;
  SelectionCause cause = SelectionCause::kPriorityChange;
  events::Priority priority = events::Priority::kNormal;  ///< the new priority
  std::optional<std::string> policy;                      ///< selected; nullopt when none matches
  ReselectionEffect effect = ReselectionEffect::kMoved;
};

/// Why the instance is evaluated under its policy.
struct PolicyMatch {
  std::string policy;
  uint64_t version = 0;  ///< policy-log version (0: the config file)
  int64_t selected_at = 0;
  SelectionCause cause = SelectionCause::kOpen;
  /// The policy's match keys with the ticket's values at that selection
  /// (empty: a policy without match keys, which catches everything).
  std::vector<std::pair<std::string, std::string>> matched;
  /// Each policy listed before it, with the first key it did not match.
  std::vector<std::pair<std::string, std::string>> passed_over;
  std::string tier_at_open;   ///< the tier policies are selected with
  std::string tier_at_as_of;  ///< the account's tier at as-of (a change after the open re-selects nothing)
  std::string calendar;
  bool account_calendar = false;  ///< the account's own calendar (use_account_calendar)
  /// Every re-selection of the ticket's policy up to the end, in order.
  std::vector<Reselection> reselections;
};

/// A local date within the instance's span that is not an ordinary day.
enum class SpecialDayKind : uint8_t {
  kHoliday,
  kMakeUpWorkday,  ///< an override opening a date whose weekday has no hours
  kClosed,         ///< an override closing a date whose weekday has hours
  kSpecialHours,   ///< any other override (a half day, changed hours)
  kClockChange,    ///< a DST change: the date is not 24 hours long
};
std::string_view SpecialDayKindName(SpecialDayKind k);

struct SpecialDay {
  int32_t day = 0;  ///< days since 1970-01-01 of the local date
  SpecialDayKind kind = SpecialDayKind::kHoliday;
  std::vector<LocalHours> hours;  ///< an override's hours
  int64_t seconds = 0;            ///< the date's length (kClockChange)
};

/// One instance explained.
struct SlaExplanation {
  SlaRecord record;  ///< exactly what `replay` reports for it
  int64_t as_of = 0;
  int64_t end = 0;  ///< the end of its span: stop, or as-of while running
  std::shared_ptr<const Calendar> calendar;
  std::vector<TimeRange> counted;  ///< sum = record.elapsed_seconds
  std::vector<Gap> not_counted;    ///< with counted, tiles [start, end) exactly
  PolicyMatch policy_match;
  std::optional<Crossing> breach;  ///< at = record.breach_at
  std::vector<EscalationExplained> escalation_steps;
  std::vector<SpecialDay> special_days;
};

/// A ticket explained at one instant.
struct TicketExplanation {
  std::string ticket_id;
  std::string account_id;
  std::string account_owner;  ///< the account's latest owner ("" if none)
  std::string team;           ///< the account's team at the open
  std::string tier;           ///< the account's tier at the open
  int64_t as_of = 0;
  std::vector<SlaExplanation> instances;  ///< in replay's order (metric, cycle)
};

/// The counted intervals of an instance: `cal`'s working ranges in
/// [from, to) minus `pauses` (sorted, disjoint), touching ones joined.
void CountedRanges(const Calendar& cal, int64_t from, int64_t to, std::span<const TimeRange> pauses,
                   std::vector<TimeRange>* out);

/// The gaps of [from, to) that `counted` leaves, labelled by precedence:
/// paused (inside `pauses`, with the status then in force), holiday (a date
/// of the calendar's holidays), override (a date the overrides changed, in
/// time its weekly hours would have counted), else outside_hours.
/// Adjacent gaps with the same label are joined.
void LabelGaps(const Calendar& cal, int64_t from, int64_t to, const std::vector<TimeRange>& counted,
               std::span<const TimeRange> pauses, const std::vector<detail::StatusChange>& statuses,
               std::vector<Gap>* out);

/// Where the running total of `counted` reaches `threshold` (> 0), if it does.
std::optional<Crossing> CrossingOf(const std::vector<TimeRange>& counted, int64_t threshold);

/// The special dates of `cal` whose span overlaps [from, to).
void SpecialDays(const Calendar& cal, int64_t from, int64_t to, std::vector<SpecialDay>* out);

/// Fills counted, not_counted, breach, escalation_steps and special_days of
/// `out` (whose record, as_of, calendar and policy_match are set) for the
/// instance `span` under `policy`. Fails (internal error) if the intervals
/// disagree with the record's elapsed time, breach or escalation instant:
/// explain never shows arithmetic the verdict did not use.
Status ExplainIntervals(const detail::InstanceSpan& span, const SlaPolicy& policy,
                        const std::vector<detail::StatusChange>& statuses, SlaExplanation* out);

/// Appends one JSON line per instance (the replay record's fields, then
/// as_of, calendar, counted, not_counted, policy_match, breach,
/// escalation_steps and special_days; times UTC RFC 3339).
void AppendExplainJsonl(const SlaExplanation& e, std::string* out);

/// The short human timeline of one instance, in the calendar's local time
/// (lines ending in '\n').
std::string ExplainText(const SlaExplanation& e);

/// The whole ticket: a header line, then ExplainText of each instance,
/// separated by blank lines.
std::string ExplainTicketText(const TicketExplanation& t);

/// "2 h 10 min", "45 s", "30 h" (hours, never days).
std::string HumanDuration(int64_t seconds);
/// "Mon 5 Oct 09:00" in the calendar's local time; with the year when `year`.
std::string LocalStamp(const Calendar& cal, int64_t t, bool year = false);
/// "Mon 5 Oct" for a local date (days since 1970-01-01).
std::string LocalDate(int32_t day, bool year = false);

}  // namespace slamon::projections
