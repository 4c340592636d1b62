// A librdkafka producer for `slamon produce` and the demo's built-in
// generator: writes generated events (key = account_id) at a given rate.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "events/common/status.h"
#include "events/demo/generator.h"
#include "events/kafka/kafka_source.h"

namespace slamon::events {

struct ProduceStats {
  int64_t sent = 0;
  int64_t failed = 0;  ///< delivery reports with an error
  int64_t malformed = 0;
  int64_t duplicates = 0;
};

class EventProducer {
 public:
  static StatusOr<std::unique_ptr<EventProducer>> Create(const std::string& brokers,
                                                         const std::map<std::string, std::string>& properties = {});
  ~EventProducer();

  /// Creates `topic` with `partitions` partitions unless it exists.
  Status EnsureTopic(const std::string& topic, int partitions);

  /// Produces messages from `gen` until `count` are sent (count < 0: until
  /// `stop`), at most `rate` per second (rate <= 0: as fast as possible).
  /// Waits for every delivery report before returning.
  Status Run(const std::string& topic, events::Generator& gen, int64_t count, double rate,
             const std::atomic<bool>& stop, ProduceStats* stats);

  /// Produces one raw message (tests, tools).
  Status Send(const std::string& topic, std::string_view key, std::string_view value);
  /// Waits up to `timeout_ms` for outstanding deliveries; error if some remain or failed.
  Status Flush(int timeout_ms);

 private:
  EventProducer() = default;
  events::KafkaHandle rk_;
  std::atomic<int64_t> delivery_failures_{0};
};

}  // namespace slamon::events
