// Fault injection with librdkafka's mock cluster (rdkafka_mock.h): the real
// daemon (`slamon run`) consumes from a three-broker cluster living in this
// process while requests fail, the group coordinator and partition leaders
// move, and a broker goes down and comes back. Every scenario ends with each
// produced event stored exactly once. No real broker needed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "events/demo/generator.h"
#include "events/kafka/kafka_health.h"
#include "events/kafka/kafka_source.h"
#include "events/kafka/producer.h"
#include "events/store/event_store.h"
#include "tests/support/daemon_process.h"
#include "tests/support/ingest_fixture.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Kafka protocol request types (ApiKey).
constexpr int16_t kFetch = 1;
constexpr int16_t kOffsetCommit = 8;

constexpr int kBrokers = 3;
constexpr int kPartitions = 4;
// The mock keeps ~5 MB per partition: a few thousand events fit.
constexpr int64_t kEvents = 4000;
constexpr char kTopic[] = "faults";

events::GeneratorOptions Options() {
  events::GeneratorOptions o;
  o.accounts = 40;
  o.seed = 23;
  return o;  // no malformed messages, no duplicates: kEvents distinct ids
}

class MockFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conf = events::MakeKafkaConf({{"client.id", "slamon-mock-faults"}});
    ASSERT_TRUE(conf.ok()) << conf.status().message();
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), err, sizeof(err));
    ASSERT_NE(rk_, nullptr) << err;
    static_cast<void>(conf->release());  // owned by rk_ now
    mc_ = rd_kafka_mock_cluster_new(rk_, kBrokers);
    ASSERT_NE(mc_, nullptr);
    ASSERT_EQ(rd_kafka_mock_topic_create(mc_, kTopic, kPartitions, kBrokers), RD_KAFKA_RESP_ERR_NO_ERROR);
    // A fixed layout, so scenarios know whom they hit: partition p led by
    // broker p % 3 + 1, the group coordinator on broker 1.
    group_ = UniqueName("mock-faults");
    for (int p = 0; p < kPartitions; ++p) rd_kafka_mock_partition_set_leader(mc_, kTopic, p, p % kBrokers + 1);
    rd_kafka_mock_coordinator_set(mc_, "group", group_.c_str(), 1);
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(mc_);
    // Requests in flight to a broker set down get no answer: time them out
    // soon (default 60 s) so the producer retries on the restored broker.
    auto producer = events::EventProducer::Create(bootstraps_, {{"socket.timeout.ms", "5000"}});
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    producer_ = std::move(*producer);
    events::Generator ids(Options());
    for (int64_t i = 0; i < kEvents; ++i) expected_ids_.insert(ids.Next().id);
    ASSERT_EQ(expected_ids_.size(), static_cast<size_t>(kEvents));
  }

  void TearDown() override {
    producer_.reset();
    if (mc_ != nullptr) rd_kafka_mock_cluster_destroy(mc_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }

  Status Produce(int64_t count, double rate) {
    std::atomic<bool> stop{false};
    events::ProduceStats stats;
    return producer_->Run(kTopic, gen_, count, rate, stop, &stats);
  }

  // Half the events before the daemon starts, the other half while `inject`
  // runs its faults; then every event must be stored exactly once.
  void RunScenario(const std::function<void()>& inject) {
    ASSERT_TRUE(Produce(kEvents / 2, 0).ok());
    const std::string config =
        WriteConfig(dir_.path(), bootstraps_, kTopic, group_,
                    "  properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n"
                    "  batch_max_messages: 200\n");
    DaemonProcess daemon(config, dir_.Sub("run.log"));
    daemon.Start();
    ASSERT_GE(daemon.WaitMetric("slamon_store_events", kEvents / 2, seconds(60)), kEvents / 2);

    Status produced = Status::OK();
    std::thread producer([&] { produced = Produce(kEvents / 2, 1000); });  // ~2 s of traffic during the faults
    inject();
    producer.join();
    ASSERT_TRUE(produced.ok()) << produced.message();
    ASSERT_GE(daemon.WaitMetric("slamon_store_events", kEvents, seconds(60)), kEvents);
    errors_ = {{"transport", daemon.Metric("slamon_kafka_errors_total{code=\"transport\"}")},
               {"duplicates", daemon.Metric("slamon_events_duplicate_total")}};
    ASSERT_TRUE(daemon.Running()) << daemon.Tail();
    ASSERT_EQ(daemon.Stop(seconds(30)), 0) << daemon.Tail();
    ExpectExactlyOnce();
  }

  void ExpectExactlyOnce() {
    auto store = events::EventStore::Open({.path = dir_.Sub("store"), .create_if_missing = false, .read_only = true});
    ASSERT_TRUE(store.ok()) << store.status().message();
    ExpectEachIdStoredOnce(**store, expected_ids_);  // kEvents ids (SetUp)
    // Offsets: each partition resumes exactly after its last message.
    int64_t next_sum = 0;
    for (int p = 0; p < kPartitions; ++p) next_sum += std::max<int64_t>((*store)->NextOffset(kTopic, p), 0);
    EXPECT_EQ(next_sum, kEvents);
  }

  // Errors a broker returns to its next requests of one type; the returned
  // check says whether all of them were consumed by the client.
  void PushBrokerErrors(int32_t broker, int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errs) {
    for (auto e : errs) {
      ASSERT_EQ(rd_kafka_mock_broker_push_request_error_rtts(mc_, broker, api_key, 1, e, 0),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }
  size_t PendingBrokerErrors(int32_t broker, int16_t api_key) {
    size_t n = 0;
    EXPECT_EQ(rd_kafka_mock_broker_error_stack_cnt(mc_, broker, api_key, &n), RD_KAFKA_RESP_ERR_NO_ERROR);
    return n;
  }

  TempDir dir_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  std::string bootstraps_, group_;
  std::unique_ptr<events::EventProducer> producer_;
  events::Generator gen_{Options()};
  std::set<std::string> expected_ids_;
  std::map<std::string, double> errors_;
};

TEST_F(MockFaultsTest, FetchRequestErrors) {
  RunScenario([&] {
    for (int32_t b = 1; b <= kBrokers; ++b) {
      PushBrokerErrors(b, kFetch,
                       {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__TRANSPORT,
                        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION});
    }
  });
  for (int32_t b = 1; b <= kBrokers; ++b) EXPECT_EQ(PendingBrokerErrors(b, kFetch), 0u) << "broker " << b;
}

TEST_F(MockFaultsTest, OffsetCommitErrors) {
  RunScenario([&] {
    // Commits are only for lag visibility: failures, even ones that make
    // the member rejoin the group, must not lose or repeat anything.
    PushBrokerErrors(1, kOffsetCommit,
                     {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                      RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
                      RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID});
    std::this_thread::sleep_for(seconds(3));
  });
  EXPECT_EQ(PendingBrokerErrors(1, kOffsetCommit), 0u) << "not every injected commit error was hit";
}

TEST_F(MockFaultsTest, CoordinatorAndLeadersMove) {
  RunScenario([&] {
    std::this_thread::sleep_for(milliseconds(500));
    ASSERT_EQ(rd_kafka_mock_coordinator_set(mc_, "group", group_.c_str(), 2), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int p = 0; p < kPartitions; ++p) rd_kafka_mock_partition_set_leader(mc_, kTopic, p, (p + 1) % kBrokers + 1);
    std::this_thread::sleep_for(seconds(1));
    ASSERT_EQ(rd_kafka_mock_coordinator_set(mc_, "group", group_.c_str(), 3), RD_KAFKA_RESP_ERR_NO_ERROR);
  });
}

TEST_F(MockFaultsTest, BrokerDownThenUp) {
  RunScenario([&] {
    // Broker 1 leads partitions 0 and 3 and coordinates the group.
    ASSERT_EQ(rd_kafka_mock_broker_set_down(mc_, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    std::this_thread::sleep_for(seconds(5));
    ASSERT_EQ(rd_kafka_mock_broker_set_up(mc_, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  });
  EXPECT_GE(errors_["transport"], 1) << "slamon_kafka_errors_total{code=\"transport\"} did not count the outage";
}

TEST(KafkaHealthTest, BrokersUpFromStatisticsAndErrorsByName) {
  auto& health = events::KafkaHealth::Process();
  std::vector<int> seen_up;
  std::vector<std::string> seen_errors;
  const int token = health.Subscribe({.on_brokers_up = [&](int up) { seen_up.push_back(up); },
                                      .on_error = [&](std::string_view c) { seen_errors.emplace_back(c); }});
  // The bootstrap entry and the learned broker share an address; the logical
  // coordinator entry is no connection of its own.
  const std::string two_up = R"({"name":"c","brokers":{
      "127.0.0.1:9092/bootstrap":{"name":"127.0.0.1:9092/bootstrap","nodeid":-1,"nodename":"127.0.0.1:9092",
                                  "source":"configured","state":"UP"},
      "127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"nodename":"127.0.0.1:9092","source":"learned",
                          "state":"UP"},
      "127.0.0.1:9093/2":{"name":"127.0.0.1:9093/2","nodeid":2,"nodename":"127.0.0.1:9093","source":"learned",
                          "state":"UP"},
      "127.0.0.1:9094/3":{"name":"127.0.0.1:9094/3","nodeid":3,"nodename":"127.0.0.1:9094","source":"learned",
                          "state":"INIT"},
      "GroupCoordinator":{"name":"GroupCoordinator","nodeid":-1,"nodename":"127.0.0.1:9099","source":"logical",
                          "state":"UP"}}})";
  ASSERT_TRUE(health.OnStatistics(two_up));
  EXPECT_EQ(health.brokers_up(), 2);
  EXPECT_FALSE(health.OnStatistics("{not json"));
  EXPECT_EQ(health.brokers_up(), 2);
  const uint64_t before = health.errors("all_brokers_down");
  health.OnError(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, /*from_consumer=*/false);  // a producer: no say on brokers_up
  EXPECT_EQ(health.brokers_up(), 2);
  health.OnError(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, /*from_consumer=*/true);
  EXPECT_EQ(health.brokers_up(), 0);
  EXPECT_EQ(health.errors("all_brokers_down"), before + 2);
  ASSERT_TRUE(
      health.OnStatistics(R"({"brokers":{"b/1":{"nodeid":1,"nodename":"b:1","source":"learned","state":"UP"}}})"));
  EXPECT_EQ(health.brokers_up(), 1);
  health.Unsubscribe(token);
  health.OnError(RD_KAFKA_RESP_ERR__TRANSPORT, true);  // not seen any more
  EXPECT_EQ(seen_up, (std::vector<int>{2, 0, 1}));
  EXPECT_EQ(seen_errors, (std::vector<std::string>{"all_brokers_down", "all_brokers_down"}));
  EXPECT_EQ(events::KafkaHealth::ErrorCode(RD_KAFKA_RESP_ERR_NOT_COORDINATOR), "not_coordinator");
  EXPECT_EQ(events::KafkaHealth::ErrorCode(RD_KAFKA_RESP_ERR__TRANSPORT), "transport");
}

// A refused login is kept for /readyz until a broker connection is up again;
// a producer's failure does not speak for the consumer.
TEST(KafkaHealthTest, SecurityFailureLastsUntilABrokerIsUp) {
  events::KafkaHealth health;
  EXPECT_EQ(health.security_failure(), "");
  health.OnError(RD_KAFKA_RESP_ERR__AUTHENTICATION, /*from_consumer=*/false, "producer login refused");
  EXPECT_EQ(health.security_failure(), "");
  health.OnError(RD_KAFKA_RESP_ERR__AUTHENTICATION, /*from_consumer=*/true, "invalid credentials");
  EXPECT_EQ(health.security_failure(), "Kafka authentication failed: invalid credentials");
  health.OnError(RD_KAFKA_RESP_ERR__TRANSPORT, true, "connection refused");  // other errors keep it
  EXPECT_EQ(health.security_failure(), "Kafka authentication failed: invalid credentials");
  health.OnError(RD_KAFKA_RESP_ERR__SSL, true, "certificate verify failed");
  EXPECT_EQ(health.security_failure(), "Kafka TLS handshake failed: certificate verify failed");
  EXPECT_EQ(health.errors("authentication"), 2u);
  EXPECT_EQ(health.errors("ssl"), 1u);
  ASSERT_TRUE(
      health.OnStatistics(R"({"brokers":{"b/1":{"nodeid":1,"nodename":"b:1","source":"learned","state":"UP"}}})"));
  EXPECT_EQ(health.security_failure(), "");
}

}  // namespace
}  // namespace slamon::testing
