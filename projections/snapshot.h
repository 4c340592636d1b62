// Projection snapshots: the serialized replay state of the
// projections, tagged with the store position it covers, kept in the
// event store's `snapshots` column family, so that a restart or an as-of
// query loads the newest snapshot and replays only the events stored after
// it (the tail) instead of the whole store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"
#include "projections/accounts/csat_responses.h"
#include "projections/accounts/health_projection.h"
#include "projections/registry.h"
#include "projections/sla/sla_projection.h"

namespace slamon::projections {

/// Store position: topic -> partition -> next offset (EventStore::AllOffsets()).
/// Events are keyed (topic, partition, offset), so "every event below these
/// next offsets" is exact.
using StoreOffsets = std::map<std::string, std::map<int32_t, int64_t>>;

/// Section names written by the daemon and `slamon snapshot`.
inline constexpr std::string_view kSlaSection = "sla";
inline constexpr std::string_view kHealthSection = "health";
inline constexpr std::string_view kCsatResponsesSection = "csat_responses";
inline constexpr std::string_view kTrendsSection = "trends";

/// What one snapshot covers.
struct SnapshotInfo {
  uint64_t seq = 0;                   ///< key in the column family, increasing; assigned by WriteSnapshot
  int64_t created_at = 0;             ///< Unix seconds
  StoreOffsets offsets;               ///< the states hold exactly the stored events below these offsets
  int64_t events = 0;                 ///< number of those events
  int64_t max_occurred_at = 0;        ///< latest occurred_at among them (0 if none)
  uint64_t bytes = 0;                 ///< size of all sections
  std::vector<std::string> sections;  ///< section names, in stored order
};

/// A snapshot: its header and its serialized sections by name.
struct Snapshot {
  SnapshotInfo info;
  std::map<std::string, std::string, std::less<>> sections;
};

/// Writes `snapshot` (assigning info.seq, info.bytes, info.sections) and
/// deletes all but the newest `keep` snapshots, in one atomic write that
/// bypasses the WAL (a write of tens of MB must not stall the ingest
/// thread's synced batches), then flushes it to disk. A crash before the
/// flush loses only this snapshot.
Status WriteSnapshot(const events::EventStore& store, Snapshot* snapshot, int keep);

/// Headers of the stored snapshots, oldest first (ones with an unreadable
/// header are skipped).
StatusOr<std::vector<SnapshotInfo>> ListSnapshots(const events::EventStore& store);

/// Reads snapshot `seq` and verifies its checksum.
StatusOr<Snapshot> ReadSnapshot(const events::EventStore& store, uint64_t seq);

/// The newest snapshot that reads back intact and has every section of
/// `needed`; nullopt when there is none. Corrupt snapshots are logged and
/// skipped (the caller then replays more, never wrong).
std::optional<Snapshot> LoadLatestSnapshot(const events::EventStore& store, const std::vector<std::string>& needed);

/// Calls `fn` for every stored event not covered by `covered`: for each
/// stored (topic, partition), offsets >= its covered next offset (all of a
/// partition absent from `covered`). `*count` (optional) receives the
/// number of events passed to `fn`.
Status ScanTail(const events::EventStore& store, const StoreOffsets& covered,
                const std::function<void(const events::StoredEvent&)>& fn, int64_t* count = nullptr);

/// The projections one replay builds; null members are not wanted.
struct ReplayTargets {
  SlaProjection* sla = nullptr;
  HealthProjection* health = nullptr;
  CsatResponseCounts* csat_responses = nullptr;
};

/// What Restore() did.
struct RestoreResult {
  std::optional<SnapshotInfo> snapshot;  ///< the snapshot started from, if any
  int64_t snapshot_events = 0;           ///< events covered by it
  int64_t tail_events = 0;               ///< events applied after it (all of them without one)
  int64_t max_occurred_at = 0;           ///< over snapshot and tail
  double load_seconds = 0;               ///< reading and decoding the snapshot
  double tail_seconds = 0;               ///< scanning and applying the tail
};

/// Builds `targets` (empty projections) from the store: with `use_snapshot`,
/// from the newest usable snapshot plus the tail; otherwise, or when no
/// snapshot is usable, from every stored event. `apply` applies one event to
/// every target. The result equals a full replay because the projections are
/// order-independent folds over the set of events.
Status Restore(const events::EventStore& store, bool use_snapshot, const ReplayTargets& targets,
               const std::function<void(const events::Event&)>& apply, RestoreResult* result);

/// The same for the registered projections (projections/registry.h), each
/// section named after its projection: `set` (empty projections) is replaced
/// by the snapshot's state only when every section loads; `apply` applies
/// one tail event (to `set` and whatever else the caller keeps).
Status Restore(const events::EventStore& store, bool use_snapshot, ProjectionSet* set,
               const std::function<void(const events::Event&)>& apply, RestoreResult* result);

/// Serializes `targets` into a snapshot covering `offsets`.
Snapshot MakeSnapshot(const ReplayTargets& targets, StoreOffsets offsets, int64_t events, int64_t max_occurred_at,
                      int64_t created_at);

/// Serializes every projection of `set`, each as the section of its name.
Snapshot MakeSnapshot(const ProjectionSet& set, StoreOffsets offsets, int64_t events, int64_t max_occurred_at,
                      int64_t created_at);

/// One line describing a snapshot, for logs and `slamon snapshot`.
std::string DescribeSnapshot(const SnapshotInfo& info);

}  // namespace slamon::projections
