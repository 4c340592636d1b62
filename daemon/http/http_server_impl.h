// The inside of HttpServer, shared by its two source files: the server
// (listener, connection limit, start and stop: http_server.cc) and the
// sessions, one per client connection (http_session.*). Not a public header:
// only those files include it.
#pragma once

// Beast's string_view is std::string_view, as in the rest of the code.
#ifndef BOOST_BEAST_USE_STD_STRING_VIEW
#define BOOST_BEAST_USE_STD_STRING_VIEW
#endif

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "daemon/http/access_control.h"
#include "daemon/http/http_server.h"
#include "daemon/http/rotating_tls_context.h"
#include "daemon/http/tls_context.h"

namespace slamon::daemon {

/// A JSON error answer: {"error": message}.
HttpResponse HttpError(int status, std::string_view message);
/// 401 with the basic-auth challenge.
HttpResponse HttpUnauthorized();

/// The handlers registered for one path (exact, or a prefix ending in "/").
struct HttpRoute {
  HttpHandler handler;   ///< GET and HEAD; empty for a POST-only path
  bool on_loop = false;  ///< answered on the loop thread (must be trivial)
  HttpHandler post;      ///< POST; empty for most paths
  RouteAccess get_access = RouteAccess::kAccountData;
  RouteAccess post_access = RouteAccess::kAdmin;

  /// Who may call the route with `method` (HttpServer::Get and Post).
  RouteAccess AccessFor(std::string_view method) const { return method == "POST" ? post_access : get_access; }

  /// The handler for `method` ("GET", "HEAD", "POST", anything else), null when the path does not take it.
  const HttpHandler* HandlerFor(std::string_view method) const {
    if (method == "GET" || method == "HEAD") return handler ? &handler : nullptr;
    if (method == "POST") return post ? &post : nullptr;
    return nullptr;
  }
  /// The Allow header of a 405 on this path: the methods it takes.
  std::string Allow() const {
    if (handler && post) return "GET, HEAD, POST";
    return handler ? "GET, HEAD" : "POST";
  }
};

class HttpServer::Impl {
 public:
  class Session;

  /// The largest request head.
  static constexpr size_t kMaxHeaderBytes = 16384;
  /// Without POST routes a body is only ever read to be discarded; a server
  /// with POST routes sets its own limit (SetMaxBodyBytes).
  static constexpr size_t kDefaultMaxBodyBytes = 65536;
  /// After a 413 the rest of the refused body is read and thrown away, up to
  /// this many bytes (or the body limit, when larger) within the body
  /// deadline: enough for a client that writes a body of a few MiB before it
  /// reads to see the answer; a body far larger is cut off (Session::Linger).
  static constexpr uint64_t kMinDiscardBytes = 8 << 20;

  Impl(HttpSettings settings, ReadinessProbe ready);
  ~Impl() { Stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  /// The route for `path`: exact first, then the longest matching prefix; null when none.
  const HttpRoute* Find(const std::string& path) const;
  /// The route registered for exactly `path` ("/x/*" for a prefix), created empty if new.
  HttpRoute& RouteAt(std::string path);
  /// Authenticates `req` for `route` (null: no such path) and fills in its
  /// user and scope; the refusal (401, 429, 403) when it may not go on. With
  /// bcrypt users this may take tens of milliseconds: see SlowAuth.
  std::optional<HttpResponse> Admit(HttpRequest& req, const HttpRoute* route) const;
  /// True when authorizing `req` for `route` may need a bcrypt computation,
  /// which must not run on the loop thread (it would stall every other connection).
  bool SlowAuth(const HttpRequest& req, const HttpRoute* route) const {
    return CurrentAccess()->slow() && (route == nullptr || route->AccessFor(req.method) != RouteAccess::kOpen);
  }
  /// The access control in force (SetWebConfig replaces it).
  std::shared_ptr<AccessControl> CurrentAccess() const {
    std::lock_guard lock(access_mu_);
    return access_;
  }

  Status Start();
  void Stop();
  void Accept();
  void Refuse(boost::asio::ip::tcp::socket socket);

  HttpSettings settings_;
  ReadinessProbe ready_;
  std::shared_ptr<RotatingTlsContext> tls_;  ///< null: plain HTTP
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
  std::map<std::string, HttpRoute> exact_;
  std::vector<std::pair<std::string, HttpRoute>> prefixes_;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mu_;
  std::unordered_set<Session*> sessions_;
  int port_ = 0;
  size_t max_body_bytes_ = kDefaultMaxBodyBytes;
  bool has_post_ = false;
  int64_t refused_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  // Declared after the members the sessions touch when destroyed: ioc_'s
  // destructor destroys the handlers (and so the sessions) still queued.
  boost::asio::io_context ioc_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::thread_pool workers_;
  std::shared_ptr<LoginThrottle> throttle_ = std::make_shared<LoginThrottle>();
  mutable std::mutex access_mu_;
  std::shared_ptr<AccessControl> access_;  ///< after settings_ and throttle_; replaced by SetWebConfig
  std::thread loop_;
};

}  // namespace slamon::daemon
