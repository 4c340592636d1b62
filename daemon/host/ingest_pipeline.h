// The store-writer half of the ingest loop: decoded batches are written to
// the event store by one thread of their own, so that the ingest thread
// polls and decodes batch N+1 while batch N is written and synced (both
// cores busy instead of one).
//
// Order and exactly-once: one writer takes the batches in the order they
// were submitted, and after each successful synced write calls `on_synced`
// (the hand-off to the projections) before it starts the next write. A
// failed write makes the pipeline *failed*: every batch still queued, and
// every batch submitted until Resume(), is dropped without being written (a
// later batch written after a failed one would move a partition's stored
// offset past events that were never stored). The failed batch's items are
// given back in its completion, for the retries.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"

namespace slamon::daemon {

/// (topic, partition) pairs.
using PartitionSet = std::set<std::pair<std::string, int32_t>>;

/// One decoded batch on its way to the store.
struct IngestJob {
  std::vector<events::BatchItem> items;
  /// The partitions whose stored events go to the projections, as they were
  /// when the batch was submitted (the loop changes them only while the
  /// pipeline is drained, so this is also what holds when it is written).
  std::shared_ptr<const PartitionSet> counted;
  size_t bytes = 0;  ///< approximate heap bytes of `items` (memory accounting)
};

/// What became of one submitted job (in submission order).
struct IngestCompletion {
  enum class Outcome { kWritten, kFailed, kDropped };
  Outcome outcome = Outcome::kDropped;
  Status status;                                            ///< the store's error when kFailed
  std::vector<events::BatchItem> items;                     ///< kFailed: the batch, for the retries; else empty
  std::map<std::pair<std::string, int32_t>, int64_t> next;  ///< kWritten: next offset per partition
  size_t messages = 0;
  double write_seconds = 0;  ///< kWritten: the append, sync included
};

/// Thread-safety: Submit, Drain, TakeCompleted, Resume and the accessors are
/// called from one thread (the ingest thread); `write` and `on_synced` run
/// on the writer thread, one job at a time.
class IngestPipeline {
 public:
  /// Appends one batch (the store's AppendBatch, or a test fault before it).
  using WriteFn = std::function<Status(const std::vector<events::BatchItem>& items, events::AppendResult* result)>;
  /// Called on the writer thread after each successful synced write, before
  /// the next write begins: the store holds exactly the batches written so far.
  using SyncedFn = std::function<void(IngestJob& job, const events::AppendResult& result, double seconds)>;

  /// `max_in_flight` (>= 1): jobs submitted and not finished at most; Submit
  /// waits for room. 2 lets one batch wait while another is written.
  IngestPipeline(WriteFn write, SyncedFn on_synced, size_t max_in_flight = 2);
  /// Finishes every submitted job, then stops the writer thread.
  ~IngestPipeline();
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  /// Queues a job; blocks while `max_in_flight` jobs are unfinished.
  void Submit(IngestJob job);
  /// Waits until every submitted job is finished (written, failed or dropped).
  void Drain();
  /// The finished jobs not taken yet, in submission order.
  std::vector<IngestCompletion> TakeCompleted();
  /// After a failure: accept writes again (the caller retries the failed batch).
  void Resume();
  /// True from a failed write until Resume().
  bool failed() const;
  /// Bytes of the batches submitted and not finished (memory accounting; any thread).
  size_t bytes_in_flight() const;

 private:
  void WriterLoop();
  IngestCompletion Write(IngestJob& job);

  WriteFn write_;
  SyncedFn on_synced_;
  const size_t max_in_flight_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<IngestJob> queue_;              // submitted, not taken by the writer
  size_t unfinished_ = 0;                    // queued + being written
  std::vector<IngestCompletion> completed_;  // finished, not taken
  size_t bytes_ = 0;                         // of the unfinished jobs
  bool failed_ = false;
  bool stop_ = false;
  std::thread writer_;  // last: started once everything above exists
};

}  // namespace slamon::daemon
