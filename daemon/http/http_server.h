// The daemon's HTTP endpoints: /metrics (Prometheus text format from the
// registered collectables), /healthz, /readyz, and routes added by other
// components (the JSON API). Binds 127.0.0.1 unless configured otherwise.
//
// Why an event loop (Boost.Asio + Boost.Beast, header-only from Debian's
// libboost-dev): liveness probes and scrapes must keep answering while
// hundreds of slow or idle clients are connected. A thread-per-connection
// server runs out of threads as soon as a handful of clients dawdle; here one
// loop thread owns every socket and waits on all of them at once, so an idle
// or slow connection costs a few kilobytes, not a thread. Every connection
// has deadlines (request head, body, keep-alive idle, response write), the
// number of open connections is capped (the excess gets a 503 and is closed
// at once), and handlers run on a small worker pool so that building a large
// /metrics answer never stalls accepting or /healthz, which is answered on the
// loop itself. Beast was preferred over libevent's evhttp for its typed C++
// parser with header/body size limits and per-operation deadlines, and
// because Asio's timers and sockets compose without C callbacks.
#pragma once

#include <prometheus/collectable.h>

#include <chrono>
#include <memory>
#include <string>

#include "daemon/config/daemon_config.h"
#include "daemon/http/access_control.h"
#include "daemon/http/http_types.h"
#include "events/common/status.h"

namespace slamon::daemon {

class HttpServer {
 public:
  /// Readiness: returns an empty string when ready, else the reason it is not.
  using ReadinessProbe = std::function<std::string()>;

  HttpServer(HttpSettings settings, ReadinessProbe ready);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Collected on every scrape of /metrics, in order. Keep the shared_ptrs
  /// alive. Before Start() only.
  void AddCollectable(std::weak_ptr<prometheus::Collectable> c);

  /// Serves GET (and HEAD, same handler, body dropped) on `path`. A path
  /// ending in "/*" matches every path under that prefix ("/api/v1/accounts/*"
  /// matches "/api/v1/accounts/a-1"); an exact route wins over a prefix, a
  /// longer prefix over a shorter one. A method the path does not take gets
  /// 405 with an Allow header listing the ones it does; a path nothing serves
  /// gets 404, whatever the method. `access`: the scopes that may call it
  /// (others get 403); by default the account-data routes', whose handler
  /// must filter by HttpRequest::scope. Before Start() only.
  void Get(std::string path, HttpHandler handler, RouteAccess access = RouteAccess::kAccountData);
  /// Serves POST on `path` (same path rules as Get); the handler sees the raw
  /// body in HttpRequest::body (bodies of other methods are read and dropped).
  /// `access` as for Get; by default only the scope `all`. Before Start() only.
  void Post(std::string path, HttpHandler handler, RouteAccess access = RouteAccess::kAdmin);
  /// The largest request body accepted (default 64 KiB). A larger one is
  /// answered 413 with Connection: close as soon as its head (or, chunked,
  /// the part over the limit) arrives; then the rest the client sends is read
  /// and discarded until it has sent what it announced or closes, at most
  /// max(8 MiB, this limit) within the body deadline, and the connection is
  /// closed (a lingering close): a client that writes its whole body before
  /// reading still reads the 413, and a body far larger is cut off.
  /// Before Start() only.
  void SetMaxBodyBytes(size_t bytes);
  /// Puts a reloaded web config in force: its basic-auth users and scopes,
  /// and, when this server serves TLS and `web` has a TLS context (its
  /// loader read the certificate files anew), that context for new
  /// connections. Turning TLS on or off takes a restart: a `web` that does is
  /// used for its users only. Requests already authenticated finish with their
  /// old scope, connections with their old certificate; failed-login counts
  /// carry over. Thread-safe; any time.
  void SetWebConfig(std::shared_ptr<const WebConfig> web);
  /// How often, at most, a TLS handshake looks whether the certificate, key
  /// and client CA files changed, to serve the new ones (default 5 s; see
  /// rotating_tls_context.h). Before Start() only.
  void SetTlsCheckInterval(std::chrono::milliseconds interval);

  /// Binds (SO_REUSEADDR, never SO_REUSEPORT: a second daemon on the same
  /// port must fail) and serves on a background thread. Fails with
  /// "cannot listen on HOST:PORT: REASON" when the address cannot be bound.
  Status Start();
  /// The bound port (useful with port 0).
  int port() const;
  /// Open client connections right now.
  int connections() const;
  /// Closes the listener and every connection; waits for running handlers.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slamon::daemon
