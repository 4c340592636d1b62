// One running webhook bridge: the HTTP server (POST /webhooks/<source>,
// /metrics, /healthz, /readyz, POST /-/reload), the receiver, the Kafka sink
// and the config reload, started and stopped in one place. `slamon bridge`
// runs one; tests start one in process.
#pragma once

#include <memory>

#include "daemon/bridge/bridge_config.h"
#include "daemon/bridge/bridge_metrics.h"
#include "daemon/bridge/bridge_reload.h"
#include "daemon/bridge/event_sink.h"
#include "daemon/bridge/receiver.h"
#include "daemon/http/http_server.h"

namespace slamon::bridge {

class Bridge {
 public:
  /// Builds the bridge from `config` (its sources are moved out; a reload
  /// re-reads config.file, with the web config in config.http.web, loaded by
  /// the caller). `sink` replaces the Kafka producer when given (tests).
  static StatusOr<std::unique_ptr<Bridge>> Create(BridgeConfig config, std::unique_ptr<EventSink> sink = nullptr);
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  /// Binds and serves in the background.
  Status Start();
  /// The bound port (with listen port 0).
  int port() const { return http_->port(); }
  /// Stops serving, then waits (bounded) for queued events to be delivered.
  void Stop();
  BridgeMetrics& metrics() { return *metrics_; }
  /// Reloads the config file (SIGHUP; POST /-/reload does the same). Thread-safe.
  BridgeReloadResult Reload() { return reloader_->Reload(); }
  /// The sink events are delivered to (a KafkaSink unless one was given).
  EventSink& sink() { return *sink_; }

 private:
  Bridge() = default;
  std::unique_ptr<BridgeMetrics> metrics_;
  std::unique_ptr<EventSink> sink_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<BridgeReloader> reloader_;  // destroyed after the HTTP server that calls it
  std::unique_ptr<daemon::HttpServer> http_;
  bool stopped_ = false;
};

}  // namespace slamon::bridge
