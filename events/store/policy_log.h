// The policy log: versioned records of the configuration sections that affect
// SLA or health results, in the `policies` column family of the event store.
// The daemon appends a version when it starts or reloads with a changed
// config, so that replays can judge each ticket under the policy in force
// when it opened.
// The text is opaque here: projections/policy_history.h produces and parses it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"

namespace slamon::events {

/// One policy record. Key: big-endian u64 `version` (1, 2, ...). Value: a
/// format byte (1), big-endian i64 `effective_from`, the 64-character
/// `fingerprint`, then `text`.
struct PolicyVersion {
  uint64_t version = 0;
  int64_t effective_from = 0;  ///< Unix seconds; non-decreasing with version
  std::string fingerprint;     ///< lower-case hex SHA-256 of `text`
  std::string text;            ///< canonical YAML of the result-affecting sections

  bool operator==(const PolicyVersion&) const = default;
};

/// Lower-case hex SHA-256 of `text` (64 characters).
std::string PolicyFingerprint(std::string_view text);

/// Every record in version order (empty when none). Works on read-only stores.
StatusOr<std::vector<PolicyVersion>> ReadPolicyLog(const EventStore& store);

/// Appends `text` as the next version, with one synced write. effective_from
/// is raised to the latest record's when smaller, so versions never go back
/// in time (a wall clock stepped backwards). Fails on a read-only store.
/// Single writer: the daemon, at start-up and on each config reload (reloads
/// run one at a time).
StatusOr<PolicyVersion> AppendPolicyVersion(EventStore* store, std::string text, int64_t effective_from);

/// The latest version when its fingerprint equals `text`'s, otherwise a new
/// version appended as by AppendPolicyVersion. `*appended` tells which.
StatusOr<PolicyVersion> RecordPolicyIfChanged(EventStore* store, std::string text, int64_t effective_from,
                                              bool* appended);

}  // namespace slamon::events
