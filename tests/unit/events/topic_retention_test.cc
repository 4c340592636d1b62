// What in a topic's configuration deletes events (events/kafka/topic_admin.h),
// judged without a broker; the integration test topic_test.cc asks a real one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "events/kafka/topic_admin.h"

namespace slamon::events {
namespace {

using Configs = std::map<std::string, std::string>;

TEST(TopicRetentionTest, KeepEveryEventIsWhatSlamonCreatesAndHasNoProblem) {
  EXPECT_EQ(KeepEveryEventConfigs(),
            (Configs{{"retention.ms", "-1"}, {"retention.bytes", "-1"}, {"cleanup.policy", "delete"}}));
  EXPECT_TRUE(RetentionProblems(KeepEveryEventConfigs()).empty());
  // Settings the broker did not report are not judged.
  EXPECT_TRUE(RetentionProblems({}).empty());
}

TEST(TopicRetentionTest, TimeAndSizeLimitsAreNamedWithWhatTheyDelete) {
  EXPECT_EQ(RetentionProblems({{"retention.ms", "3600000"}, {"retention.bytes", "-1"}, {"cleanup.policy", "delete"}}),
            std::vector<std::string>{"retention.ms=3600000: events older than 1h are deleted"});
  // Kafka's default is 7 days; odd values read as what they are.
  EXPECT_EQ(RetentionProblems({{"retention.ms", "604800000"}}),
            std::vector<std::string>{"retention.ms=604800000: events older than 7d are deleted"});
  EXPECT_EQ(RetentionProblems({{"retention.ms", "90500"}}),
            std::vector<std::string>{"retention.ms=90500: events older than 1m30s are deleted"});
  EXPECT_EQ(RetentionProblems({{"retention.ms", "0"}}),
            std::vector<std::string>{"retention.ms=0: events older than 0ms are deleted"});
  EXPECT_EQ(RetentionProblems({{"retention.bytes", "1073741824"}}),
            std::vector<std::string>{"retention.bytes=1073741824: a partition's oldest events are deleted once it "
                                     "holds more than 1073741824 bytes"});
}

TEST(TopicRetentionTest, CompactionLosesHistoryWhateverTheRetention) {
  const std::string compaction =
      "cleanup.policy=compact: compaction keeps only the newest event of each account (the message key) and deletes "
      "the others";
  // Compaction alone applies no time limit: only compaction is named.
  EXPECT_EQ(RetentionProblems({{"cleanup.policy", "compact"}, {"retention.ms", "3600000"}}),
            std::vector<std::string>{compaction});
  // Both: both are named.
  EXPECT_EQ(RetentionProblems({{"cleanup.policy", "compact,delete"}, {"retention.ms", "3600000"}}),
            (std::vector<std::string>{"cleanup.policy=compact,delete: compaction keeps only the newest event of each "
                                      "account (the message key) and deletes the others",
                                      "retention.ms=3600000: events older than 1h are deleted"}));
}

TEST(TopicRetentionTest, TheFixCommandUsesKafkasToolAndSaysWhenTheClusterIsSecured) {
  KafkaSettings plain;
  plain.brokers = "kafka-1:9092,kafka-2:9092";
  EXPECT_EQ(RetentionFixCommand(plain, "slamon-events"),
            "kafka-configs.sh --bootstrap-server kafka-1:9092,kafka-2:9092 --alter --entity-type topics --entity-name "
            "slamon-events --add-config cleanup.policy=delete,retention.bytes=-1,retention.ms=-1");
  KafkaSettings secured = plain;
  secured.properties["security.protocol"] = "SASL_SSL";
  EXPECT_NE(RetentionFixCommand(secured, "slamon-events").find(" --command-config CLIENT.properties "),
            std::string::npos);
}

TEST(TopicRetentionTest, AnUnreachableClusterIsUnavailableWithinTheTimeout) {
  KafkaSettings settings;
  settings.brokers = "127.0.0.1:1";  // nothing listens there
  settings.topics = {"slamon-events"};
  const auto t0 = std::chrono::steady_clock::now();
  auto checked = CheckTopicRetention(settings, std::chrono::seconds(1));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().code(), Status::kUnavailable) << checked.status().message();
  EXPECT_LT(seconds, 5.0);
  // A property librdkafka refuses is the config's fault.
  settings.properties["no.such.property"] = "1";
  auto refused = CheckTopicRetention(settings, std::chrono::seconds(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::kInvalidArgument) << refused.status().message();
}

TEST(TopicRetentionTest, ACancelStopsTheWait) {
  KafkaSettings settings;
  settings.brokers = "127.0.0.1:1";
  std::atomic<bool> cancel{true};
  const auto t0 = std::chrono::steady_clock::now();
  auto checked = CheckTopicRetention(settings, std::chrono::seconds(30), &cancel);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.status().message().find("cancelled"), std::string::npos) << checked.status().message();
}

}  // namespace
}  // namespace slamon::events
