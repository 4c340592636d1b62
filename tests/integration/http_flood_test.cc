// Probes and scrapes keep answering while hundreds of idle and slow clients
// hold connections to the daemon's HTTP server (127.0.0.1 only, ~16 s).
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>
#include <thread>
#include <vector>

#include "daemon/http/http_server.h"
#include "tests/support/raw_http.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using slamon::testing::RawConnection;
using slamon::testing::RawRequest;
using Clock = std::chrono::steady_clock;

constexpr int kIdle = 200;
constexpr int kSlow = 32;
constexpr auto kHold = 15s;

TEST(HttpFloodTest, ProbesAnswerWithinASecondWhileIdleAndSlowClientsHoldConnections) {
  ASSERT_GE(slamon::testing::RaiseOpenFileLimit(4096), 2 * (kIdle + kSlow) + 64);
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter().Name("slamon_flood_total").Help("test").Register(*registry);
  for (int i = 0; i < 200; ++i) family.Add({{"n", std::to_string(i)}}).Increment(i);

  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  // Longer than the test: the attackers are not cut off, so the probes must
  // get through while every one of them is still connected.
  settings.header_timeout = 60s;
  HttpServer server(settings, [] { return std::string(); });
  server.AddCollectable(registry);
  ASSERT_TRUE(server.Start().ok());
  const int port = server.port();

  std::vector<RawConnection> idle;
  for (int i = 0; i < kIdle; ++i) {
    idle.emplace_back(port);
    ASSERT_TRUE(idle.back().ok()) << i;
  }
  std::vector<RawConnection> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.emplace_back(port);
    ASSERT_TRUE(slow.back().ok()) << i;
  }
  const auto start = Clock::now();
  std::atomic<bool> stop{false};
  // Each slow client sends one more byte of a request head every second,
  // never the blank line that ends it.
  std::thread trickle([&] {
    const std::string head = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 0123456789abcdefghijklmnopqrstuvwxyz";
    for (size_t i = 0; i < head.size() && !stop; ++i) {
      for (auto& c : slow) c.Send(head.substr(i, 1));
      for (int t = 0; t < 10 && !stop; ++t) std::this_thread::sleep_for(100ms);
    }
  });

  int probes = 0;
  double worst = 0;
  while (Clock::now() - start < kHold) {
    for (const char* path : {"/healthz", "/metrics", "/readyz"}) {
      const auto t = Clock::now();
      auto res = RawRequest(port, "GET", path, 2s);
      const double took = std::chrono::duration<double>(Clock::now() - t).count();
      worst = std::max(worst, took);
      EXPECT_EQ(res.status, 200) << path << " after " << took << " s";
      EXPECT_LT(took, 1.0) << path;
      if (std::string(path) == "/metrics") {
        EXPECT_NE(res.body.find("slamon_flood_total{n=\"199\"} 199"), std::string::npos);
      }
      ++probes;
    }
    std::this_thread::sleep_for(200ms);
  }
  stop = true;
  trickle.join();
  EXPECT_GE(probes, 30);
  // Every attacker was still connected at the end: the probes were served alongside them.
  EXPECT_GE(server.connections(), kIdle + kSlow);
  int open = 0;
  for (auto& c : idle) open += c.StillOpen() ? 1 : 0;
  for (auto& c : slow) open += c.StillOpen() ? 1 : 0;
  EXPECT_EQ(open, kIdle + kSlow);
  RecordProperty("probes", probes);
  RecordProperty("worst_ms", static_cast<int>(worst * 1000));
  std::printf("%d probes, slowest %.0f ms\n", probes, worst * 1000);
}

TEST(HttpFloodTest, DefaultDeadlinesReleaseIdleAndSlowClients) {
  // With the default 10 s head deadline every attacker is gone after it.
  ASSERT_GE(slamon::testing::RaiseOpenFileLimit(4096), kIdle + 64);
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  HttpServer server(settings, nullptr);
  ASSERT_TRUE(server.Start().ok());
  std::vector<RawConnection> idle;
  for (int i = 0; i < kIdle; ++i) idle.emplace_back(server.port());
  for (int i = 0; i < 200 && server.connections() < kIdle; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server.connections(), kIdle);
  const auto start = Clock::now();
  for (auto& c : idle)
    EXPECT_TRUE(c.WaitClosed(13s - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start)));
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_GT(took, 8.0);
  EXPECT_LT(took, 12.5);
  for (int i = 0; i < 100 && server.connections() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server.connections(), 0);
}

}  // namespace
}  // namespace slamon::daemon
