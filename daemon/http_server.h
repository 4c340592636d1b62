// The daemon's HTTP endpoints (cpp-httplib): /metrics (Prometheus text
// format from the registries), /healthz, /readyz, and routes added by other
// components (the JSON API). Binds 127.0.0.1 unless configured otherwise.
#pragma once

#include <prometheus/collectable.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config.h"
#include "events/status.h"

namespace httplib {
class Server;
}

namespace slamon::daemon {

class HttpServer {
 public:
  /// Readiness: returns an empty string when ready, else the reason it is not.
  using ReadinessProbe = std::function<std::string()>;

  HttpServer(HttpSettings settings, ReadinessProbe ready);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Collected on every scrape of /metrics, in order. Keep the shared_ptrs alive.
  void AddCollectable(std::weak_ptr<prometheus::Collectable> c) { collectables_.push_back(std::move(c)); }
  /// The underlying server, to register more routes before Start().
  httplib::Server& server() { return *server_; }

  /// Binds and serves on a background thread. Fails (with the address and
  /// reason) when the address cannot be bound.
  Status Start();
  /// The bound port (useful with port 0).
  int port() const { return port_; }
  void Stop();

 private:
  HttpSettings settings_;
  ReadinessProbe ready_;
  std::unique_ptr<httplib::Server> server_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
  std::thread thread_;
  std::atomic<bool> listener_done_{false};  // the listener thread returned (Stop() must not wait for it then)
  int port_ = 0;
};

}  // namespace slamon::daemon
