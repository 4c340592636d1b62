// The ingest loop: consumed batch -> decode + validate -> one synced
// WriteBatch in the event store -> (for visibility only) offsets committed to
// Kafka -> events handed to the projections.
#pragma once

#include <atomic>
#include <functional>
#include <vector>

#include "daemon/metrics.h"
#include "events/codec.h"
#include "events/event_store.h"
#include "events/kafka_source.h"

namespace slamon::daemon {

class IngestLoop {
 public:
  /// Called after each stored batch with the events that were stored (not
  /// duplicates, not rejects), in consumption order, moved out of the batch.
  /// Used by the projections.
  using StoredHandler = std::function<void(std::vector<events::Event>&&)>;

  IngestLoop(events::EventStore* store, PipelineMetrics* metrics, events::CodecOptions codec);

  void set_on_stored(StoredHandler h) { on_stored_ = std::move(h); }

  /// Decodes and stores one batch. When the store refuses the write (disk
  /// full, read-only), retries every second until it succeeds or `stop` is
  /// set; nothing is acknowledged meanwhile. Returns the error only when it
  /// gave up because of `stop`.
  Status Ingest(std::vector<events::Message>& batch, const std::atomic<bool>& stop);

  /// Polls `source` and ingests until `stop` is set, the client fails
  /// fatally, or — with exit_on_eof — every assigned partition is at its end.
  Status Run(events::KafkaSource* source, const std::atomic<bool>& stop, bool exit_on_eof);

  /// False while a store write is failing.
  bool store_writable() const { return store_writable_; }
  /// Set once all assigned partitions reached their end at least once.
  bool caught_up() const { return caught_up_; }

 private:
  events::EventStore* store_;
  PipelineMetrics* metrics_;
  events::Decoder decoder_;
  StoredHandler on_stored_;
  std::vector<events::BatchItem> items_;
  std::atomic<bool> store_writable_{true};
  std::atomic<bool> caught_up_{false};
  std::map<std::pair<std::string, int32_t>, int64_t> last_next_;
};

}  // namespace slamon::daemon
