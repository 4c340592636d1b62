// One SLA instance as reported by replay and the JSON API
// (docs/sla-semantics.md "Output record").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "events/event.h"
#include "projections/sla/sla_types.h"

namespace slamon::events {
class JsonWriter;
}  // namespace slamon::events

namespace slamon::projections {

/// The state of one SLA instance at an as-of time. Times are Unix seconds.
struct SlaRecord {
  std::string ticket_id;
  std::string account_id;
  std::string tier;  ///< the account's tier when the ticket opened, "unknown" if none
  events::Priority priority = events::Priority::kNormal;  ///< the ticket's priority at as-of
  std::string policy;                                     ///< the policy the instance is evaluated under
  Metric metric = Metric::kFirstResponse;
  int cycle = 1;
  int64_t start = 0;
  std::optional<int64_t> stop;
  InstanceState state = InstanceState::kActive;
  int64_t target_seconds = 0;
  /// Business seconds of [start, min(stop, as_of)) outside pauses; keeps
  /// counting past the target while running.
  int64_t elapsed_seconds = 0;
  bool breached = false;
  std::optional<int64_t> breach_at;  ///< when elapsed reached the target (running or stopped)
  /// For an active (running, not paused) unbreached instance: when elapsed
  /// will reach the target if nothing pauses it. Null when paused: elapsed
  /// does not grow until the pause ends.
  std::optional<int64_t> due_at;
  RiskLevel level = RiskLevel::kOk;  ///< meaningful for running instances
  /// The policy log version `policy` was taken from (events/store/policy_log.h);
  /// 0 when evaluated under a config file only. JSONL shows it when non-zero.
  uint64_t policy_version = 0;
  /// The department of an `assignment` instance; empty for other metrics.
  std::string group;
  /// The last escalation step a breached instance reached (by overshoot of
  /// its target), and when it was reached.
  std::optional<std::string> escalation;
  std::optional<int64_t> escalated_at;
  /// The account's team when the ticket opened (routing of escalations; not
  /// part of the JSONL record).
  std::string team;

  bool operator==(const SlaRecord&) const = default;
};

/// Writes the record's keys and values, in the documented order, into the
/// object `w` has open: the one definition of a record's JSON, which
/// AppendJsonl and explain's lines share.
void WriteRecordFields(events::JsonWriter& w, const SlaRecord& r);

/// Appends the record as one JSON line (with '\n'), keys in the documented
/// order, null for absent values, timestamps `YYYY-MM-DDTHH:MM:SSZ`.
void AppendJsonl(const SlaRecord& r, std::string* out);
std::string ToJsonl(const SlaRecord& r);

}  // namespace slamon::projections
