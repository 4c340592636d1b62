// Pipeline metrics of METRICS.md, registered in one prometheus-cpp Registry.
// Updated by the ingest thread; prometheus-cpp's metric types are atomic, so
// a scrape never blocks ingest.
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

#include "events/event.h"
#include "events/event_store.h"
#include "events/quarantine.h"

namespace slamon::daemon {

class PipelineMetrics {
 public:
  explicit PipelineMetrics(std::shared_ptr<prometheus::Registry> registry);

  /// Counts what one stored batch did and how long the append took.
  void OnAppend(const events::AppendResult& result, double seconds, int64_t store_events);
  /// Lag of a partition: high watermark - next offset.
  void SetLag(const std::string& topic, int32_t partition, int64_t lag);
  void SetReplaySeconds(double seconds) { replay_seconds_->Set(seconds); }

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
  std::mutex lag_mu_;
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> lag_;
};

}  // namespace slamon::daemon
