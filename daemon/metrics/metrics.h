// Pipeline metrics of docs/metrics.md, registered in one prometheus-cpp Registry.
// Updated by the ingest thread, the store writer thread and the projection
// host; prometheus-cpp's metric types are atomic, so a scrape never blocks ingest.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/metrics/kafka_health_metrics.h"
#include "events/event.h"
#include "events/quarantine.h"
#include "events/store/event_store.h"

namespace slamon::daemon {

class PipelineMetrics {
 public:
  explicit PipelineMetrics(std::shared_ptr<prometheus::Registry> registry);

  /// Counts what one stored batch did and how long the append took.
  void OnAppend(const events::AppendResult& result, double seconds, int64_t store_events);
  /// slamon_events_applied_total follows `applied`, the projection host's
  /// cumulative count of handed-over events in the published snapshot (a
  /// smaller value than one seen before is ignored). Any thread.
  void SetEventsApplied(int64_t applied);
  /// slamon_memory_bytes{part}: memtables, block_cache, dedupe_table or
  /// batches_in_flight (other parts are ignored). Any thread.
  void SetMemoryBytes(const std::string& part, uint64_t bytes);
  /// Lag of a partition: high watermark - next offset.
  void SetLag(const std::string& topic, int32_t partition, int64_t lag);
  void SetReplaySeconds(double seconds) { replay_seconds_->Set(seconds); }
  /// The store gauges as the store holds them at open, so that they are
  /// right before the first batch after a restart.
  void SetStoreState(int64_t events, int64_t newest_occurred_at) {
    store_events_->Set(static_cast<double>(events));
    last_event_ts_->Set(static_cast<double>(newest_occurred_at));
  }

  // Scale-out (consumer-group membership) and readiness.
  /// A partition this instance owns: restoring (1) or counted (0).
  void SetPartitionRestoring(const std::string& topic, int32_t partition, bool restoring);
  /// A partition revoked or lost: its lag and restoring series disappear.
  void RemovePartition(const std::string& topic, int32_t partition);
  void SetPartitionsOwned(size_t n) { partitions_owned_->Set(static_cast<double>(n)); }
  void SetRestoreRemaining(int64_t n) { restore_remaining_->Set(static_cast<double>(n)); }
  void OnRebalance() { rebalances_->Increment(); }
  void SetRebuildSeconds(double seconds) { rebuild_seconds_->Set(seconds); }
  void SetStoreWriteFailing(bool failing) { store_write_failing_->Set(failing ? 1 : 0); }
  void SetReady(bool ready) { ready_->Set(ready ? 1 : 0); }
  /// slamon_topic_retention_ok{topic}: 1 when the topic keeps every event,
  /// 0 when its retention or cleanup policy would delete some (absent until
  /// a check succeeded; the last verdict stays while the cluster cannot be asked).
  void SetTopicRetentionOk(const std::string& topic, bool ok);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::array<prometheus::Counter*, events::kEventTypeCount> ingested_{};
  std::array<prometheus::Counter*, events::kRejectReasonCount> rejected_{};
  prometheus::Counter* duplicates_;
  prometheus::Histogram* append_seconds_;
  prometheus::Gauge* store_events_;
  prometheus::Gauge* last_event_ts_;
  prometheus::Gauge* replay_seconds_;
  prometheus::Family<prometheus::Gauge>* lag_family_;
  prometheus::Family<prometheus::Gauge>* restoring_family_;
  prometheus::Gauge* partitions_owned_;
  prometheus::Gauge* restore_remaining_;
  prometheus::Counter* rebalances_;
  prometheus::Gauge* rebuild_seconds_;
  prometheus::Gauge* store_write_failing_;
  prometheus::Gauge* ready_;
  prometheus::Family<prometheus::Gauge>* retention_family_;
  prometheus::Counter* applied_;
  std::mutex applied_mu_;
  int64_t applied_seen_ = 0;                          // guarded by applied_mu_
  std::map<std::string, prometheus::Gauge*> memory_;  // fixed at construction
  std::mutex lag_mu_;
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> lag_;
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> restoring_;
  std::map<std::string, prometheus::Gauge*> retention_;  // guarded by lag_mu_
  KafkaHealthMetrics kafka_health_{*registry_};          // slamon_kafka_brokers_up, slamon_kafka_errors_total
};

}  // namespace slamon::daemon
