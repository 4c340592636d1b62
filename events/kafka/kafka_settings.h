// The consumer's settings, in a header of their own without librdkafka, so
// that the daemon's configuration (daemon/config/) can hold them without
// seeing or linking the Kafka client.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace slamon::events {

/// Typed settings plus a raw librdkafka property map (for SSL/SASL, tuning).
struct KafkaSettings {
  std::string brokers = "embedded";  ///< bootstrap servers, or "embedded" (librdkafka mock cluster in process)
  std::vector<std::string> topics = {"slamon-events"};
  std::string group_id = "slamon";
  std::map<std::string, std::string> properties;  ///< passed to librdkafka as is; wins over defaults
  int batch_max_messages = 20000;
  size_t batch_max_bytes = 32u << 20;  ///< payload bytes per batch, bounds memory with large messages
  std::chrono::milliseconds batch_max_wait{100};
};

}  // namespace slamon::events
