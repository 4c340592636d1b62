// One running webhook bridge: the HTTP server (POST /webhooks/<source>,
// /metrics, /healthz, /readyz), the receiver and the Kafka sink, started and
// stopped in one place. `slamon bridge` runs one; tests start one in process.
#pragma once

#include <memory>

#include "daemon/bridge/bridge_config.h"
#include "daemon/bridge/bridge_metrics.h"
#include "daemon/bridge/event_sink.h"
#include "daemon/bridge/receiver.h"
#include "daemon/http/http_server.h"

namespace slamon::bridge {

class Bridge {
 public:
  /// Builds the bridge from `config` (its sources are moved out). `sink`
  /// replaces the Kafka producer when given (tests).
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
  /// The sink events are delivered to (a KafkaSink unless one was given).
  EventSink& sink() { return *sink_; }

 private:
  Bridge() = default;
  std::unique_ptr<BridgeMetrics> metrics_;
  std::unique_ptr<EventSink> sink_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<daemon::HttpServer> http_;
  bool stopped_ = false;
};

}  // namespace slamon::bridge
