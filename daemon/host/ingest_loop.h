// The ingest loop: consumed batch -> decode + validate -> one synced
// WriteBatch in the event store -> events handed to the projections ->
// (for visibility only) offsets committed to Kafka.
//
// Pipelined on two threads (ingest_pipeline.h): this thread polls and
// decodes batch N+1 while the store-writer thread writes and syncs batch N.
// The writer hands a batch's events to the projections right after its sync
// and before the next write; offsets are committed here once the batch's
// completion is taken. Whatever must see the store as a whole waits for the
// pipeline to drain first: the flush before a revoke, an assignment change
// (and the projections' rebuild), a partition becoming counted, the retries
// of a failing store, catching up at the end of the log, and shutdown.
//
// Scale-out: the loop tracks the partitions this consumer-group member owns.
// A newly assigned partition is "restoring" (its events are stored but not
// handed to the projections) until its lag is at most `ready_max_lag`; then
// the projections are rebuilt from the store for the counted partitions, so
// a partition is counted by one instance only and only once it is complete.
// A revoked partition stops being counted at once (rebuild without it).
//
// Backpressure: a failed store write pauses every assigned partition, never
// commits it, drops the batches decoded behind it (they are fetched again),
// keeps serving the group, retries the failed batch every second, and on
// success resumes each partition from the store's next offset.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "daemon/host/ingest_pipeline.h"
#include "daemon/metrics/metrics.h"
#include "events/codec.h"
#include "events/kafka/message_source.h"
#include "events/store/event_store.h"

namespace slamon::daemon {

/// The largest memory figures sampled (every half second) while ingesting.
struct IngestMemoryPeaks {
  uint64_t memtables = 0;          ///< RocksDB rocksdb.cur-size-all-mem-tables
  uint64_t block_cache = 0;        ///< RocksDB rocksdb.block-cache-usage (includes the memtables' charge)
  uint64_t dedupe_table = 0;       ///< the store's in-memory dedupe table
  uint64_t batches_in_flight = 0;  ///< decoded batches submitted to the store writer and not written
};

class IngestLoop {
 public:
  /// Called after each stored batch with the events that were stored (not
  /// duplicates, not rejects) of counted partitions, in consumption order,
  /// moved out of the batch. Used by the projections. Runs on the store
  /// writer thread, right after the batch's sync and before the next write.
  using StoredHandler = std::function<void(std::vector<events::Event>&&)>;
  /// Called on the ingest thread, with the pipeline drained, when the set of
  /// counted partitions changed: with add_only, `partitions` are restored
  /// partitions to add (ProjectionHost::AddPartitions); else they are every
  /// counted partition and the projections are rebuilt from the store
  /// (ProjectionHost::Rebuild). Reports the events applied.
  using RebuildHandler = std::function<Status(const PartitionSet& partitions, bool add_only, int64_t* events)>;
  /// Test hook: when set and returning an error, a store write fails with it
  /// (called on the store writer thread before each append).
  using AppendFault = std::function<Status()>;

  /// `max_in_flight`: decoded batches submitted to the store writer and not
  /// yet written at most (IngestPipeline).
  IngestLoop(events::EventStore* store, PipelineMetrics* metrics, events::CodecOptions codec,
             int64_t ready_max_lag = 1000, size_t max_in_flight = 2);
  /// Finishes the batches in flight, then stops the store writer.
  ~IngestLoop();

  void set_on_stored(StoredHandler h) { on_stored_ = std::move(h); }
  void set_on_rebuild(RebuildHandler h) { on_rebuild_ = std::move(h); }
  /// The partitions the projections hold before the first assignment (those
  /// the start-up replay covered: every partition of the store).
  void set_counted(PartitionSet counted) {
    counted_ = std::move(counted);
    counted_shared_.reset();
  }
  void set_append_fault_for_testing(AppendFault f) { append_fault_ = std::move(f); }
  /// Told whether every partition of the store is counted and none is
  /// restoring (ProjectionHost::set_holds_every_stored_partition); false is
  /// told before any event of a restoring partition is stored.
  void set_on_coverage(std::function<void(bool)> h) { on_coverage_ = std::move(h); }

  /// For the source's flush-before-revoke (ingest thread): waits for the
  /// batches in flight, then stores what was gathered and waits for its sync;
  /// or drops it while the store is failing (nothing was stored, nothing
  /// committed: the next owner reads it from Kafka).
  void FlushBeforeRevoke(std::vector<events::Message>& pending);

  /// Polls `source` and ingests until `stop` is set, the client fails
  /// fatally, or — with exit_on_eof — every assigned partition is at its end
  /// and stored. Returns with the pipeline drained.
  Status Run(events::MessageSource* source, const std::atomic<bool>& stop, bool exit_on_eof);

  /// False while a store write is failing.
  bool store_writable() const { return store_writable_; }
  /// Set once all assigned partitions reached their end at least once.
  bool caught_up() const { return caught_up_; }
  /// Empty when this loop is ready to serve; else why not (any thread).
  std::string NotReadyReason() const;
  /// The memory figures' peaks so far (any thread).
  IngestMemoryPeaks memory_peaks() const;

 private:
  IngestJob Decode(const std::vector<events::Message>& batch);
  void Submit(IngestJob job);
  // On the writer thread after a batch's sync: metrics and the hand-off.
  void OnSynced(IngestJob& job, const events::AppendResult& result, double seconds);
  // Takes the finished batches: offsets to commit, or the failing state.
  void Reap();
  void DrainAndReap();
  void EnterFailing(const Status& s, std::vector<events::BatchItem> items);
  void SampleMemory();
  Status OnAssignmentChange(events::MessageSource* source);
  Status CheckPartitions(events::MessageSource* source);
  Status RebuildCounted(const PartitionSet* added_only = nullptr);
  void TellCoverage();
  void RetryFailedWrite(events::MessageSource* source);
  bool AtEndOfLog(bool exit_on_eof);
  bool InFlightHidesCatchUp(events::MessageSource* source) const;
  void SetNotReady(std::string why);

  events::EventStore* store_;
  PipelineMetrics* metrics_;
  events::Decoder decoder_;
  int64_t ready_max_lag_;
  StoredHandler on_stored_;
  RebuildHandler on_rebuild_;
  AppendFault append_fault_;
  std::function<void(bool)> on_coverage_;
  std::atomic<bool> store_writable_{true};
  std::atomic<bool> caught_up_{false};

  // Ingest thread only.
  std::vector<events::BatchItem> retry_items_;                         // the failed batch, while the store is failing
  std::map<std::pair<std::string, int32_t>, int64_t> last_next_;       // written: committed for visibility
  std::map<std::pair<std::string, int32_t>, int64_t> submitted_next_;  // submitted to the writer (lag judgement)
  bool commit_due_ = false;
  PartitionSet owned_;
  PartitionSet counted_;
  std::shared_ptr<const PartitionSet> counted_shared_;  // a copy of counted_ for the jobs; null when stale
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

  std::atomic<uint64_t> dedupe_bytes_{0};  // set by the writer thread after each write
  mutable std::mutex peaks_mu_;
  IngestMemoryPeaks peaks_;
  // Last: destroyed first, finishing its writes while everything it calls exists.
  std::unique_ptr<IngestPipeline> pipeline_;
};

}  // namespace slamon::daemon
