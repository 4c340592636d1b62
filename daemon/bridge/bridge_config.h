// The bridge's config file (config/bridge.example.yaml shows every key):
// where to listen, the Kafka topic and producer properties, and one section
// per webhook source. Every key is a row of a field table (BridgeSchema for
// http, kafka and log; each source kind's own table for its section), and
// every problem reads "FILE:LINE: section.key: problem"
// ("bridge.yaml:12: sources.zd.kind: …"); they are thrown together as
// daemon::ConfigError at start-up. The sources' rows and log.level apply on
// a reload (bridge_reload.h); http and kafka take a restart.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/bridge/kafka_sink.h"
#include "daemon/bridge/source.h"
#include "daemon/config/config_schema.h"
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
  /// How many secrets each source has (1, or the length of its secrets or
  /// secret_envs list): the secret="<position>" series it gets.
  std::map<std::string, size_t> secret_counts;
  /// The sources section as read (YAML text): what a reload compares.
  std::string sources_text;
};

/// Every setting of `c` but its sources (which are not copyable): a copy to
/// compare a reloaded file with.
BridgeConfig SettingsOf(const BridgeConfig& c);

/// The tables of http, kafka and log (sources are read by their kinds' factories).
const config::ConfigSchema<BridgeConfig>& BridgeSchema();
/// Every bridge key as reference sections: BridgeSchema, the keys every
/// source has, then each kind's.
std::vector<config::SectionInfo> BridgeReference();

/// Reads the config from `reader`, building every source through its kind's
/// factory; problems are collected in the reader.
BridgeConfig ReadBridgeConfig(config::YamlReader& reader);
/// Loads `file`, builds every source through its kind's factory. Throws
/// daemon::ConfigError with every problem.
BridgeConfig LoadBridgeConfig(const std::string& file);
/// As LoadBridgeConfig, from YAML text (`file` only names it in errors).
BridgeConfig ParseBridgeConfig(const std::string& yaml_text, const std::string& file);

}  // namespace slamon::bridge
