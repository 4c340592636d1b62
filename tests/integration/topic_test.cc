// The daemons' topic against a real broker (SLAMON_TEST_BROKERS): `slamon
// topic create` creates it to keep every event and is idempotent; a topic
// made elsewhere with a retention limit or compaction is reported (with the
// fix), fixed with --fix without losing its other settings; `slamon run`
// logs such a topic and exports slamon_topic_retention_ok 0, and
// `check-config` says the same.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "events/kafka/topic_admin.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::seconds;

class TopicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = TestBrokers();
    if (brokers_.empty()) GTEST_SKIP() << "SLAMON_TEST_BROKERS is not set (B=$(scripts/kafka start))";
  }

  std::unique_ptr<events::TopicAdmin> Admin() {
    events::KafkaSettings settings;
    settings.brokers = brokers_;
    auto admin = events::TopicAdmin::Create(settings);
    EXPECT_TRUE(admin.ok()) << admin.status().message();
    return admin.ok() ? admin.take() : nullptr;
  }

  // A topic made as an operator (or an auto-create) might have made it.
  void MakeTopic(const std::string& topic, const std::map<std::string, std::string>& configs) {
    auto admin = Admin();
    ASSERT_TRUE(admin);
    auto made = admin->CreateTopic(topic, 2, 1, configs, seconds(30));
    ASSERT_TRUE(made.ok()) << made.status().message();
    ASSERT_TRUE(*made);
  }

  // The topic as the broker describes it, once it shows `partitions` partitions
  // (metadata of a new topic takes a moment).
  events::TopicDescription Describe(const std::string& topic, int partitions) {
    auto admin = Admin();
    events::TopicDescription d;
    for (int i = 0; admin && i < 50; ++i) {
      auto described = admin->DescribeTopic(topic, seconds(10));
      EXPECT_TRUE(described.ok()) << described.status().message();
      if (!described.ok()) break;
      d = *described;
      if (d.exists && d.partitions == partitions) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return d;
  }

  RunResult Slamon(const TempDir& dir, const std::vector<std::string>& args) { return RunSlamon(args, dir.path()); }

  std::string brokers_;
};

TEST_F(TopicTest, CreatesATopicThatKeepsEveryEventAndIsIdempotent) {
  TempDir dir;
  const std::string topic = UniqueName("topic-create");
  const std::string config = WriteConfig(dir.path(), brokers_, topic, UniqueName("g"));
  const RunResult first = Slamon(dir, {"topic", "create", "--config", config, "--partitions", "3"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find(topic + ": created (3 partitions, replication factor of the broker's default): "
                                   "cleanup.policy=delete retention.bytes=-1 retention.ms=-1"),
            std::string::npos)
      << first.out;
  const events::TopicDescription d = Describe(topic, 3);
  ASSERT_TRUE(d.exists);
  EXPECT_EQ(d.partitions, 3);
  EXPECT_EQ(d.configs.at("retention.ms"), "-1");
  EXPECT_EQ(d.configs.at("retention.bytes"), "-1");
  EXPECT_EQ(d.configs.at("cleanup.policy"), "delete");
  EXPECT_TRUE(events::RetentionProblems(d.configs).empty());

  // Again: nothing to do, exit 0; --partitions does not touch an existing topic.
  const RunResult again = Slamon(dir, {"topic", "create", "--config", config, "--partitions", "5"});
  EXPECT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find(topic + ": exists (3 partitions) and keeps every event"), std::string::npos) << again.out;
  EXPECT_EQ(Describe(topic, 3).partitions, 3);
}

TEST_F(TopicTest, ATopicWithATimeLimitIsReportedThenFixedKeepingItsOtherSettings) {
  TempDir dir;
  const std::string topic = UniqueName("topic-1h");
  MakeTopic(topic, {{"retention.ms", "3600000"}, {"max.message.bytes", "2000000"}});
  const std::string config = WriteConfig(dir.path(), brokers_, topic, UniqueName("g"));

  const RunResult reported = Slamon(dir, {"topic", "create", "--config", config});
  EXPECT_EQ(reported.code, 1) << reported.out << reported.err;
  EXPECT_NE(reported.out.find(topic + ": exists (2 partitions) but would lose history:\n"
                                      "  retention.ms=3600000: events older than 1h are deleted\n"),
            std::string::npos)
      << reported.out;
  EXPECT_NE(reported.out.find("  fix: kafka-configs.sh --bootstrap-server " + brokers_ +
                              " --alter --entity-type topics --entity-name " + topic +
                              " --add-config cleanup.policy=delete,retention.bytes=-1,retention.ms=-1\n"),
            std::string::npos)
      << reported.out;
  EXPECT_NE(reported.out.find("  or:  slamon topic create --config " + config + " --fix"), std::string::npos);
  EXPECT_NE(reported.err.find("slamon topic create: 1 topic(s) would lose history"), std::string::npos) << reported.err;
  // Reporting changed nothing.
  EXPECT_EQ(Describe(topic, 2).configs.at("retention.ms"), "3600000");

  const RunResult fixed = Slamon(dir, {"topic", "create", "--config", config, "--fix"});
  ASSERT_EQ(fixed.code, 0) << fixed.out << fixed.err;
  EXPECT_NE(fixed.out.find(topic + ": fixed (retention.ms=3600000: events older than 1h are deleted), keeps every "
                                   "event now"),
            std::string::npos)
      << fixed.out;
  const events::TopicDescription d = Describe(topic, 2);
  EXPECT_TRUE(events::RetentionProblems(d.configs).empty());
  EXPECT_EQ(d.configs.at("retention.ms"), "-1");
  EXPECT_EQ(d.configs.at("max.message.bytes"), "2000000") << "--fix reset another topic setting";
  const RunResult after = Slamon(dir, {"topic", "create", "--config", config});
  EXPECT_EQ(after.code, 0) << after.out;
}

TEST_F(TopicTest, ACompactedTopicIsReported) {
  TempDir dir;
  const std::string topic = UniqueName("topic-compact");
  MakeTopic(topic, {{"cleanup.policy", "compact"}});
  const std::string config = WriteConfig(dir.path(), brokers_, topic, UniqueName("g"));
  const RunResult r = Slamon(dir, {"topic", "create", "--config", config});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("  cleanup.policy=compact: compaction keeps only the newest event of each account (the "
                       "message key) and deletes the others\n"),
            std::string::npos)
      << r.out;
  // check-config says so too, and the config stays valid.
  const RunResult check = Slamon(dir, {"check-config", config});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_NE(check.out.find("topic       " + topic + ": WARNING: would lose history: cleanup.policy=compact"),
            std::string::npos)
      << check.out;
}

TEST_F(TopicTest, CheckConfigSaysForEachTopicWhetherItKeepsEveryEvent) {
  TempDir dir;
  const std::string good = UniqueName("topic-good"), bad = UniqueName("topic-bad"), missing = UniqueName("nope");
  MakeTopic(good, events::KeepEveryEventConfigs());
  MakeTopic(bad, {{"retention.bytes", "1073741824"}});
  const std::string config = WriteConfig(dir.path(), brokers_, good + ", " + bad + ", " + missing, UniqueName("g"));
  const RunResult r = Slamon(dir, {"check-config", config});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("topic       " + good + ": keeps every event\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("topic       " + bad +
                       ": WARNING: would lose history: retention.bytes=1073741824: a partition's oldest events are "
                       "deleted once it holds more than 1073741824 bytes"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("topic       " + missing + ": does not exist yet (create it: slamon topic create --config " +
                       config + ")"),
            std::string::npos)
      << r.out;
}

TEST_F(TopicTest, RefusedRequestsAndAnUnreachableClusterAreNamed) {
  TempDir dir;
  const std::string topic = UniqueName("topic-rf");
  const std::string config = WriteConfig(dir.path(), brokers_, topic, UniqueName("g"));
  // The test cluster has one broker.
  const RunResult rf = Slamon(dir, {"topic", "create", "--config", config, "--replication-factor", "3"});
  EXPECT_EQ(rf.code, 2) << rf.out << rf.err;
  EXPECT_NE(rf.err.find("slamon topic create: cannot create topic " + topic + ": "), std::string::npos) << rf.err;
  EXPECT_NE(rf.err.find("eplication factor"), std::string::npos) << rf.err;

  const RunResult unreachable =
      Slamon(dir, {"topic", "create", "--config", config, "--set", "kafka.brokers=127.0.0.1:1", "--timeout", "2"});
  EXPECT_EQ(unreachable.code, 1) << unreachable.out << unreachable.err;
  EXPECT_NE(unreachable.err.find("slamon topic create: CreateTopics: "), std::string::npos) << unreachable.err;

  const RunResult embedded = Slamon(dir, {"topic", "create", "--config", config, "--set", "kafka.brokers=embedded"});
  EXPECT_EQ(embedded.code, 2) << embedded.err;
  EXPECT_NE(embedded.err.find("kafka.brokers is embedded"), std::string::npos) << embedded.err;
}

TEST_F(TopicTest, TheDaemonWarnsAboutATopicThatLosesHistoryAndExportsTheVerdict) {
  TempDir dir;
  const std::string hour = UniqueName("topic-run-1h"), compact = UniqueName("topic-run-compact"),
                    good = UniqueName("topic-run-good");
  MakeTopic(hour, {{"retention.ms", "3600000"}});
  MakeTopic(compact, {{"cleanup.policy", "compact"}});
  MakeTopic(good, events::KeepEveryEventConfigs());
  const std::string config = WriteConfig(dir.path(), brokers_, hour + ", " + compact + ", " + good, UniqueName("g"),
                                         "  batch_max_wait_ms: 50\n");
  const std::string log = dir.Sub("slamon.log");
  Process daemon({SLAMON_BINARY, "run", "--config", config}, log);
  int port = 0;
  for (int i = 0; i < 200 && port == 0 && daemon.Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    port = PortFromLog(log);
  }
  ASSERT_GT(port, 0) << Tail(log);
  std::string metrics;
  auto has = [&](const std::string& line) { return metrics.find(line) != std::string::npos; };
  const std::string hour_line = "slamon_topic_retention_ok{topic=\"" + hour + "\"} 0";
  const std::string compact_line = "slamon_topic_retention_ok{topic=\"" + compact + "\"} 0";
  const std::string good_line = "slamon_topic_retention_ok{topic=\"" + good + "\"} 1";
  for (int i = 0; i < 150 && !(has(hour_line) && has(compact_line) && has(good_line)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    metrics = HttpGet(port, "/metrics");
  }
  EXPECT_TRUE(has(hour_line)) << metrics;
  EXPECT_TRUE(has(compact_line)) << metrics;
  EXPECT_TRUE(has(good_line)) << metrics;
  EXPECT_EQ(CountInFile(log, "topic " + hour +
                                 " would lose history, and with it the events a rebuilt store needs: "
                                 "retention.ms=3600000: events older than 1h are deleted; fix: kafka-configs.sh"),
            1u)
      << Tail(log);
  EXPECT_EQ(CountInFile(log, "topic " + compact + " would lose history"), 1u) << Tail(log);
  EXPECT_EQ(CountInFile(log, "topic " + good + " keeps every event"), 1u) << Tail(log);
  // The check is no reason to be unready or to stop.
  EXPECT_TRUE(daemon.Running());
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(seconds(30)), 0) << Tail(log);
}

}  // namespace
}  // namespace slamon::testing
