// POST routes of the HTTP server (the webhook bridge's receiver) over real
// sockets on 127.0.0.1: raw bodies, the body limit, 100-continue, and the
// method rules once a server has POST routes.
#include <gtest/gtest.h>

#include <string>

#include "daemon/http/http_server.h"
#include "tests/support/raw_http.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using slamon::testing::HeaderOf;
using slamon::testing::RawConnection;
using slamon::testing::RawRequest;

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
