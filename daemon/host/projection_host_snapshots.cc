// ProjectionHost and projection snapshots: restoring from the
// newest snapshot at start-up and writing new ones while running.
#include <chrono>
#include <ctime>

#include "daemon/host/projection_host.h"
#include "events/common/logging.h"

namespace slamon::daemon {

Status ProjectionHost::RestoreFromStore(const events::EventStore& store, projections::RestoreResult* result) {
  store_ = &store;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SLAMON_RETURN_IF_ERROR(projections::Restore(
        store, /*use_snapshot=*/true, projections_.get(), [this](const events::Event& e) { ApplyLocked(e); }, result));
    applied_events_ = result->snapshot_events + result->tail_events;
    max_occurred_at_ = result->max_occurred_at;
    snapshot_events_ = result->snapshot_events;
    snapshot_wanted_ = false;
  }
  auto log = Log("snapshot");
  if (result->snapshot) {
    log->info("started from {} (loaded in {:.2f} s) + a tail of {} events (applied in {:.2f} s)",
              projections::DescribeSnapshot(*result->snapshot), result->load_seconds, result->tail_events,
              result->tail_seconds);
  } else {
    log->info("no usable snapshot: replayed all {} events in {:.2f} s", result->tail_events, result->tail_seconds);
  }
  // A long tail is worth a snapshot right away: nothing is ingesting yet, so
  // the store's offsets are exactly what the projections hold.
  if (snapshot_every_ > 0 && result->tail_events >= snapshot_every_) {
    std::optional<projections::Snapshot> snapshot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      snapshot = TakeSnapshotLocked(store.AllOffsets());
    }
    if (snapshot) WriteSnapshotNow(&*snapshot);
  }
  return Status::OK();
}

std::optional<projections::Snapshot> ProjectionHost::TakeSnapshotLocked(projections::StoreOffsets offsets) {
  snapshot_wanted_ = false;
  snapshot_events_ = applied_events_;
  // After a Rebuild() the projections hold some partitions only; while a
  // partition restores, its stored events are not applied yet. Either way the
  // store offsets would claim events the projections do not hold.
  if (!holds_every_stored_partition() || generation_ != 0 || store_ == nullptr) return std::nullopt;
  const auto t0 = std::chrono::steady_clock::now();
  projections::Snapshot snapshot = projections::MakeSnapshot(
      *projections_, std::move(offsets), applied_events_, max_occurred_at_, static_cast<int64_t>(std::time(nullptr)));
  Log("snapshot")
      ->debug("serialized {} events in {:.3f} s", applied_events_,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return snapshot;
}

void ProjectionHost::WriteSnapshotNow(projections::Snapshot* snapshot) {
  const auto t0 = std::chrono::steady_clock::now();
  Status s = projections::WriteSnapshot(*store_, snapshot, snapshot_keep_);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) {
    // Not fatal: the next restart replays more.
    Log("snapshot")->warn("writing a snapshot failed: {}", s.message());
    return;
  }
  Log("snapshot")->info("wrote {} in {:.2f} s", projections::DescribeSnapshot(snapshot->info), seconds);
}

}  // namespace slamon::daemon
