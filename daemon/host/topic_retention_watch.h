// The daemon's check that its topics keep every event: at start and then
// periodically (a topic auto-created later, or altered by someone, is seen
// within a period), it describes each topic of kafka.topics and sets
// slamon_topic_retention_ok{topic}; a topic whose retention.ms,
// retention.bytes or cleanup.policy would delete history is logged as a
// warning with the command that fixes it. A cluster that does not answer
// is retried sooner and changes nothing: ingest never waits for this check.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/metrics/metrics.h"
#include "events/kafka/kafka_settings.h"

namespace slamon::daemon {

struct TopicRetentionWatchOptions {
  std::chrono::milliseconds period{std::chrono::minutes(10)};           ///< between checks that got an answer
  std::chrono::milliseconds retry{std::chrono::minutes(1)};             ///< after a check that got none
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};  ///< per admin request
  std::string config_file;  ///< named in the fix hint (`slamon topic create --config FILE --fix`)
};

/// Thread-safety: Start() and Stop() from one thread; the metrics it sets are thread-safe.
class TopicRetentionWatch {
 public:
  TopicRetentionWatch(events::KafkaSettings settings, PipelineMetrics* metrics, TopicRetentionWatchOptions options);
  ~TopicRetentionWatch();
  TopicRetentionWatch(const TopicRetentionWatch&) = delete;
  TopicRetentionWatch& operator=(const TopicRetentionWatch&) = delete;

  /// Starts the thread; the first check runs at once.
  void Start();
  /// Stops promptly, also in the middle of a check. Idempotent.
  void Stop();

 private:
  /// One check of every topic; false when the cluster could not be asked.
  bool CheckOnce();

  events::KafkaSettings settings_;
  PipelineMetrics* metrics_;
  TopicRetentionWatchOptions options_;
  std::map<std::string, std::string> last_verdict_;  // topic -> what was logged last (log on change only)
  bool last_check_failed_ = false;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace slamon::daemon
