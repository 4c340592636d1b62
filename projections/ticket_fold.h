// Internals of SlaProjection: a ticket's compact event records and the pure
// fold that turns them into SLA instances at an as-of time.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "events/event.h"
#include "projections/calendar.h"
#include "projections/sla_config.h"
#include "projections/sla_types.h"

namespace slamon::projections::detail {

inline constexpr int64_t kNoStop = std::numeric_limits<int64_t>::max();
inline constexpr uint32_t kNoAccount = std::numeric_limits<uint32_t>::max();

/// The part of a ticket event the SLA clocks need. `value` holds the
/// priority (opened, priority_changed), the status (status_changed) or, for
/// replies, bit 0 = customer author and bit 1 = public.
struct EventRec {
  int64_t t = 0;
  uint32_t account = kNoAccount;  // interned account id (opened only)
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
  std::vector<InstanceSpan> instances;  // sorted by (metric, cycle)
  std::vector<StatusChange> statuses;   // from the open on, first entry = (opened_at, open)
};

/// tier_at(account, t): interned tier of the account's latest upsert at or
/// before t (the "unknown" id when none). select(tier, priority): policy index
/// or -1.
struct FoldContext {
  const SlaConfig* config = nullptr;
  std::function<uint32_t(uint32_t account, int64_t t)> tier_at;
  std::function<int(uint32_t tier, events::Priority p)> select;
};

/// Folds `events` (sorted by RecLess) ignoring those after `as_of`. Pure.
void FoldTicket(const std::vector<EventRec>& events, int64_t as_of, const FoldContext& ctx, TicketFold* out);

/// Timing of one instance at `as_of` (SLA_SEMANTICS.md "Business elapsed",
/// "Breach", "Risk level").
struct InstanceTiming {
  InstanceState state = InstanceState::kActive;
  int64_t elapsed = 0;
  bool breached = false;
  int64_t breach_at = kNoStop;  // kNoStop when not breached
  int64_t due_at = kNoStop;     // kNoStop when not applicable
  RiskLevel level = RiskLevel::kOk;
  /// For an active instance: the next instant its level changes (warning or
  /// breach), kNoStop if none.
  int64_t next_change = kNoStop;
};

/// `scratch` is reused between calls to avoid allocations.
InstanceTiming TimeInstance(const InstanceSpan& span, const SlaPolicy& policy,
                            const std::vector<StatusChange>& statuses, int64_t as_of, std::vector<TimeRange>* scratch);

}  // namespace slamon::projections::detail
