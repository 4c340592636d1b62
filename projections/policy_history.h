// Policy history: the versions of the result-affecting config sections
// (`calendars:`, `policies:`, `health:`) recorded in the store's policy log
// (events/store/policy_log.h), parsed, so that a replay judges each ticket under the
// policy in force when it opened.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"
#include "events/store/policy_log.h"
#include "projections/health_config.h"
#include "projections/sla_config.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace slamon::projections {

/// The sections of the config document `root` that affect SLA or health
/// results (`calendars`, `health`, `policies`), re-emitted deterministically:
/// mapping keys sorted at every level, sequences in order, no comments, one
/// layout. Comments, whitespace, key order, quoting and every other section
/// (kafka, http, store, ...) therefore do not change it; any change of a
/// value does. Absent and null sections are left out. Never throws.
std::string CanonicalPolicyText(const YAML::Node& root);

/// One parsed policy version.
struct PolicyEpoch {
  uint64_t version = 0;        ///< record version; 0 for a config that is not in the store
  int64_t effective_from = 0;  ///< Unix seconds
  std::shared_ptr<const SlaConfig> sla;
  HealthConfig health;
};

/// Ordered policy versions. Immutable after construction; safe to share.
class PolicyHistory {
 public:
  /// Parses every record's text (errors name "policy version N"). An empty
  /// `records` gives an empty history.
  static StatusOr<std::shared_ptr<const PolicyHistory>> FromRecords(const std::vector<events::PolicyVersion>& records);
  /// The store's policy log, parsed (empty history when the log is empty).
  static StatusOr<std::shared_ptr<const PolicyHistory>> FromStore(const events::EventStore& store);
  /// A history of one version (0) in force at all times.
  static std::shared_ptr<const PolicyHistory> Single(std::shared_ptr<const SlaConfig> sla, HealthConfig health);

  bool empty() const { return epochs_.empty(); }
  size_t size() const { return epochs_.size(); }
  const std::vector<PolicyEpoch>& epochs() const { return epochs_; }
  /// Index of the version in force at `t`: the last with effective_from <= t,
  /// or the first one for instants before it. Requires !empty().
  size_t IndexAt(int64_t t) const;
  const PolicyEpoch& At(int64_t t) const { return epochs_[IndexAt(t)]; }
  const PolicyEpoch& latest() const { return epochs_.back(); }

 private:
  std::vector<PolicyEpoch> epochs_;
};

/// Opens the store at `store_path` read-only (never creating it) and parses
/// its policy log; IoError "cannot open store PATH: ..." when it cannot.
StatusOr<std::shared_ptr<const PolicyHistory>> ReadPolicyHistory(const std::string& store_path);

/// Daemon start-up: records the canonical policy text of `root` as a new
/// version effective from `now` unless the store's latest version has the
/// same fingerprint. Returns the version in force; `*appended` tells whether
/// it was just recorded.
StatusOr<events::PolicyVersion> RecordPolicyVersion(events::EventStore* store, const YAML::Node& root, int64_t now,
                                                    bool* appended);

}  // namespace slamon::projections
