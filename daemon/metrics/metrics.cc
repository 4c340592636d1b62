#include "daemon/metrics/metrics.h"

#include <algorithm>

#include "daemon/metrics/build_info.h"

namespace slamon::daemon {

PipelineMetrics::PipelineMetrics(std::shared_ptr<prometheus::Registry> registry) : registry_(std::move(registry)) {
  auto& ingested = prometheus::BuildCounter()
                       .Name("slamon_events_ingested_total")
                       .Help("Events stored in the event store, by type (duplicates and rejects excluded).")
                       .Register(*registry_);
  for (int t = 0; t < events::kEventTypeCount; ++t) {
    ingested_[t] = &ingested.Add({{"type", std::string(events::Name(static_cast<events::EventType>(t)))}});
  }
  auto& rejected = prometheus::BuildCounter()
                       .Name("slamon_events_rejected_total")
                       .Help("Messages quarantined instead of stored, by reason.")
                       .Register(*registry_);
  for (int r = 0; r < events::kRejectReasonCount; ++r) {
    rejected_[r] = &rejected.Add({{"reason", std::string(events::Name(static_cast<events::RejectReason>(r)))}});
  }
  duplicates_ = &prometheus::BuildCounter()
                     .Name("slamon_events_duplicate_total")
                     .Help("Events dropped because their id was already stored.")
                     .Register(*registry_)
                     .Add({});
  append_seconds_ =
      &prometheus::BuildHistogram()
           .Name("slamon_store_append_seconds")
           .Help("Time to append and sync one consumed batch (its decode overlaps the previous batch's append).")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5, 1, 2.5});
  store_events_ = &prometheus::BuildGauge()
                       .Name("slamon_store_events")
                       .Help("Events in the event store.")
                       .Register(*registry_)
                       .Add({});
  last_event_ts_ = &prometheus::BuildGauge()
                        .Name("slamon_last_event_timestamp_seconds")
                        .Help("Largest occurred_at among stored events (Unix seconds).")
                        .Register(*registry_)
                        .Add({});
  replay_seconds_ = &prometheus::BuildGauge()
                         .Name("slamon_replay_seconds")
                         .Help("Duration of the start-up replay of the event store.")
                         .Register(*registry_)
                         .Add({});
  lag_family_ = &prometheus::BuildGauge()
                     .Name("slamon_kafka_consumer_lag")
                     .Help("Messages between the stored next offset and the partition's high watermark.")
                     .Register(*registry_);
  restoring_family_ = &prometheus::BuildGauge()
                           .Name("slamon_partition_restoring")
                           .Help(
                               "Partitions this instance owns: 1 while restoring (not counted in the business "
                               "metrics yet), 0 once counted.")
                           .Register(*registry_);
  retention_family_ = &prometheus::BuildGauge()
                           .Name("slamon_topic_retention_ok")
                           .Help(
                               "1 when the topic keeps every event (retention.ms=-1, retention.bytes=-1, "
                               "cleanup.policy=delete), 0 when its retention or compaction would delete history.")
                           .Register(*registry_);
  auto gauge = [this](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add({});
  };
  partitions_owned_ = gauge("slamon_partitions_owned", "Partitions assigned to this consumer-group member.");
  restore_remaining_ =
      gauge("slamon_restore_remaining_messages", "Messages still to consume before the restoring partitions count.");
  rebuild_seconds_ = gauge("slamon_rebalance_rebuild_seconds",
                           "Duration of the last rebuild of the projections after an ownership change.");
  store_write_failing_ =
      gauge("slamon_store_write_failing", "1 while event store writes fail (consumption paused, nothing committed).");
  ready_ = gauge("slamon_ready", "1 when /readyz answers 200: restored, caught up, store writable.");
  applied_ = &prometheus::BuildCounter()
                  .Name("slamon_events_applied_total")
                  .Help(
                      "Events handed over by the ingest loop that the projections applied and that the published "
                      "SLA snapshot (the slamon_sla_* families) includes.")
                  .Register(*registry_)
                  .Add({});
  auto& memory = prometheus::BuildGauge()
                     .Name("slamon_memory_bytes")
                     .Help(
                         "Memory of the ingest path by part, sampled every half second: memtables, block_cache "
                         "(includes the memtables' charge), dedupe_table, batches_in_flight.")
                     .Register(*registry_);
  for (const char* part : {"memtables", "block_cache", "dedupe_table", "batches_in_flight"}) {
    memory_[part] = &memory.Add({{"part", part}});
  }
  rebalances_ = &prometheus::BuildCounter()
                     .Name("slamon_rebalances_total")
                     .Help("Partition assignment changes seen by this consumer-group member.")
                     .Register(*registry_)
                     .Add({});
  prometheus::BuildGauge()
      .Name("slamon_build_info")
      .Help("Build information; the value is always 1.")
      .Register(*registry_)
      .Add({{"version", BuildVersion()}, {"revision", BuildRevision()}})
      .Set(1);
}

void PipelineMetrics::OnAppend(const events::AppendResult& result, double seconds, int64_t store_events) {
  for (int t = 0; t < events::kEventTypeCount; ++t) {
    if (result.stored_by_type[t]) ingested_[t]->Increment(static_cast<double>(result.stored_by_type[t]));
  }
  for (int r = 0; r < events::kRejectReasonCount; ++r) {
    if (result.rejected_by_reason[r]) rejected_[r]->Increment(static_cast<double>(result.rejected_by_reason[r]));
  }
  if (result.duplicates) duplicates_->Increment(static_cast<double>(result.duplicates));
  append_seconds_->Observe(seconds);
  store_events_->Set(static_cast<double>(store_events));
  if (result.last_occurred_at > last_event_ts_->Value()) {
    last_event_ts_->Set(static_cast<double>(result.last_occurred_at));
  }
}

void PipelineMetrics::SetEventsApplied(int64_t applied) {
  std::lock_guard<std::mutex> lock(applied_mu_);
  if (applied > applied_seen_) applied_->Increment(static_cast<double>(applied - applied_seen_));
  applied_seen_ = std::max(applied_seen_, applied);
}

void PipelineMetrics::SetMemoryBytes(const std::string& part, uint64_t bytes) {
  if (auto it = memory_.find(part); it != memory_.end()) it->second->Set(static_cast<double>(bytes));
}

void PipelineMetrics::SetLag(const std::string& topic, int32_t partition, int64_t lag) {
  std::lock_guard<std::mutex> lock(lag_mu_);
  auto& g = lag_[{topic, partition}];
  // With several topics partition numbers repeat, so the topic is a label too.
  if (g == nullptr) g = &lag_family_->Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  g->Set(static_cast<double>(std::max<int64_t>(lag, 0)));
}

}  // namespace slamon::daemon

namespace slamon::daemon {

void PipelineMetrics::SetPartitionRestoring(const std::string& topic, int32_t partition, bool restoring) {
  std::lock_guard<std::mutex> lock(lag_mu_);
  auto& g = restoring_[{topic, partition}];
  if (g == nullptr) g = &restoring_family_->Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  g->Set(restoring ? 1 : 0);
}

void PipelineMetrics::SetTopicRetentionOk(const std::string& topic, bool ok) {
  std::lock_guard<std::mutex> lock(lag_mu_);
  auto& g = retention_[topic];
  if (g == nullptr) g = &retention_family_->Add({{"topic", topic}});
  g->Set(ok ? 1 : 0);
}

void PipelineMetrics::RemovePartition(const std::string& topic, int32_t partition) {
  std::lock_guard<std::mutex> lock(lag_mu_);
  if (auto it = lag_.find({topic, partition}); it != lag_.end()) {
    lag_family_->Remove(it->second);
    lag_.erase(it);
  }
  if (auto it = restoring_.find({topic, partition}); it != restoring_.end()) {
    restoring_family_->Remove(it->second);
    restoring_.erase(it);
  }
}

}  // namespace slamon::daemon
