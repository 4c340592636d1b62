// POST routes of the HTTP server (the webhook bridge's receiver) over real
// sockets on 127.0.0.1: raw bodies, the body limit and the 413 a client that
// writes its whole body first still reads, 100-continue, and the method
// rules once a server has POST routes.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "daemon/http/http_server.h"
#include "tests/support/raw_http.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using slamon::testing::HeaderOf;
using slamon::testing::OversizedPostsRefused;
using slamon::testing::RawConnection;
using slamon::testing::RawRequest;
using Clock = std::chrono::steady_clock;

constexpr size_t kLimit = 1 << 20;

std::unique_ptr<HttpServer> StartPostServer() {
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  auto server = std::make_unique<HttpServer>(settings, nullptr);
  server->SetMaxBodyBytes(kLimit);
  server->Post("/hooks/*", [](const HttpRequest& req) {
    return HttpResponse{200, "application/octet-stream", req.method + " " + req.path + " " + req.body, {}};
  });
  server->Get("/both", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "got", {}}; });
  server->Post("/both", [](const HttpRequest& req) { return HttpResponse{201, "text/plain", req.body, {}}; });
  server->Get("/fixed", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "fixed", {}}; });
  EXPECT_TRUE(server->Start().ok());
  return server;
}

std::string PostHead(std::string_view path, size_t length, std::string_view extra = "") {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) + "\r\n" +
         std::string(extra) + "\r\n";
}

TEST(HttpPostTest, HandlerSeesTheRawBody) {
  auto server = StartPostServer();
  RawConnection c(server->port());
  const std::string body("{\"a\":\"\xE4\xB8\xAD\"}\0\x01tail", 18);
  ASSERT_TRUE(c.Send(PostHead("/hooks/zd", body.size()) + body));
  auto res = c.Read(2s);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "POST /hooks/zd " + body);
  // Keep-alive: the same connection serves the next request.
  ASSERT_TRUE(c.Send(PostHead("/both", 3) + "abc"));
  auto again = c.Read(2s);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, "abc");
}

TEST(HttpPostTest, MethodsAreCheckedPerPath) {
  auto server = StartPostServer();
  const int port = server->port();
  auto get_hook = RawRequest(port, "GET", "/hooks/zd", 2s);
  EXPECT_EQ(get_hook.status, 405);
  EXPECT_EQ(HeaderOf(get_hook.head, "Allow"), "POST");
  auto post_fixed = RawRequest(port, "POST", "/fixed", 2s, "Content-Length: 0\r\n");
  EXPECT_EQ(post_fixed.status, 405);
  EXPECT_EQ(HeaderOf(post_fixed.head, "Allow"), "GET, HEAD");
  EXPECT_EQ(HeaderOf(RawRequest(port, "PUT", "/both", 2s, "Content-Length: 0\r\n").head, "Allow"), "GET, HEAD, POST");
  // A method no route takes: the path's own methods, not the server's.
  for (const char* method : {"PUT", "DELETE", "PATCH", "OPTIONS"}) {
    auto fixed = RawRequest(port, method, "/fixed", 2s, "Content-Length: 0\r\n");
    EXPECT_EQ(fixed.status, 405) << method;
    EXPECT_EQ(HeaderOf(fixed.head, "Allow"), "GET, HEAD") << method;
    auto hook = RawRequest(port, method, "/hooks/zd", 2s, "Content-Length: 0\r\n");
    EXPECT_EQ(hook.status, 405) << method;
    EXPECT_EQ(HeaderOf(hook.head, "Allow"), "POST") << method;
    auto metrics = RawRequest(port, method, "/metrics", 2s, "Content-Length: 0\r\n");
    EXPECT_EQ(HeaderOf(metrics.head, "Allow"), "GET, HEAD") << method;
    EXPECT_EQ(RawRequest(port, method, "/nowhere", 2s, "Content-Length: 0\r\n").status, 404) << method;
  }
  EXPECT_EQ(RawRequest(port, "GET", "/both", 2s).body, "got");
  EXPECT_EQ(RawRequest(port, "POST", "/nowhere", 2s, "Content-Length: 0\r\n").status, 404);
  EXPECT_EQ(RawRequest(port, "GET", "/healthz", 2s).status, 200);
}

TEST(HttpPostTest, BodyLimitIsEnforced) {
  auto server = StartPostServer();
  {
    RawConnection c(server->port());
    const std::string body(kLimit, 'x');
    ASSERT_TRUE(c.Send(PostHead("/both", body.size()) + body));
    auto res = c.Read(5s);
    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(res.body.size(), kLimit);
  }
  {
    // Refused from the declared length, before the body is read.
    RawConnection c(server->port());
    ASSERT_TRUE(c.Send(PostHead("/both", kLimit + 1)));
    auto res = c.Read(5s);
    EXPECT_EQ(res.status, 413);
    EXPECT_TRUE(c.WaitClosed(2s));
  }
  {
    // A chunked body has no declared length: cut when it grows past the limit.
    RawConnection c(server->port());
    std::string chunk(64 * 1024, 'y');
    std::string req = "POST /both HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t sent = 0; sent <= kLimit; sent += chunk.size()) req += "10000\r\n" + chunk + "\r\n";
    req += "0\r\n\r\n";
    c.Send(req);  // the server may close before all of it is written
    EXPECT_EQ(c.Read(5s).status, 413);
  }
}

// The daemon's own server: the default body limit (64 KiB) and a POST route, as `slamon run` has.
std::unique_ptr<HttpServer> StartDaemonLikeServer() {
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  auto server = std::make_unique<HttpServer>(settings, nullptr);
  server->Post("/-/reload", [](const HttpRequest&) { return HttpResponse::Json(200, "{}\n"); });
  server->Get("/fixed", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "fixed", {}}; });
  EXPECT_TRUE(server->Start().ok());
  return server;
}

TEST(HttpPostTest, WholeOversizedBodyWrittenBeforeReadingGets413EveryTime) {
  // Most clients (and the helpdesks' webhook senders) write the whole
  // request before they read: they must read the 413, every time, not fail
  // their write with EPIPE or see a reset (and then retry a request that
  // can never succeed).
  std::string failures;
  auto bridge_like = StartPostServer();  // 1 MiB, as the bridge
  EXPECT_EQ(OversizedPostsRefused(bridge_like->port(), "/hooks/zd", 2 << 20, 50, &failures), 50) << failures;
  auto daemon_like = StartDaemonLikeServer();  // 64 KiB, as the daemon
  EXPECT_EQ(OversizedPostsRefused(daemon_like->port(), "/-/reload", 2 << 20, 50, &failures), 50) << failures;
  // The connections were closed after the answer: nothing lingers.
  const auto deadline = Clock::now() + 5s;
  while ((bridge_like->connections() > 0 || daemon_like->connections() > 0) && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(bridge_like->connections(), 0);
  EXPECT_EQ(daemon_like->connections(), 0);
  // And the servers still serve.
  EXPECT_EQ(RawRequest(daemon_like->port(), "GET", "/fixed", 2s).status, 200);
}

TEST(HttpPostTest, HugeBodyIsCutOffAfterTheAnswer) {
  auto server = StartPostServer();
  constexpr size_t kAnnounced = size_t{64} << 20;
  RawConnection c(server->port());
  ASSERT_TRUE(c.Send(PostHead("/hooks/zd", kAnnounced)));
  // Write the announced body (without reading) until the server stops taking it.
  const std::string chunk(1 << 20, 'z');
  size_t sent = 0;
  int error = 0;
  const auto start = Clock::now();
  while (sent < kAnnounced && error == 0) sent += c.SendAll(chunk, 3s, &error);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // The server read at most max(8 MiB, limit) and closed; what else went
  // was taken by the two sockets' buffers.
  EXPECT_NE(error, 0) << "the server took the whole 64 MiB body";
  EXPECT_LT(sent, size_t{32} << 20) << "the server read far more than its discard bound";
  EXPECT_LT(seconds, 15) << "cutting the body off took too long";
  const auto deadline = Clock::now() + 5s;
  while (server->connections() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server->connections(), 0);
}

TEST(HttpPostTest, ExpectContinueIsAnswered) {
  auto server = StartPostServer();
  RawConnection c(server->port());
  ASSERT_TRUE(c.Send(PostHead("/both", 5, "Expect: 100-continue\r\n")));
  // The interim answer comes at once, before any body byte was sent.
  auto interim = c.Read(1s, /*head_only=*/true);
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.Send("hello"));
  auto res = c.Read(2s);
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "hello");
}

}  // namespace
}  // namespace slamon::daemon
