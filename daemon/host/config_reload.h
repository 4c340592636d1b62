// Live configuration reload (SIGHUP, POST /-/reload): re-reads the config
// file, validates all of it as `slamon run` does at start-up, and applies what
// can change while running. The result-affecting sections (calendars,
// policies, health and the value sections) become a new policy version in the
// store, effective from the reload instant, and the live projections switch
// to it; the settings DaemonSchema marks live (log.level) change at once.
// Every other setting (store, Kafka, HTTP, snapshots, ...) is bound to open
// resources and marked restart: a change is reported as needing a restart and
// keeps its running value. The web config file is re-read too: a bad one
// (an unknown user in scopes, a bad scope, a bad hash, certificate files
// that do not load) fails the reload; its users, scopes and TLS certificates
// apply at once (turning TLS on or off takes a restart). An invalid file
// changes nothing.
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config/daemon_config.h"
#include "daemon/http/http_types.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_config.h"
#include "projections/sla/sla_config.h"

namespace slamon::daemon {

class ProjectionHost;

/// A config file validated as `slamon run` validates it before starting: the
/// daemon settings, the SLA and health (and value) sections, and the Kafka
/// consumer properties (librdkafka's own checks, without connecting).
struct CheckedConfig {
  DaemonConfig daemon;
  std::shared_ptr<const projections::SlaConfig> sla;
  projections::HealthConfig health;
};

/// Loads and checks `file` with `overrides` applied. Throws ConfigError with
/// every problem found ("FILE:LINE: section.key: problem", one per line).
CheckedConfig LoadCheckedConfig(const std::string& file, const std::vector<std::string>& overrides = {});

/// What differs between the running config and a newly loaded one.
struct ConfigChanges {
  /// The result-affecting sections differ (their canonical text, so comments,
  /// key order and quoting do not count).
  bool policy = false;
  /// Changed settings that a reload applies: "policy", and the rows of
  /// DaemonSchema marked live ("log.level").
  std::vector<std::string> live;
  /// Changed settings that keep their running value until a restart: the
  /// rows marked restart, by key ("store.path", "kafka.brokers", ...).
  std::vector<std::string> restart_only;

  bool empty() const { return live.empty() && restart_only.empty(); }
};

/// Compares typed settings, so that writing out a default is no change.
ConfigChanges DiffConfigs(const DaemonConfig& running, const DaemonConfig& loaded);

/// The outcome of one reload.
struct ReloadResult {
  bool ok = false;
  std::string error;             ///< "FILE:LINE: section.key: problem" (one per line) when !ok
  ConfigChanges changes;         ///< against the running config (when ok)
  uint64_t policy_version = 0;   ///< in force after the reload (0: no store attached)
  int64_t effective_from = 0;    ///< of that version
  bool policy_recorded = false;  ///< a new version was recorded by this reload

  /// The body of the POST /-/reload answer.
  std::string ToJson() const;
};

/// Owns the running config and its reload. Thread-safe: reloads are
/// serialized (a SIGHUP and a POST arriving together run one after the other).
class ConfigReloader {
 public:
  /// `running`: the config the daemon started with, as loaded (before any
  /// run-time rewriting such as the embedded broker address). `store` and
  /// `projections` may be null (tests of the diff alone). Registers the
  /// slamon_config_* gauges in `registry`.
  ConfigReloader(std::string file, std::vector<std::string> overrides, DaemonConfig running, events::EventStore* store,
                 ProjectionHost* projections, prometheus::Registry& registry, std::function<int64_t()> clock = nullptr);
  /// Stops the SIGHUP watcher (a reload in progress finishes first).
  ~ConfigReloader();
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  /// Called by every successful reload with the web config file the daemon
  /// started with, loaded anew (certificates read again): the daemon hands it
  /// to its HTTP server, so that access and certificates change without a
  /// restart. Before WatchSighup and the first request.
  void set_on_web_config(std::function<void(std::shared_ptr<const WebConfig>)> apply) {
    on_web_config_ = std::move(apply);
  }

  /// Reloads on every SIGHUP from now on: the signal handler only sets a
  /// flag, which a watcher thread of this object picks up within 100 ms
  /// (several signals in that time give one reload).
  void WatchSighup();

  /// Re-reads the file and applies the live settings; never throws.
  ReloadResult Reload();

  /// The POST /-/reload handler: 200 with the result, 400 when the file is
  /// invalid (the running config stays).
  HttpResponse HandleHttp(const HttpRequest& request);

  /// The config in force (restart-only settings as started).
  DaemonConfig running() const;

 private:
  int64_t Now() const;

  const std::string file_;
  const std::vector<std::string> overrides_;
  events::EventStore* store_;
  ProjectionHost* projections_;
  std::function<int64_t()> clock_;
  mutable std::mutex mu_;
  DaemonConfig started_;  ///< restart-only settings are compared with these
  DaemonConfig running_;  ///< live settings as last applied
  std::function<void(std::shared_ptr<const WebConfig>)> on_web_config_;
  std::shared_ptr<const WebConfig> web_;  ///< users, scopes and TLS settings in force
  prometheus::Gauge* last_successful_;
  prometheus::Gauge* last_success_timestamp_;
  prometheus::Gauge* restart_required_;
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool watch_stop_ = false;
  std::thread watcher_;
};

}  // namespace slamon::daemon
