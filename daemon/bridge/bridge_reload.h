// Live reload of the bridge's config (SIGHUP, POST /-/reload), as the
// daemon's (daemon/host/config_reload.h): re-reads the file, checks all of it
// as at start-up, and applies what can change while running. The sources
// (kinds, secrets, mappings; new and removed sources too) and log.level apply
// at once, and so do the web config's users, scopes and TLS certificates
// (read again). The listen address, the HTTP limits and the Kafka settings
// are bound to the open socket and producer: a change is reported as needing
// a restart and keeps its running value. An invalid file (or web config)
// changes nothing: the running config keeps serving.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/bridge/bridge_config.h"
#include "daemon/bridge/bridge_metrics.h"
#include "daemon/bridge/receiver.h"
#include "daemon/http/http_server.h"

namespace slamon::bridge {

/// The outcome of one reload.
struct BridgeReloadResult {
  bool ok = false;
  std::string error;                          ///< "FILE:LINE: section.key: problem" (one per line) when !ok
  std::vector<std::string> applied;           ///< what changed and is in force ("sources", "log.level", …)
  std::vector<std::string> restart_required;  ///< changed, running value kept until a restart ("kafka.brokers", …)

  /// The body of the POST /-/reload answer, in the daemon's shape:
  /// {"status":"success","applied":[…],"restart_required":[…]} or
  /// {"status":"error","error":"…"}.
  std::string ToJson() const;
};

/// Owns the bridge's running config and its reload. Thread-safe: reloads are
/// serialized (a SIGHUP and a POST arriving together run one after the other).
class BridgeReloader {
 public:
  /// `started`: the settings the bridge started with (SettingsOf); the targets
  /// a reload updates must outlive this object.
  BridgeReloader(BridgeConfig started, Receiver* receiver, BridgeMetrics* metrics, daemon::HttpServer* http);

  /// Re-reads the file and applies the live settings; never throws.
  BridgeReloadResult Reload();

  /// The POST /-/reload handler: 200 with the result, 400 when the file is
  /// invalid (the running config stays).
  daemon::HttpResponse HandleHttp(const daemon::HttpRequest& request);

 private:
  void ApplyWebConfig(std::shared_ptr<const daemon::WebConfig> web, BridgeReloadResult* result);

  std::mutex mu_;
  const BridgeConfig started_;  ///< restart-only settings are compared with these
  BridgeConfig running_;        ///< live settings as last applied
  Receiver* receiver_;
  BridgeMetrics* metrics_;
  daemon::HttpServer* http_;
};

}  // namespace slamon::bridge
