// The bridge's producer after a fatal error, on librdkafka's mock cluster in
// this process (no broker needed): a fabricated fatal error (what an
// out-of-order sequence number or a fenced producer id raise) makes the sink
// recreate its producer and re-send what the failed one had not acknowledged.
// Every webhook answered 200 has its event in the topic, read back by id.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon/bridge/bridge.h"
#include "daemon/bridge/kafka_sink.h"
#include "events/kafka/kafka_source.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/webhook_senders.h"

namespace slamon::bridge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kTopic[] = "recover";
constexpr int kPartitions = 3;

// The event ids of every message in the topic.
std::multiset<std::string> IdsInTopic(const std::string& bootstrap) {
  std::multiset<std::string> ids;
  for (const auto& m : slamon::testing::ReadTopic(bootstrap, kTopic, kPartitions)) {
    ids.insert(nlohmann::json::parse(m.value).at("id").get<std::string>());
  }
  return ids;
}

MappedEvent Opened(const std::string& id, const std::string& account) {
  return {account, R"({"id":")" + id + R"(","type":"ticket.opened","occurred_at":"2026-11-20T09:00:00Z",)" +
                       R"("account_id":")" + account + R"(","ticket_id":")" + id + R"(","priority":"normal"})"};
}

// Waits (bounded) until `done` holds.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class ProducerRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = events::EmbeddedKafka::Start({kTopic}, kPartitions);
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = kafka.take();
    mock_ = static_cast<rd_kafka_mock_cluster_t*>(kafka_->mock_cluster());
  }

  std::unique_ptr<events::EmbeddedKafka> kafka_;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
};

// Events queued while the broker is unreachable are purged with the failed
// producer; the new one sends them once the broker is back, and the waiting
// request is answered OK.
TEST_F(ProducerRecoveryTest, QueuedEventsAreResentByTheRecreatedProducer) {
  KafkaSinkSettings settings;
  settings.brokers = kafka_->bootstrap();
  settings.topic = kTopic;
  settings.delivery_wait = 30s;
  settings.properties = {{"reconnect.backoff.max.ms", "200"}};
  std::atomic<int> recreating_calls{0};
  std::atomic<size_t> resent{0};
  KafkaSink::Observers observers;
  observers.recreating = [&](bool on) { recreating_calls += on ? 1 : 0; };
  observers.recreated = [&](size_t n) { resent += n; };
  auto made = KafkaSink::Create(settings, std::move(observers));
  ASSERT_TRUE(made.ok()) << made.status().message();
  std::unique_ptr<KafkaSink> sink = made.take();
  ASSERT_TRUE(sink->Deliver({Opened("before", "acme")}).ok());

  ASSERT_EQ(rd_kafka_mock_broker_set_down(mock_, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  Status during = Status::Invalid("not answered");
  std::thread request([&] {
    during = sink->Deliver({Opened("queued-1", "acme"), Opened("queued-2", "globex"), Opened("queued-3", "acme")});
  });
  std::this_thread::sleep_for(500ms);  // the three are queued, the broker unreachable
  ASSERT_TRUE(sink->InjectFatalErrorForTesting("out of order sequence (test)").ok());
  ASSERT_TRUE(WaitFor([&] { return sink->recreations() == 1; }, 15s));
  EXPECT_EQ(recreating_calls, 1);
  EXPECT_EQ(resent, 3u);  // none had been acknowledged
  ASSERT_EQ(rd_kafka_mock_broker_set_up(mock_, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  request.join();
  EXPECT_TRUE(during.ok()) << during.message();
  EXPECT_TRUE(sink->Deliver({Opened("after", "globex")}).ok());
  EXPECT_EQ(sink->Unready(), "");
  sink.reset();

  const auto ids = IdsInTopic(kafka_->bootstrap());
  for (const std::string id : {"before", "queued-1", "queued-2", "queued-3", "after"}) {
    EXPECT_GE(ids.count(id), 1u) << id;
  }
}

// A second fatal error soon after the first is recreated only after the
// backoff; meanwhile a request waits at most its delivery wait and is refused
// (the receiver answers 503 with Retry-After), and /readyz says why.
TEST_F(ProducerRecoveryTest, RepeatedFatalErrorsBackOffAndRefuseRequestsMeanwhile) {
  KafkaSinkSettings settings;
  settings.brokers = kafka_->bootstrap();
  settings.topic = kTopic;
  settings.delivery_wait = 2500ms;  // a new producer's first delivery takes about a second
  settings.recreate_backoff = 6s;
  auto made = KafkaSink::Create(settings);
  ASSERT_TRUE(made.ok()) << made.status().message();
  std::unique_ptr<KafkaSink> sink = made.take();
  ASSERT_TRUE(sink->Deliver({Opened("first", "acme")}).ok());
  ASSERT_TRUE(sink->InjectFatalErrorForTesting("first (test)").ok());
  ASSERT_TRUE(WaitFor([&] { return sink->recreations() == 1; }, 10s));
  ASSERT_TRUE(sink->Deliver({Opened("second", "acme")}).ok());

  ASSERT_TRUE(sink->InjectFatalErrorForTesting("second (test)").ok());
  ASSERT_TRUE(WaitFor([&] { return !sink->Unready().empty(); }, 5s));
  EXPECT_EQ(sink->Unready(), "the Kafka producer is being recreated after a fatal error");
  const auto asked = Clock::now();
  const Status refused = sink->Deliver({Opened("during", "acme")});
  EXPECT_FALSE(refused.ok());
  EXPECT_LT(Clock::now() - asked, 4500ms);  // the delivery wait (2.5 s), not the backoff (6 s)
  ASSERT_TRUE(WaitFor([&] { return sink->recreations() == 2; }, 15s));
  EXPECT_TRUE(sink->Deliver({Opened("third", "acme")}).ok());
  EXPECT_EQ(sink->Unready(), "");
}

// Webhooks keep arriving while the producer fails: each sender retries a 503
// as helpdesks do; every webhook is eventually answered 200, and each one
// answered 200 has its event in the topic.
TEST_F(ProducerRecoveryTest, WebhooksKeepBeingAcceptedAcrossAFatalError) {
  const std::string yaml =
      "http: {listen: '127.0.0.1:0'}\nkafka:\n  brokers: '" + kafka_->bootstrap() + "'\n  topic: " + kTopic +
      "\n  delivery_wait_ms: 10000\n  retry_after_seconds: 1\nsources:\n" + slamon::testing::kGenericSourceSection;
  auto made = Bridge::Create(ParseBridgeConfig(yaml, "recover.yaml"));
  ASSERT_TRUE(made.ok()) << made.status().message();
  std::unique_ptr<Bridge> bridge = made.take();
  ASSERT_TRUE(bridge->Start().ok());
  auto* kafka_sink = dynamic_cast<KafkaSink*>(&bridge->sink());
  ASSERT_NE(kafka_sink, nullptr);
  auto metric = [&](const std::string& name) {
    return slamon::testing::SumMetric(slamon::testing::HttpGet(bridge->port(), "/metrics"), name);
  };

  slamon::testing::WebhookSenders senders(bridge->port(), 3);
  ASSERT_TRUE(WaitFor([&] { return senders.accepted_count() >= 60; }, 30s));
  // An unreachable broker keeps the webhooks' events queued when the error strikes.
  ASSERT_EQ(rd_kafka_mock_broker_set_down(mock_, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(kafka_sink->InjectFatalErrorForTesting("out of order sequence (test)").ok());
  ASSERT_TRUE(WaitFor([&] { return metric("slamon_bridge_producer_recreated_total") == 1; }, 15s));
  EXPECT_GE(metric("slamon_bridge_events_resent_total"), 1);
  ASSERT_EQ(rd_kafka_mock_broker_set_up(mock_, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  const size_t at_recreation = senders.accepted_count();
  EXPECT_TRUE(WaitFor([&] { return senders.accepted_count() >= at_recreation + 60; }, 30s))
      << "webhooks are no longer accepted after the recreation";
  senders.Stop();

  EXPECT_EQ(metric("slamon_bridge_producer_recreated_total"), 1);
  EXPECT_EQ(metric("slamon_bridge_producer_recreating"), 0);
  EXPECT_EQ(slamon::testing::HttpGetFull(bridge->port(), "/readyz").status, 200);
  bridge->Stop();
  EXPECT_EQ(senders.refused(), std::vector<std::string>{}) << "webhooks never answered 200";

  const auto ids = IdsInTopic(kafka_->bootstrap());
  const auto accepted = senders.accepted();
  size_t missing = 0;
  std::string first_missing;
  for (const std::string& id : accepted) {
    if (ids.count(slamon::testing::GenEventId(id)) == 0 && missing++ == 0) first_missing = id;
  }
  EXPECT_EQ(missing, 0u) << "answered 200 but not in the topic, first: " << first_missing << " of " << accepted.size();
  std::cout << accepted.size() << " webhooks accepted, " << senders.answered_503() << " answers 503 retried, "
            << ids.size() - std::set<std::string>(ids.begin(), ids.end()).size() << " duplicate message(s)\n";
}

}  // namespace
}  // namespace slamon::bridge
