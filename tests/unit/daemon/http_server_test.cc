// The daemon's HTTP server over real sockets on 127.0.0.1 (ephemeral ports):
// deadlines, the connection limit, methods, basic auth, the port-in-use error
// (tests/integration/http_refusals_test.cc: the daemon exits when its port is taken).
#include "daemon/http/http_server.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "tests/support/raw_http.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using slamon::testing::HeaderOf;
using slamon::testing::RawConnection;
using slamon::testing::RawRequest;
using Clock = std::chrono::steady_clock;

HttpSettings LocalSettings() {
  HttpSettings s;
  s.listen = "127.0.0.1:0";
  return s;
}

std::unique_ptr<HttpServer> StartServer(HttpSettings settings, HttpServer::ReadinessProbe ready = nullptr) {
  auto server = std::make_unique<HttpServer>(std::move(settings), std::move(ready));
  server->Get("/fixed", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "twelve bytes", {}}; });
  server->Get("/echo/*", [](const HttpRequest& req) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : req.params) params[k] = v;
    return HttpResponse::Json(200, nlohmann::json{{"path", req.path}, {"params", params}}.dump())
        .SetHeader("X-Echo-Method", req.method);
  });
  Status s = server->Start();
  EXPECT_TRUE(s.ok()) << s.message();
  return server;
}

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

TEST(HttpServerTest, ServesMetricsHealthAndReadiness) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("slamon_test_total").Help("test").Register(*registry).Add({}).Increment(3);
  auto server = std::make_unique<HttpServer>(LocalSettings(), [] { return std::string("waiting for \"lag\"\n\\"); });
  server->AddCollectable(registry);
  ASSERT_TRUE(server->Start().ok());
  const int port = server->port();
  ASSERT_GT(port, 0);

  auto metrics = RawRequest(port, "GET", "/metrics", 2s);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(HeaderOf(metrics.head, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("slamon_test_total 3"), std::string::npos) << metrics.body;

  auto health = RawRequest(port, "GET", "/healthz", 2s);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(nlohmann::json::parse(health.body)["status"], "alive");

  // The reason is JSON-escaped: quotes, backslashes and newlines survive.
  auto ready = RawRequest(port, "GET", "/readyz", 2s);
  EXPECT_EQ(ready.status, 503);
  auto body = nlohmann::json::parse(ready.body);
  EXPECT_EQ(body["ready"], false);
  EXPECT_EQ(body["reason"], "waiting for \"lag\"\n\\");

  EXPECT_EQ(RawRequest(port, "GET", "/nope", 2s).status, 404);
}

TEST(HttpServerTest, ReadyWhenProbeSaysSo) {
  auto server = StartServer(LocalSettings(), [] { return std::string(); });
  auto ready = RawRequest(server->port(), "GET", "/readyz", 2s);
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ready.body), nlohmann::json::parse("{\"ready\":true}"));
}

TEST(HttpServerTest, PrefixRoutesAndDecodedQueryParameters) {
  auto server = StartServer(LocalSettings());
  auto res = RawRequest(server->port(), "GET", "/echo/a%20b?as_of=2026-01-01T00%3A00%3A00Z&tier=gold+plus", 2s);
  ASSERT_EQ(res.status, 200);
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["path"], "/echo/a b");
  EXPECT_EQ(body["params"]["as_of"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(body["params"]["tier"], "gold plus");
  EXPECT_EQ(HeaderOf(res.head, "X-Echo-Method"), "GET");
  EXPECT_EQ(RawRequest(server->port(), "GET", "/echo/x?bad=%zz", 2s).status, 400);
}

TEST(HttpServerTest, OnlyGetAndHeadAreAllowed) {
  auto server = StartServer(LocalSettings());
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    for (const char* path : {"/metrics", "/healthz", "/fixed"}) {
      auto res = RawRequest(server->port(), method, path, 2s, "Content-Length: 0\r\n");
      EXPECT_EQ(res.status, 405) << method << " " << path;
      EXPECT_EQ(HeaderOf(res.head, "Allow"), "GET, HEAD") << method << " " << path;
    }
  }
  // A 405 with a body keeps the connection usable for the next request.
  RawConnection c(server->port());
  ASSERT_TRUE(c.Send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
  EXPECT_EQ(c.Read(2s).status, 405);
  ASSERT_TRUE(c.Send("GET /fixed HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.Read(2s).body, "twelve bytes");
}

TEST(HttpServerTest, HeadSendsHeadersOnly) {
  auto server = StartServer(LocalSettings());
  RawConnection c(server->port());
  ASSERT_TRUE(c.Send("HEAD /fixed HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.Read(2s, /*head_only=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(HeaderOf(head.head, "Content-Length"), "12");
  EXPECT_EQ(HeaderOf(head.head, "Content-Type"), "text/plain");
  // Nothing but the head was sent: the next response on the connection starts right after it.
  ASSERT_TRUE(c.Send("GET /fixed HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto get = c.Read(2s);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "twelve bytes");
  EXPECT_EQ(RawRequest(server->port(), "HEAD", "/metrics", 2s).status, 200);
}

TEST(HttpServerTest, BasicAuthSchemeIsCaseInsensitive) {
  HttpSettings settings = LocalSettings();
  settings.basic_auth_user = "prom";
  settings.basic_auth_password = "s3cret";
  auto server = StartServer(settings);
  const int port = server->port();
  const std::string good = "cHJvbTpzM2NyZXQ=";  // prom:s3cret
  for (const char* scheme : {"Basic", "basic", "BASIC", "bAsIc"}) {
    auto res = RawRequest(port, "GET", "/fixed", 2s, std::string("Authorization: ") + scheme + " " + good + "\r\n");
    EXPECT_EQ(res.status, 200) << scheme;
  }
  auto wrong = RawRequest(port, "GET", "/metrics", 2s, "Authorization: Basic cHJvbTpzM2NyZXU=\r\n");  // prom:s3creu
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(HeaderOf(wrong.head, "WWW-Authenticate"), "Basic realm=\"slamon\"");
  EXPECT_EQ(RawRequest(port, "GET", "/metrics", 2s, "Authorization: Bearer cHJvbTpzM2NyZXQ=\r\n").status, 401);
  EXPECT_EQ(RawRequest(port, "GET", "/readyz", 2s).status, 401);
  EXPECT_EQ(RawRequest(port, "GET", "/healthz", 2s).status, 200);  // liveness needs no secret
}

TEST(HttpServerTest, SecondServerOnTheSamePortFailsClearly) {
  auto first = StartServer(LocalSettings());
  HttpSettings settings;
  settings.listen = "127.0.0.1:" + std::to_string(first->port());
  HttpServer second(settings, nullptr);
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": address already in use");
  EXPECT_EQ(RawRequest(first->port(), "GET", "/healthz", 2s).status, 200);  // the first one is untouched
}

TEST(HttpServerTest, SlowRequestHeadIsCutAtTheHeaderDeadline) {
  HttpSettings settings = LocalSettings();
  settings.header_timeout = 600ms;
  auto server = StartServer(settings);
  RawConnection slow(server->port());
  RawConnection silent(server->port());
  const auto start = Clock::now();
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n";
    for (size_t i = 0; i < head.size() && !stop; ++i) {
      if (!slow.Send(head.substr(i, 1))) break;
      std::this_thread::sleep_for(50ms);
    }
  });
  const bool closed = slow.WaitClosed(3s);
  const double slow_after = SecondsSince(start);
  stop = true;
  trickle.join();
  EXPECT_TRUE(closed) << "a trickling request head must not hold the connection";
  EXPECT_GE(slow_after, 0.5);
  EXPECT_LT(slow_after, 2.0);
  EXPECT_TRUE(silent.WaitClosed(2s)) << "a connection that says nothing is closed too";
  EXPECT_EQ(RawRequest(server->port(), "GET", "/healthz", 2s).status, 200);
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpSettings settings = LocalSettings();
  settings.idle_timeout = 400ms;
  auto server = StartServer(settings);
  RawConnection c(server->port());
  for (int i = 0; i < 3; ++i) {  // kept alive while in use
    ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(c.Read(2s).status, 200);
    std::this_thread::sleep_for(100ms);
  }
  const auto start = Clock::now();
  EXPECT_TRUE(c.WaitClosed(3s));
  EXPECT_LT(SecondsSince(start), 1.5);
}

TEST(HttpServerTest, ConnectionsOverTheLimitAreRefusedAtOnce) {
  HttpSettings settings = LocalSettings();
  settings.max_connections = 20;
  settings.header_timeout = 30s;  // the idle ones stay for the whole test
  auto server = StartServer(settings);
  const int port = server->port();
  // A scraper's kept-alive connection, opened before the flood.
  RawConnection probe(port);
  ASSERT_TRUE(probe.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(probe.Read(2s).status, 200);
  std::vector<RawConnection> idle;
  for (int i = 0; i < 19; ++i) idle.emplace_back(port);
  for (int i = 0; i < 200 && server->connections() < 20; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server->connections(), 20);

  int refused_with_503 = 0;
  for (int i = 0; i < 30; ++i) {
    RawConnection extra(port);
    ASSERT_TRUE(extra.ok());
    extra.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string got;
    const auto start = Clock::now();
    EXPECT_TRUE(extra.WaitClosed(1s, &got)) << "connection " << i << " over the limit was not closed";
    EXPECT_LT(SecondsSince(start), 1.0);
    if (got.rfind("HTTP/1.1 503", 0) == 0) ++refused_with_503;
    // The kept-alive probe is still served, promptly.
    const auto t = Clock::now();
    ASSERT_TRUE(probe.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(probe.Read(1s).status, 200);
    EXPECT_LT(SecondsSince(t), 1.0);
  }
  EXPECT_GT(refused_with_503, 0);
  EXPECT_EQ(server->connections(), 20);
  for (auto& c : idle) EXPECT_TRUE(c.StillOpen());
  idle.clear();  // room again: a fresh probe gets through
  int status = -1;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = RawRequest(port, "GET", "/healthz", 1s).status;
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 200);
}

TEST(HttpServerTest, HealthAnswersWhileMetricsAreBuilt) {
  // A collectable that takes its time, as a large registry would.
  struct Slow : prometheus::Collectable {
    std::vector<prometheus::MetricFamily> Collect() const override {
      std::this_thread::sleep_for(2s);
      return {};
    }
  };
  auto slow = std::make_shared<Slow>();
  HttpServer server(LocalSettings(), nullptr);
  server.AddCollectable(slow);
  ASSERT_TRUE(server.Start().ok());
  const int port = server.port();
  auto scrape1 = std::async(std::launch::async, [&] { return RawRequest(port, "GET", "/metrics", 5s).status; });
  auto scrape2 = std::async(std::launch::async, [&] { return RawRequest(port, "GET", "/metrics", 5s).status; });
  std::this_thread::sleep_for(300ms);  // both workers busy now
  for (int i = 0; i < 5; ++i) {
    const auto t = Clock::now();
    EXPECT_EQ(RawRequest(port, "GET", "/healthz", 1s).status, 200);
    EXPECT_LT(SecondsSince(t), 0.5);
  }
  EXPECT_EQ(scrape1.get(), 200);
  EXPECT_EQ(scrape2.get(), 200);
}

TEST(HttpServerTest, StopClosesConnectionsPromptly) {
  HttpSettings settings = LocalSettings();
  settings.header_timeout = 30s;
  auto server = StartServer(settings);
  RawConnection idle(server->port());
  for (int i = 0; i < 200 && server->connections() < 1; ++i) std::this_thread::sleep_for(10ms);
  const auto start = Clock::now();
  server->Stop();
  EXPECT_LT(SecondsSince(start), 1.0);
  EXPECT_TRUE(idle.WaitClosed(1s));
}

}  // namespace
}  // namespace slamon::daemon
