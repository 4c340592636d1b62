// Tests against a real Kafka broker (SLAMON_TEST_BROKERS): topics, producing
// and reading back messages.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace slamon::testing {

/// SLAMON_TEST_BROKERS, or empty (the caller skips loudly).
std::string TestBrokers();
/// A topic name unique to this process and call.
std::string UniqueName(const std::string& prefix);
/// Creates a topic (idempotent). Aborts the test on failure.
void CreateTopic(const std::string& brokers, const std::string& topic, int partitions);
/// High watermark per partition.
std::map<int32_t, int64_t> EndOffsets(const std::string& brokers, const std::string& topic, int partitions);

struct RawMessage {
  int32_t partition;
  int64_t offset;
  std::string key, value;
};
/// Every message of the topic from offset 0 to the current ends.
std::vector<RawMessage> ReadTopic(const std::string& brokers, const std::string& topic, int partitions);
/// Produces raw messages (key, value) and waits for delivery.
void ProduceRaw(const std::string& brokers, const std::string& topic,
                const std::vector<std::pair<std::string, std::string>>& messages);

/// A message with headers; a header whose value is nullopt is sent without a value.
struct HeaderedMessage {
  std::string key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};
/// Produces messages with their headers (librdkafka directly) and waits for
/// delivery. An empty value is sent as no value (a tombstone).
void ProduceWithHeaders(const std::string& brokers, const std::string& topic,
                        const std::vector<HeaderedMessage>& messages);

}  // namespace slamon::testing
