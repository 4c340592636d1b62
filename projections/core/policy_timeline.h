// The generic part of policy history: the versions of the result-affecting
// config sections recorded in the store's policy log
// (events/store/policy_log.h), when each took effect, which one was in force
// at an instant, and the canonical text a version is recorded as. What a
// version holds is up to the subject: the SLA projection keeps a timeline of
// SLA configs (projections/sla/), projections/policy_history.h the SLA and
// health configs together.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"
#include "events/store/policy_log.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace slamon::projections {

/// Where one policy version sits in time.
struct PolicyStamp {
  uint64_t version = 0;        ///< record version; 0 for a config that is not in the store
  int64_t effective_from = 0;  ///< Unix seconds
};

/// Index of the version in force at `t` among `stamps` (ordered by
/// effective_from): the last with effective_from <= t, or the first one for
/// instants before it. Requires !stamps.empty().
size_t PolicyIndexAt(const std::vector<PolicyStamp>& stamps, int64_t t);

/// Policy versions in effective order, each with one subject's `Config`.
/// Immutable once shared; safe to read from any thread.
template <typename Config>
class PolicyTimeline {
 public:
  bool empty() const { return stamps_.empty(); }
  size_t size() const { return stamps_.size(); }
  /// Index of the version in force at `t` (see PolicyIndexAt). Requires !empty().
  size_t IndexAt(int64_t t) const { return PolicyIndexAt(stamps_, t); }
  const PolicyStamp& stamp(size_t index) const { return stamps_[index]; }
  const Config& config(size_t index) const { return configs_[index]; }
  /// Adds the next version; its effective_from must not precede the last one's.
  void Append(PolicyStamp stamp, Config config) {
    stamps_.push_back(stamp);
    configs_.push_back(std::move(config));
  }

 private:
  std::vector<PolicyStamp> stamps_;
  std::vector<Config> configs_;
};

/// The sections of the config document `root` that affect SLA or health
/// results (`calendars`, `health`, `policies`, and the value sections),
/// re-emitted deterministically: mapping keys sorted at every level,
/// sequences in order, no comments, one layout. Comments, whitespace, key
/// order, quoting and every other section (kafka, http, store, ...) therefore
/// do not change it; any change of a value does. Absent and null sections are
/// left out. Never throws.
std::string CanonicalPolicyText(const YAML::Node& root);

/// Opens the store at `store_path` read-only (never creating it) and reads
/// its policy log; IoError "cannot open store PATH: ..." when it cannot.
StatusOr<std::vector<events::PolicyVersion>> ReadPolicyRecords(const std::string& store_path);

/// Daemon start-up: records the canonical policy text of `root` as a new
/// version effective from `now` unless the store's latest version has the
/// same fingerprint. Returns the version in force; `*appended` tells whether
/// it was just recorded.
StatusOr<events::PolicyVersion> RecordPolicyVersion(events::EventStore* store, const YAML::Node& root, int64_t now,
                                                    bool* appended);

}  // namespace slamon::projections
