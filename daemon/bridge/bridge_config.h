// The bridge's config file (config/bridge.example.yaml documents every key):
// where to listen, the Kafka topic and producer properties, and one section
// per webhook source. Errors name the file, the line, the field and the
// reason ("bridge.yaml:12: field sources.zd.kind: …") and are thrown as
// daemon::ConfigError at start-up.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "daemon/bridge/kafka_sink.h"
#include "daemon/bridge/source.h"
#include "daemon/config/daemon_config.h"

namespace slamon::bridge {

struct BridgeConfig {
  std::string file;
  daemon::HttpSettings http;        ///< listen defaults to 127.0.0.1:9465
  size_t max_body_bytes = 1 << 20;  ///< larger requests get 413
  KafkaSinkSettings kafka;
  int retry_after_seconds = 5;  ///< Retry-After of a 503
  std::string log_level = "info";
  std::map<std::string, std::unique_ptr<WebhookSource>> sources;  ///< by name
};

/// Loads `file`, builds every source through its kind's factory. Throws daemon::ConfigError.
BridgeConfig LoadBridgeConfig(const std::string& file);
/// As LoadBridgeConfig, from YAML text (`file` only names it in errors).
BridgeConfig ParseBridgeConfig(const std::string& yaml_text, const std::string& file);

}  // namespace slamon::bridge
