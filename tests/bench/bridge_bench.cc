// Webhook bridge benchmark (label bench): signed Zendesk comment webhooks
// POSTed by concurrent keep-alive clients to an in-process bridge producing to
// the real broker with acks=all; each answer waits for Kafka's acknowledgement.
// Prints requests/s and the latency percentiles. Size:
// SLAMON_BENCH_BRIDGE_REQUESTS (default 2000) and SLAMON_BENCH_BRIDGE_CLIENTS
// (default 16), or argv[1] / argv[2].
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "daemon/bridge/bridge.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/raw_http.h"
#include "tests/support/webhook_fixtures.h"

namespace slamon::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int g_argc = 0;
char** g_argv = nullptr;

int64_t Setting(int arg, const char* env, int64_t fallback) {
  if (g_argc > arg) return std::atoll(g_argv[arg]);
  const char* v = std::getenv(env);
  return v ? std::atoll(v) : fallback;
}

class BridgeBench : public BrokerTest {};

TEST_F(BridgeBench, RequestsPerSecondAndP99WithAcksAll) {
  const int64_t requests = Setting(1, "SLAMON_BENCH_BRIDGE_REQUESTS", 2000);
  const int clients = static_cast<int>(Setting(2, "SLAMON_BENCH_BRIDGE_CLIENTS", 16));
  const std::string topic = NewTopic("bridge-bench", 4);
  const std::string yaml = "http: {listen: '127.0.0.1:0', worker_threads: " + std::to_string(clients) +
                           "}\nkafka: {brokers: '" + brokers_ + "', topic: " + topic +
                           "}\nsources:\n  zendesk: {kind: zendesk, secret: " + kZendeskSecret + "}\n";
  auto created = bridge::Bridge::Create(bridge::ParseBridgeConfig(yaml, "bench.yaml"));
  ASSERT_TRUE(created.ok()) << created.status().message();
  auto bridge = created.take();
  ASSERT_TRUE(bridge->Start().ok());

  const std::string body_template = ReadFile(FixtureFiles("zendesk").at(2));  // a public agent reply
  const std::string vendor_id = "01JD03ZENDESKEVT35436";
  std::atomic<int64_t> next{0}, failures{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      RawConnection conn(bridge->port());
      for (int64_t i = next++; i < requests; i = next++) {
        std::string body = body_template;  // a distinct vendor event per request
        body.replace(body.find(vendor_id), vendor_id.size(), "bench-" + std::to_string(i));
        const std::string ts = events::FormatRfc3339(std::time(nullptr));
        const std::string sig = bridge::Base64Encode(bridge::HmacSha256(kZendeskSecret, ts + body));
        const std::string req = "POST /webhooks/zendesk HTTP/1.1\r\nHost: x\r\nX-Zendesk-Webhook-Signature: " + sig +
                                "\r\nX-Zendesk-Webhook-Signature-Timestamp: " + ts +
                                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        const auto start = Clock::now();
        if (!conn.Send(req) || conn.Read(30s).status != 200) ++failures;
        latencies[static_cast<size_t>(c)].push_back(std::chrono::duration<double>(Clock::now() - start).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(static_cast<int64_t>(all.size()), requests);
  auto pct = [&](double p) { return all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))] * 1000; };
  std::printf(
      "[bridge-bench] %lld requests, %d clients, acks=all: %.0f requests/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
      static_cast<long long>(requests), clients, requests / seconds, pct(0.50), pct(0.99), all.back() * 1000);
  EXPECT_EQ(failures.load(), 0);
  // Every acknowledged request's event is in the topic.
  int64_t in_topic = 0;
  for (const auto& [partition, end] : EndOffsets(brokers_, topic, 4)) in_topic += end;
  EXPECT_EQ(in_topic, requests);
}

}  // namespace
}  // namespace slamon::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  slamon::testing::g_argc = argc;
  slamon::testing::g_argv = argv;
  return RUN_ALL_TESTS();
}
