// Tests against a real Kafka broker (SLAMON_TEST_BROKERS): topics, producing
// and reading back messages, and a fixture that skips without a broker.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"

namespace slamon::testing {

/// SLAMON_TEST_BROKERS, or empty (the caller skips loudly).
std::string TestBrokers();
/// What a test says when it skips for want of a broker.
inline constexpr const char* kNoBrokers = "SLAMON_TEST_BROKERS is not set: start a broker with scripts/kafka start";
/// `n` times SLAMON_TEST_SCALE (a factor in (0, 1], default 1), at least
/// `at_least`: scripts/sanitize runs the integration tests smaller under
/// ThreadSanitizer, where everything is several times slower.
int64_t Scaled(int64_t n, int64_t at_least = 1);
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

/// A test on the broker of SLAMON_TEST_BROKERS, skipped (saying why) without
/// one: the brokers, a consumer group of its own, a temporary directory and,
/// when constructed with a prefix, a topic of its own. A subclass's SetUp
/// calls BrokerTest::SetUp() first and returns when IsSkipped().
class BrokerTest : public ::testing::Test {
 protected:
  BrokerTest() = default;
  /// topic_ is named after `topic_prefix` and, with `partitions` > 0, created with them.
  BrokerTest(std::string topic_prefix, int partitions)
      : topic_prefix_(std::move(topic_prefix)), topic_partitions_(partitions) {}

  void SetUp() override;
  /// A new topic named after `prefix` with `partitions` partitions.
  std::string NewTopic(const std::string& prefix, int partitions);

  std::string brokers_, group_, topic_;
  TempDir dir_;

 private:
  std::string topic_prefix_;
  int topic_partitions_ = 0;
};

}  // namespace slamon::testing
