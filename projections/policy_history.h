// Policy history: the versions of the result-affecting config sections
// (`calendars:`, `policies:`, `health:` and the value sections) recorded in
// the store's policy log (events/store/policy_log.h), parsed into the SLA and
// health configs of each version, so that a replay judges each ticket under
// the policy in force when it opened. The generic part (stamps, the version
// in force at an instant, canonical text, recording) is
// projections/core/policy_timeline.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"
#include "events/store/policy_log.h"
#include "projections/accounts/health_config.h"
#include "projections/core/policy_timeline.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"

namespace slamon::projections {

/// One parsed policy version.
struct PolicyEpoch {
  uint64_t version = 0;        ///< record version; 0 for a config that is not in the store
  int64_t effective_from = 0;  ///< Unix seconds
  std::shared_ptr<const SlaConfig> sla;
  HealthConfig health;
};

/// Ordered policy versions. Immutable after construction; safe to share.
/// It is the SLA projection's timeline of SLA configs (pass it as
/// SlaProjectionOptions::history) with each version's health config besides.
class PolicyHistory : public SlaPolicyTimeline {
 public:
  /// Parses every record's text (errors name "policy version N"). An empty
  /// `records` gives an empty history.
  static StatusOr<std::shared_ptr<const PolicyHistory>> FromRecords(const std::vector<events::PolicyVersion>& records);
  /// The store's policy log, parsed (empty history when the log is empty).
  static StatusOr<std::shared_ptr<const PolicyHistory>> FromStore(const events::EventStore& store);
  /// A history of one version (0) in force at all times.
  static std::shared_ptr<const PolicyHistory> Single(std::shared_ptr<const SlaConfig> sla, HealthConfig health);

  const std::vector<PolicyEpoch>& epochs() const { return epochs_; }
  /// The version in force at `t` (see IndexAt). Requires !empty().
  const PolicyEpoch& At(int64_t t) const { return epochs_[IndexAt(t)]; }
  const PolicyEpoch& latest() const { return epochs_.back(); }

 private:
  void Add(PolicyEpoch epoch);

  std::vector<PolicyEpoch> epochs_;
};

/// Opens the store at `store_path` read-only (never creating it) and parses
/// its policy log; IoError "cannot open store PATH: ..." when it cannot.
StatusOr<std::shared_ptr<const PolicyHistory>> ReadPolicyHistory(const std::string& store_path);

}  // namespace slamon::projections
