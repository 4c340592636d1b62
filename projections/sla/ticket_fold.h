// Internals of SlaProjection: a ticket's compact event records and the pure
// fold that turns them into SLA instances at an as-of time.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "projections/core/calendar.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_types.h"

namespace slamon::projections::detail {

inline constexpr int64_t kNoStop = std::numeric_limits<int64_t>::max();
inline constexpr uint32_t kNoAccount = std::numeric_limits<uint32_t>::max();
/// Interned free-text names (channels, groups, teams, calendars): index 0 is
/// the empty name, i.e. "none".
inline constexpr uint32_t kNoName = 0;

/// The part of a ticket event the SLA clocks need. `value` holds the
/// priority (opened, priority_changed), the status (status_changed) or, for
/// replies, bit 0 = customer author and bit 1 = public. `name` is the
/// interned channel (opened) or group (assigned).
struct EventRec {
  int64_t t = 0;
  uint32_t account = kNoAccount;  // interned account id (opened only)
  uint32_t name = kNoName;
  events::EventType type = events::EventType::kTicketOpened;
  uint8_t value = 0;
  std::string id;

  static constexpr uint8_t kCustomer = 1;
  static constexpr uint8_t kPublic = 2;
};

/// Canonical order (occurred_at, type rank, id).
inline bool RecLess(const EventRec& a, const EventRec& b) {
  if (a.t != b.t) return a.t < b.t;
  if (a.type != b.type) return events::Rank(a.type) < events::Rank(b.type);
  return a.id < b.id;
}

/// One instance's lifetime: which cycle, when it started and stopped and the
/// policy (index into SlaConfig::policies) it is evaluated under.
struct InstanceSpan {
  Metric metric = Metric::kFirstResponse;
  int cycle = 1;
  int policy = -1;
  int64_t start = 0;
  int64_t stop = kNoStop;
  uint32_t group = kNoName;  // interned group of an assignment instance
};

struct StatusChange {
  int64_t t = 0;
  events::TicketStatus status = events::TicketStatus::kOpen;
};

/// Result of folding one ticket's events up to an as-of time.
struct TicketFold {
  bool opened = false;
  int64_t opened_at = 0;
  uint32_t account = kNoAccount;
  uint32_t tier = 0;  // interned tier name
  events::Priority priority = events::Priority::kNormal;
  /// The account's calendar at the open (nullptr: none or not in the config),
  /// used by policies with use_account_calendar for the ticket's life.
  const Calendar* account_calendar = nullptr;
  uint32_t team = kNoName;              // the account's team at the open
  std::vector<InstanceSpan> instances;  // sorted by (metric, cycle)
  std::vector<StatusChange> statuses;   // from the open on, first entry = (opened_at, open)
};

/// What a ticket takes from its account at the open (each field from the
/// latest upsert or update at or before it that sets the field): interned
/// tier ("unknown" id when none), team and calendar names.
struct AccountView {
  uint32_t tier = 0;
  uint32_t team = kNoName;
  uint32_t calendar = kNoName;
};

/// account_at(account, t): the account's view at t. select(tier, priority,
/// channel, team): policy index or -1. calendar(name): the config's calendar
/// of that interned name or nullptr. name(i): an interned name's text.
struct FoldContext {
  const SlaConfig* config = nullptr;
  std::function<AccountView(uint32_t account, int64_t t)> account_at;
  std::function<int(uint32_t tier, events::Priority p, uint32_t channel, uint32_t team)> select;
  std::function<const Calendar*(uint32_t name)> calendar;
  std::function<std::string_view(uint32_t name)> name;
};

/// Folds `events` (sorted by RecLess) ignoring those after `as_of`. Pure.
void FoldTicket(const std::vector<EventRec>& events, int64_t as_of, const FoldContext& ctx, TicketFold* out);

/// Timing of one instance at `as_of` (docs/sla-semantics.md "Business elapsed",
/// "Breach", "Risk level").
struct InstanceTiming {
  InstanceState state = InstanceState::kActive;
  int64_t elapsed = 0;
  bool breached = false;
  int64_t breach_at = kNoStop;  // kNoStop when not breached
  int64_t due_at = kNoStop;     // kNoStop when not applicable
  RiskLevel level = RiskLevel::kOk;
  int escalation = -1;             // index into the policy's escalation steps, -1 when none reached
  int64_t escalated_at = kNoStop;  // when that step was reached
  /// For an active instance: the next instant its level or escalation step
  /// changes, kNoStop if none.
  int64_t next_change = kNoStop;
};

/// `cal` is the instance's calendar (CalendarFor), `group` the name of an
/// assignment instance's group. `scratch` is reused between calls to avoid
/// allocations.
InstanceTiming TimeInstance(const InstanceSpan& span, const SlaPolicy& policy, const Calendar& cal,
                            std::string_view group, const std::vector<StatusChange>& statuses, int64_t as_of,
                            std::vector<TimeRange>* scratch);

}  // namespace slamon::projections::detail
