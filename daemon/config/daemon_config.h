// The daemon configuration: one YAML file plus `--set key=value` overrides,
// loaded into typed settings and validated at start-up. Every key is a row of
// the field tables in daemon_fields.h (DaemonSchema); every problem reads
// "FILE:LINE: section.key: problem".
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config/config_error.h"
#include "daemon/config/web_settings.h"
#include "events/common/config_position.h"
#include "events/common/status.h"
#include "events/kafka/kafka_settings.h"

namespace slamon::config {
class YamlReader;
}  // namespace slamon::config

namespace slamon::daemon {

/// A rejected config: what() is every problem, one "FILE:LINE: section.key:
/// problem" per line.
using ConfigError = config::ConfigError;

struct StoreSettings {
  std::string path = "slamon-data";
  bool sync = true;  ///< fsync every batch; turning it off gives up crash safety
};

struct HttpSettings {
  std::string listen = "127.0.0.1:9464";  ///< host:port; port 0 picks a free one
  std::string basic_auth_user;            ///< empty: no authentication (plaintext; the web config is preferred)
  std::string basic_auth_password;
  /// http.web_config_file (or `run --web.config.file`): TLS and bcrypt users.
  std::string web_config_file;
  std::shared_ptr<const WebConfig> web;  ///< loaded from web_config_file; null without one
  /// Open connections at most; one more is answered 503 and closed at once.
  int max_connections = 1024;
  /// A request head must arrive whole within this (from accept, or from its
  /// first byte on a kept-alive connection): the slowloris defence.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};   ///< a request body, after its head
  std::chrono::milliseconds idle_timeout{60000};   ///< a kept-alive connection waiting for its next request
  std::chrono::milliseconds write_timeout{10000};  ///< a response, to a client that does not read
  int worker_threads = 2;                          ///< run handlers (not /healthz) off the loop thread
};

/// Projection snapshots: the daemon writes one every
/// `every_events` applied events (0 = never) and keeps the newest `keep`;
/// start-up and the offline commands replay only the events after the newest.
struct SnapshotSettings {
  int64_t every_events = 1000000;
  int keep = 3;
};

/// The built-in event generator that feeds the embedded Kafka in the demo.
struct GeneratorSettings {
  bool enabled = false;
  double rate = 50;  ///< messages per second
  int accounts = 50;
  uint64_t seed = 1;
  double malformed_fraction = 0.01;
  double duplicate_fraction = 0.01;
};

/// metrics: bounds of the label values that come from event data.
struct MetricsSettings {
  std::vector<std::string> tiers;  ///< empty: A, B, C and the tiers the policies match ("unknown" always)
  int64_t max_account_owners = 1000;
};

/// ingest: how far from the consumer's clock an event's time may be.
struct IngestSettings {
  int64_t max_event_age_days = 36500;  ///< older events are rejected as bad_timestamp
  int64_t max_event_future_days = 1;   ///< events further ahead are rejected as bad_timestamp
};

/// backup: the daemon's own scheduled backups (events/store/backup.h). The
/// store is the daemon's alone while it runs, so this is how a live store
/// is backed up; `slamon backup` serves stopped stores.
struct BackupSettings {
  std::string dir;                          ///< empty: no scheduled backups
  std::chrono::seconds interval{6 * 3600};  ///< "90s", "15m", "6h", "1d" or seconds; the first one after one interval
  uint32_t keep = 0;                        ///< newest backups to keep; 0 = all
};

struct DaemonConfig {
  std::string file;  ///< where it was loaded from
  StoreSettings store;
  events::KafkaSettings kafka;
  int embedded_partitions = 4;
  int64_t max_message_bytes = 64 * 1024;
  HttpSettings http;
  GeneratorSettings generator;
  SnapshotSettings snapshots;
  MetricsSettings metrics;
  IngestSettings ingest;
  BackupSettings backup;
  /// readiness.max_lag: /readyz answers 503 while any owned partition lags
  /// more (and a newly assigned partition is restoring until it lags less).
  int64_t ready_max_lag = 1000;
  std::string log_level = "info";
  std::string log_format = "text";  ///< log.format: text lines, or one JSON object per line ("json")
  YAML::Node root;                  ///< the whole document, for the projections' sections (calendars, policies, health)
  /// Where the document's values came from (file lines, --set options), for
  /// the problems the projections' sections and later checks report.
  std::shared_ptr<const ConfigPositions> positions;

  /// `positions`, or the file's own lines for a config built in code.
  ConfigPositions Positions() const { return positions ? *positions : ConfigPositions(file, root); }
};

/// Reads the daemon settings from `reader` (overrides already applied);
/// problems are collected in the reader, not thrown.
DaemonConfig ReadDaemonConfig(config::YamlReader& reader);

/// Loads and validates `file`, after applying `overrides` ("kafka.brokers=h:9092").
/// Throws ConfigError.
DaemonConfig LoadDaemonConfig(const std::string& file, const std::vector<std::string>& overrides = {});
/// The same, with the refusal as an invalid-argument Status (every problem, one per line).
StatusOr<DaemonConfig> LoadDaemonConfigOr(const std::string& file, const std::vector<std::string>& overrides = {});

/// "FILE:LINE: kafka.properties.NAME: reason" for a consumer property
/// librdkafka refused, at the property's line (or the mapping's, when
/// kafka.group_instance_id set it).
std::string KafkaPropertyProblem(const DaemonConfig& cfg, const std::string& name, const std::string& reason);

/// Splits "host:port"; throws ConfigError ("WHERE: \"x\" is not host:port", or
/// without "WHERE: " when `where` is empty) when malformed.
std::pair<std::string, int> ParseListenAddress(const std::string& value, const std::string& where);

}  // namespace slamon::daemon
