// The webhook bridge against a real broker: one ticket's life from Zendesk and
// from Jiandaoyun is POSTed to an in-process bridge, `slamon run` stores it,
// `slamon replay` shows the first response stopped by the agent's public reply
// (not by the internal note before it), and re-POSTing every fixture stores
// nothing new. The outage test stops its own broker (scripts/kafka, never the
// shared one): the bridge answers 503 meanwhile and loses nothing. Fatal
// producer errors under a steady stream of webhooks: the producer is
// recreated, and every webhook answered 200 is in the topic and stored once.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "daemon/bridge/bridge.h"
#include "daemon/bridge/kafka_sink.h"
#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/json_lines.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/own_broker.h"
#include "tests/support/process.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"
#include "tests/support/webhook_fixtures.h"
#include "tests/support/webhook_senders.h"

namespace slamon::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<bridge::Bridge> StartBridge(const std::string& brokers, const std::string& topic, int wait_ms) {
  const std::string yaml = "http: {listen: '127.0.0.1:0'}\nkafka:\n  brokers: '" + brokers + "'\n  topic: " + topic +
                           "\n  delivery_wait_ms: " + std::to_string(wait_ms) + "\n  retry_after_seconds: 2\n" +
                           "  properties: {message.timeout.ms: '120000'}\nsources:\n" + FixtureSourcesSection();
  auto b = bridge::Bridge::Create(bridge::ParseBridgeConfig(yaml, "e2e.yaml"));
  EXPECT_TRUE(b.ok()) << b.status().message();
  if (!b.ok()) return nullptr;
  auto bridge = b.take();
  EXPECT_TRUE(bridge->Start().ok());
  return bridge;
}

// POSTs one fixture as its vendor would now; returns the status and Retry-After.
std::pair<int, std::string> PostFixture(int port, const std::string& vendor, const std::string& file) {
  const auto res = PostWebhook(port, "/webhooks/" + vendor, SignedNow(vendor, file), 30s);
  return {res.status, HeaderOf(res.head, "Retry-After")};
}

std::string DaemonConfig(const TempDir& dir, const std::string& brokers, const std::string& topic) {
  std::string path = WriteConfig(dir.path(), brokers, topic, UniqueName("bridge-e2e"));
  std::ofstream(path, std::ios::app) << "policies:\n  - name: all\n    calendar: 24x7\n"
                                        "    targets: {first_response: 1h, resolution: 8h}\n";
  return path;
}

// `slamon run --exit-on-eof`, then the number of stored events.
size_t IngestAndCount(const TempDir& dir, const std::string& config, const std::string& log) {
  EXPECT_TRUE(RunToEof(config, dir.Sub(log)));
  RunResult exported = RunCapture({SLAMON_BINARY, "export", "--store", dir.Sub("store")}, dir.path());
  EXPECT_EQ(exported.code, 0) << exported.err;
  size_t lines = 0;
  for (char ch : exported.out) lines += ch == '\n';
  return lines;
}

class BridgeE2eTest : public BrokerTest {};

TEST_F(BridgeE2eTest, TicketLifeThroughTheBridgeIntoTheStore) {
  const std::string topic = NewTopic("bridge-e2e", 3);
  auto bridge = StartBridge(brokers_, topic, 10000);
  ASSERT_NE(bridge, nullptr);
  for (const std::string vendor : {"zendesk", "jiandaoyun"}) {
    for (const std::string& file : FixtureFiles(vendor))
      EXPECT_EQ(PostFixture(bridge->port(), vendor, file).first, 200) << file;
  }
  const std::string config = DaemonConfig(dir_, brokers_, topic);
  const size_t stored = IngestAndCount(dir_, config, "run1.log");
  // Zendesk: 12 events; Jiandaoyun: open, 3 replies, 8 status changes, 2 resolves, 1 reopen, 1 survey.
  EXPECT_EQ(stored, 12u + 16u);

  RunResult replay = RunCapture({SLAMON_BINARY, "replay", "--store", dir_.Sub("store"), "--config", config, "--as-of",
                                 "2026-11-20T23:00:00Z", "--policy", "current"},
                                dir_.path());
  ASSERT_EQ(replay.code, 0) << replay.err;
  std::map<std::string, nlohmann::json> first_response = FirstResponsesByTicket(replay.out);
  int resolution_cycles = 0;
  for (const nlohmann::json& j : JsonLines(replay.out)) resolution_cycles += j.at("metric") == "resolution";
  ASSERT_EQ(first_response.size(), 2u) << replay.out;
  // Stopped by the public agent reply (09:20 / 01:20 UTC), not by the internal note (09:05 / 01:05).
  EXPECT_EQ(first_response["35436"]["stop"], "2026-11-20T09:20:00Z") << replay.out;
  EXPECT_EQ(first_response["TK-2026-0042"]["stop"], "2026-11-20T01:20:00Z") << replay.out;
  EXPECT_EQ(resolution_cycles, 4) << replay.out;  // each ticket: resolved, reopened, (resolved again for JDY)

  // Redelivery of everything: accepted again, stored never.
  for (const std::string vendor : {"zendesk", "jiandaoyun"}) {
    for (const std::string& file : FixtureFiles(vendor))
      EXPECT_EQ(PostFixture(bridge->port(), vendor, file).first, 200);
  }
  EXPECT_EQ(IngestAndCount(dir_, config, "run2.log"), stored);
  // Per round: Zendesk 12 events; Jiandaoyun 38 (each push repeats the open and the earlier replies).
  const std::string metrics = HttpGet(bridge->port(), "/metrics");
  EXPECT_EQ(SumMetric(metrics, "slamon_bridge_events_produced_total"), 2 * (12 + 38)) << metrics;
}

// The account master data from a Jiandaoyun customer form reaches the tickets: a
// customer push (tier 战略客户 -> A, owner a member widget) for the account the
// ticket form names, then the ticket's life; the daemon's SLA records carry
// tier A and its accounts the owner's username.
TEST_F(BridgeE2eTest, JiandaoyunCustomerFormGivesTicketsTheirTierAndOwner) {
  const std::string topic = UniqueName("bridge-e2e-accounts");
  CreateTopic(brokers_, topic, 3);
  auto bridge = StartBridge(brokers_, topic, 10000);
  ASSERT_NE(bridge, nullptr);
  // The fixture's customer, renamed to the ticket form's account.
  std::string customer = ReadFile(FixtureFiles("jiandaoyun-accounts").at(0));
  const std::string code = "\"huadong-precision\"";
  ASSERT_NE(customer.find(code), std::string::npos);
  customer.replace(customer.find(code), code.size(), "\"acme\"");
  const std::string push = dir_.Sub("data-push_01_customer_acme.json");
  std::ofstream(push, std::ios::binary) << customer;
  EXPECT_EQ(PostFixture(bridge->port(), "jiandaoyun-accounts", push).first, 200);
  for (const std::string& file : FixtureFiles("jiandaoyun"))
    EXPECT_EQ(PostFixture(bridge->port(), "jiandaoyun", file).first, 200) << file;
  const std::string config = DaemonConfig(dir_, brokers_, topic);
  EXPECT_EQ(IngestAndCount(dir_, config, "run.log"), 1u + 16u);

  RunResult replay = RunCapture({SLAMON_BINARY, "replay", "--store", dir_.Sub("store"), "--config", config, "--as-of",
                                 "2026-11-20T23:00:00Z", "--policy", "current"},
                                dir_.path());
  ASSERT_EQ(replay.code, 0) << replay.err;
  std::istringstream lines(replay.out);
  int records = 0;
  for (std::string line; std::getline(lines, line); ++records) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["account_id"], "acme") << line;
    EXPECT_EQ(j["tier"], "A") << line;
  }
  EXPECT_GT(records, 0) << replay.out;
  RunResult accounts = RunCapture({SLAMON_BINARY, "accounts", "--store", dir_.Sub("store"), "--config", config,
                                   "--as-of", "2026-11-20T23:00:00Z", "--format", "jsonl"},
                                  dir_.path());
  ASSERT_EQ(accounts.code, 0) << accounts.err;
  auto account = nlohmann::json::parse(accounts.out.substr(0, accounts.out.find('\n')));
  EXPECT_EQ(account["account_id"], "acme") << accounts.out;
  EXPECT_EQ(account["tier"], "A") << accounts.out;
  EXPECT_EQ(account["owner"], "li.wei") << accounts.out;
}

TEST_F(BridgeE2eTest, BrokerDownIs503AndNothingIsLostAfterItReturns) {
  // The shared broker is not used (its presence says Kafka is set up here): the test stops its own.
  OwnBroker broker(dir_);
  const std::string brokers = broker.Start();
  ASSERT_FALSE(brokers.empty());
  const std::string topic = UniqueName("bridge-outage");
  CreateTopic(brokers, topic, 2);
  auto bridge = StartBridge(brokers, topic, 3000);
  ASSERT_NE(bridge, nullptr);
  const auto files = FixtureFiles("zendesk");
  const size_t half = files.size() / 2;
  for (size_t i = 0; i < half; ++i) ASSERT_EQ(PostFixture(bridge->port(), "zendesk", files[i]).first, 200);

  broker.Down();
  std::vector<std::string> refused;
  for (size_t i = half; i < files.size(); ++i) {
    auto [status, retry_after] = PostFixture(bridge->port(), "zendesk", files[i]);
    if (files[i].find("organization_changed") != std::string::npos) {
      EXPECT_EQ(status, 200);  // maps to no event: nothing to wait for
      continue;
    }
    EXPECT_EQ(status, 503) << files[i];
    EXPECT_EQ(retry_after, "2");
    if (status != 200) refused.push_back(files[i]);
  }
  EXPECT_EQ(HttpGetFull(bridge->port(), "/readyz").status, 503);

  ASSERT_EQ(broker.Up(), brokers);
  // The sender's retries: each refused delivery again until it is accepted.
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  for (const std::string& file : refused) {
    int status = 0;
    while (status != 200 && std::chrono::steady_clock::now() < deadline) {
      status = PostFixture(bridge->port(), "zendesk", file).first;
      if (status != 200) std::this_thread::sleep_for(1s);
    }
    EXPECT_EQ(status, 200) << file;
  }
  const std::string config = DaemonConfig(dir_, brokers, topic);
  // Every event of the ticket exactly once, although the refused ones may
  // have reached Kafka twice (queued during the outage, then retried).
  EXPECT_EQ(IngestAndCount(dir_, config, "run.log"), 12u);
}

// Two fatal errors of the idempotent producer (fabricated through the sink's
// test seam, as an out-of-order sequence number raises them) while four
// senders post webhooks without pause: every webhook is answered 200 in the
// end (a 503 is retried), each one answered 200 has its event in the topic,
// and the daemon stores each event once although some were re-sent.
TEST_F(BridgeE2eTest, FatalProducerErrorsUnderLoadLoseNoAcknowledgedWebhook) {
  const std::string topic = NewTopic("bridge-fatal", 3);
  const std::string yaml = "http: {listen: '127.0.0.1:0'}\nkafka:\n  brokers: '" + brokers_ + "'\n  topic: " + topic +
                           "\n  delivery_wait_ms: 10000\n  retry_after_seconds: 1\nsources:\n" + kGenericSourceSection;
  auto made = bridge::Bridge::Create(bridge::ParseBridgeConfig(yaml, "fatal.yaml"));
  ASSERT_TRUE(made.ok()) << made.status().message();
  std::unique_ptr<bridge::Bridge> b = made.take();
  ASSERT_TRUE(b->Start().ok());
  auto* sink = dynamic_cast<bridge::KafkaSink*>(&b->sink());
  ASSERT_NE(sink, nullptr);
  auto metric = [&](const std::string& name) { return SumMetric(HttpGet(b->port(), "/metrics"), name); };
  auto wait_for = [](auto done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    return done();
  };

  WebhookSenders senders(b->port(), 4);
  for (int round = 1; round <= 2; ++round) {
    const size_t before = senders.accepted_count();
    ASSERT_TRUE(wait_for([&] { return senders.accepted_count() >= before + 300; }, 60s)) << "round " << round;
    ASSERT_TRUE(sink->InjectFatalErrorForTesting("out of order sequence (integration test)").ok());
    ASSERT_TRUE(wait_for([&] { return metric("slamon_bridge_producer_recreated_total") == round; }, 60s))
        << "round " << round;
  }
  const size_t after = senders.accepted_count();
  EXPECT_TRUE(wait_for([&] { return senders.accepted_count() >= after + 300; }, 60s));
  senders.Stop();
  EXPECT_EQ(metric("slamon_bridge_producer_recreated_total"), 2);
  EXPECT_EQ(HttpGetFull(b->port(), "/readyz").status, 200);
  b->Stop();
  EXPECT_EQ(senders.refused(), std::vector<std::string>{});

  std::set<std::string> in_topic;
  size_t messages = 0;
  for (const RawMessage& m : ReadTopic(brokers_, topic, 3)) {
    in_topic.insert(nlohmann::json::parse(m.value).at("id").get<std::string>());
    ++messages;
  }
  const std::vector<std::string> accepted = senders.accepted();
  size_t missing = 0;
  for (const std::string& id : accepted) missing += in_topic.count(GenEventId(id)) == 0;
  EXPECT_EQ(missing, 0u) << "of " << accepted.size() << " webhooks answered 200";
  // Every webhook was answered 200 in the end, so the topic holds their events and nothing else.
  EXPECT_EQ(in_topic.size(), accepted.size());
  const std::string config = DaemonConfig(dir_, brokers_, topic);
  EXPECT_EQ(IngestAndCount(dir_, config, "run.log"), accepted.size()) << messages << " messages in the topic";
  std::cout << accepted.size() << " webhooks accepted, " << senders.answered_503() << " answers 503 retried, "
            << messages - in_topic.size() << " message(s) re-sent as copies\n";
}

}  // namespace
}  // namespace slamon::testing
