// The ingest loop: consumed batch -> decode + validate -> one synced
// WriteBatch in the event store -> (for visibility only) offsets committed to
// Kafka -> events handed to the projections.
//
// Scale-out: the loop tracks the partitions this consumer-group member owns.
// A newly assigned partition is "restoring" (its events are stored but not
// handed to the projections) until its lag is at most `ready_max_lag`; then
// the projections are rebuilt from the store for the counted partitions, so
// a partition is counted by one instance only and only once it is complete.
// A revoked partition stops being counted at once (rebuild without it).
//
// Backpressure: a failed store write pauses every assigned partition, never
// commits, keeps serving the group, retries the failed batch every second,
// and on success resumes each partition from the store's next offset.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "daemon/metrics/metrics.h"
#include "events/codec.h"
#include "events/kafka/message_source.h"
#include "events/store/event_store.h"

namespace slamon::daemon {

/// (topic, partition) pairs.
using PartitionSet = std::set<std::pair<std::string, int32_t>>;

class IngestLoop {
 public:
  /// Called after each stored batch with the events that were stored (not
  /// duplicates, not rejects) of counted partitions, in consumption order,
  /// moved out of the batch. Used by the projections.
  using StoredHandler = std::function<void(std::vector<events::Event>&&)>;
  /// Called on the ingest thread, between two store writes, when the set of
  /// counted partitions changed: with add_only, `partitions` are restored
  /// partitions to add (ProjectionHost::AddPartitions); else they are every
  /// counted partition and the projections are rebuilt from the store
  /// (ProjectionHost::Rebuild). Reports the events applied.
  using RebuildHandler = std::function<Status(const PartitionSet& partitions, bool add_only, int64_t* events)>;
  /// Test hook: when set and returning an error, a store write fails with it.
  using AppendFault = std::function<Status()>;

  IngestLoop(events::EventStore* store, PipelineMetrics* metrics, events::CodecOptions codec,
             int64_t ready_max_lag = 1000);

  void set_on_stored(StoredHandler h) { on_stored_ = std::move(h); }
  void set_on_rebuild(RebuildHandler h) { on_rebuild_ = std::move(h); }
  /// The partitions the projections hold before the first assignment (those
  /// the start-up replay covered: every partition of the store).
  void set_counted(PartitionSet counted) { counted_ = std::move(counted); }
  void set_append_fault_for_testing(AppendFault f) { append_fault_ = std::move(f); }
  /// Told whether every partition of the store is counted and none is
  /// restoring (ProjectionHost::set_holds_every_stored_partition); false is
  /// told before any event of a restoring partition is stored.
  void set_on_coverage(std::function<void(bool)> h) { on_coverage_ = std::move(h); }

  /// Decodes and stores one batch. When the store refuses the write (disk
  /// full, read-only) the loop enters the failing state (see above) and the
  /// error is returned; the batch is kept for the retries.
  Status Ingest(std::vector<events::Message>& batch);
  /// For the source's flush-before-revoke: stores what was gathered, or
  /// drops it while the store is failing (nothing was stored, nothing
  /// committed: the next owner reads it from Kafka).
  void FlushBeforeRevoke(std::vector<events::Message>& pending);

  /// Polls `source` and ingests until `stop` is set, the client fails
  /// fatally, or — with exit_on_eof — every assigned partition is at its end.
  Status Run(events::MessageSource* source, const std::atomic<bool>& stop, bool exit_on_eof);

  /// False while a store write is failing.
  bool store_writable() const { return store_writable_; }
  /// Set once all assigned partitions reached their end at least once.
  bool caught_up() const { return caught_up_; }
  /// Empty when this loop is ready to serve; else why not (any thread).
  std::string NotReadyReason() const;

 private:
  Status Store();  // appends items_; on success hands events over
  Status OnAssignmentChange(events::MessageSource* source);
  Status CheckPartitions(events::MessageSource* source);
  Status RebuildCounted(const PartitionSet* added_only = nullptr);
  void TellCoverage();
  void RetryFailedWrite(events::MessageSource* source);
  void SetNotReady(std::string why);

  events::EventStore* store_;
  PipelineMetrics* metrics_;
  events::Decoder decoder_;
  int64_t ready_max_lag_;
  StoredHandler on_stored_;
  RebuildHandler on_rebuild_;
  AppendFault append_fault_;
  std::function<void(bool)> on_coverage_;
  std::vector<events::BatchItem> items_;
  std::atomic<bool> store_writable_{true};
  std::atomic<bool> caught_up_{false};
  std::map<std::pair<std::string, int32_t>, int64_t> last_next_;

  // Ingest thread only.
  PartitionSet owned_;
  PartitionSet counted_;
  struct Restore {
    std::chrono::steady_clock::time_point since;
    int64_t next_at_start = -1;  // the store's next offset when assigned
  };
  std::map<std::pair<std::string, int32_t>, Restore> restoring_;
  bool assigned_once_ = false;
  std::string store_error_;
  std::chrono::steady_clock::time_point last_retry_{};

  mutable std::mutex ready_mu_;
  std::string not_ready_ = "waiting for a partition assignment";
};

}  // namespace slamon::daemon
