// Daemon config: defaults, overrides, and rejection with file, line and field.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "daemon/config/daemon_config.h"
#include "daemon/config/daemon_fields.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

std::string Write(const testing::TempDir& dir, const std::string& text) {
  std::string path = dir.Sub("slamon.yaml");
  std::ofstream(path) << text;
  return path;
}

std::string ErrorOf(const std::string& path, const std::vector<std::string>& overrides = {}) {
  try {
    LoadDaemonConfig(path, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(DaemonConfig, DefaultsAndValues) {
  testing::TempDir dir;
  auto cfg = LoadDaemonConfig(Write(dir,
                                    "kafka:\n  brokers: 127.0.0.1:9092\n  topics: [a, b]\n"
                                    "  properties: {security.protocol: SASL_SSL}\n"));
  EXPECT_EQ(cfg.kafka.brokers, "127.0.0.1:9092");
  EXPECT_EQ(cfg.kafka.topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(cfg.kafka.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(cfg.kafka.group_id, "slamon");
  EXPECT_EQ(cfg.http.listen, "127.0.0.1:9464");
  EXPECT_EQ(cfg.http.max_connections, 1024);
  EXPECT_EQ(cfg.http.header_timeout, std::chrono::seconds(10));
  EXPECT_TRUE(cfg.store.sync);
  EXPECT_EQ(cfg.max_message_bytes, 64 * 1024);
}

TEST(DaemonConfig, OverridesApplyBeforeValidation) {
  testing::TempDir dir;
  auto cfg =
      LoadDaemonConfig(Write(dir, "kafka: {brokers: embedded}\n"),
                       {"kafka.brokers=10.0.0.1:9092", "http.listen=127.0.0.1:0", "store.sync=false",
                        "http.max_connections=300", "http.idle_timeout_ms=1500", "kafka.properties.client.rack=eu1"});
  EXPECT_EQ(cfg.kafka.brokers, "10.0.0.1:9092");
  EXPECT_EQ(cfg.http.listen, "127.0.0.1:0");
  EXPECT_FALSE(cfg.store.sync);
  EXPECT_EQ(cfg.http.max_connections, 300);
  EXPECT_EQ(cfg.http.idle_timeout, std::chrono::milliseconds(1500));
  // librdkafka property names keep their dots.
  EXPECT_EQ(cfg.kafka.properties.at("client.rack"), "eu1");
}

TEST(DaemonConfig, RejectsWithFileLineAndField) {
  testing::TempDir dir;
  struct Case {
    std::string yaml, needle;
  };
  const std::vector<Case> cases = {
      {"store:\n  path: x\nkafka:\n  batch_max_messages: 0\n", ":4: kafka.batch_max_messages: must be 1..100000"},
      {"kafka:\n  brokers: embedded\n  bogus: 1\n", ":3: kafka.bogus: unknown setting"},
      {"kafak:\n  brokers: x\n", ":1: kafak: unknown section"},
      {"http:\n  listen: localhost\n", "http.listen: \"localhost\" is not host:port"},
      {"kafka:\n  batch_max_wait_ms: soon\n", ":2: kafka.batch_max_wait_ms: cannot read \"soon\" as an integer"},
      {"log:\n  level: loud\n", ":2: log.level: must be one of"},
      {"kafka: {brokers: 'h:1'}\ngenerator: {enabled: true}\n", "generator.enabled: the built-in generator"},
      {"store: [1, 2\n", "invalid YAML"},
      {"http:\n  max_connections: 0\n", ":2: http.max_connections: must be 1..100000"},
      {"http:\n  header_timeout_ms: 5\n", ":2: http.header_timeout_ms: must be 100..3600000"},
  };
  for (const auto& c : cases) {
    std::string path = Write(dir, c.yaml);
    std::string err = ErrorOf(path);
    EXPECT_NE(err.find(path), std::string::npos) << c.yaml << " -> " << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << c.yaml << " -> " << err;
  }
  EXPECT_NE(ErrorOf(dir.Sub("missing.yaml")).find("cannot read the config file"), std::string::npos);
  EXPECT_EQ(ErrorOf(Write(dir, "{}\n"), {"novalue"}),
            "--set:1: novalue: expected section.key=value (e.g. kafka.brokers=127.0.0.1:9092)");
}

// Shapes yaml-cpp accepts but a setting cannot have: still an error with file, line and field, never an exception
// of another type or a default taken silently.
TEST(DaemonConfig, OddShapesNameFileLineAndField) {
  testing::TempDir dir;
  struct Case {
    std::string yaml, needle;
  };
  std::string deep = "store:\n  path: x\nkafka:\n  brokers: ";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "\n";
  const std::vector<Case> cases = {
      {"? [a, b]\n: 1\n", ":1: (top level): a key must be a plain name"},
      {"kafka:\n  ? {x: 1}\n  : 1\n", ":2: kafka: a key must be a plain name"},
      {"kafka:\n  topics: events\n", ":2: kafka.topics: expected a list (e.g. [a, b]), got \"events\""},
      {"kafka:\n  topics: [[a]]\n", ":2: kafka.topics: expected a list of strings, got a list in it"},
      {"kafka:\n  brokers: {a: 1}\n", ":2: kafka.brokers: expected a string, got a mapping"},
      {"kafka:\n  properties: [a]\n", ":2: kafka.properties: expected a mapping, got a list"},
      {"store: {path: x}\nhttp:\n  listen: 'localhost:99999'\n",
       ":3: http.listen: port of \"localhost:99999\" is not 0..65535"},
      {"http:\n  listen: ':'\n", ":2: http.listen: \":\" is not host:port"},
      {deep, ":4: kafka.brokers: expected a string, got a list"},
      {"metrics:\n  tiers: A\n", ":2: metrics.tiers: expected a list"},
      {"metrics:\n  tiers: [A, other]\n", ":2: metrics.tiers: tier names must be non-empty"},
      {"metrics:\n  max_account_owners: -1\n", ":2: metrics.max_account_owners: must be 0..100000"},
      {"ingest:\n  max_event_future_days: -1\n", ":2: ingest.max_event_future_days: must be 0.."},
  };
  for (const auto& c : cases) {
    std::string path = Write(dir, c.yaml);
    std::string err = ErrorOf(path);
    EXPECT_EQ(err.rfind(path, 0), 0u) << c.yaml << " -> " << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << c.yaml << " -> " << err;
  }
}

TEST(DaemonConfig, EmptyFileIsAnError) {
  testing::TempDir dir;
  for (const char* text : {"", "\n\n", "# only a comment\n"}) {
    const std::string path = Write(dir, text);
    EXPECT_EQ(ErrorOf(path), path + ": the config file is empty") << "\"" << text << "\"";
  }
}

TEST(DaemonConfig, MetricsAndIngestBounds) {
  testing::TempDir dir;
  auto cfg = LoadDaemonConfig(Write(dir, "store: {path: x}\n"));
  EXPECT_TRUE(cfg.metrics.tiers.empty());
  EXPECT_EQ(cfg.metrics.max_account_owners, 1000);
  EXPECT_EQ(cfg.ingest.max_event_age_days, 36500);
  EXPECT_EQ(cfg.ingest.max_event_future_days, 1);
  cfg = LoadDaemonConfig(Write(dir,
                               "metrics: {tiers: [gold, silver], max_account_owners: 50}\n"
                               "ingest: {max_event_age_days: 0, max_event_future_days: 2}\n"));
  EXPECT_EQ(cfg.metrics.tiers, (std::vector<std::string>{"gold", "silver"}));
  EXPECT_EQ(cfg.metrics.max_account_owners, 50);
  EXPECT_EQ(cfg.ingest.max_event_age_days, 0);
  EXPECT_EQ(cfg.ingest.max_event_future_days, 2);
}

TEST(DaemonConfig, BackupSchedule) {
  testing::TempDir dir;
  auto cfg = LoadDaemonConfig(Write(dir, "store: {path: x}\n"));
  EXPECT_EQ(cfg.backup.dir, "");
  cfg = LoadDaemonConfig(Write(dir, "backup: {dir: /b, interval: 15m, keep: 4}\n"));
  EXPECT_EQ(cfg.backup.dir, "/b");
  EXPECT_EQ(cfg.backup.interval, std::chrono::seconds(900));
  EXPECT_EQ(cfg.backup.keep, 4u);
  EXPECT_EQ(LoadDaemonConfig(Write(dir, "backup: {dir: /b}\n")).backup.interval, std::chrono::hours(6));
  EXPECT_EQ(LoadDaemonConfig(Write(dir, "backup: {dir: /b, interval: 90}\n")).backup.interval,
            std::chrono::seconds(90));
  EXPECT_EQ(LoadDaemonConfig(Write(dir, "backup: {dir: /b, interval: 1d}\n")).backup.interval, std::chrono::hours(24));
  EXPECT_NE(ErrorOf(Write(dir, "backup: {dir: /b, interval: 5x}\n")).find("slamon.yaml:1: backup.interval"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "backup: {dir: /b, interval: 0s}\n")).find("backup.interval"), std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "backup: {interval: 1h}\n")).find("backup.dir: is required"), std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "store: {path: /s}\nbackup: {dir: /s}\n")).find("must not be store.path"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "backup: {dir: /b, every: 1h}\n")).find("backup.every: unknown setting"),
            std::string::npos);
}

TEST(DaemonConfig, EveryProblemIsReportedAtOnce) {
  testing::TempDir dir;
  const std::string path = Write(dir,
                                 "store:\n  path: x\nkafka:\n  batch_max_messages: 0\n  bogus: 1\n"
                                 "http:\n  max_connections: 0\nlog:\n  level: loud\n");
  // Section by section: a section's unknown keys first, then its rows.
  EXPECT_EQ(ErrorOf(path), path + ":5: kafka.bogus: unknown setting\n" + path +
                               ":4: kafka.batch_max_messages: must be 1..100000\n" + path +
                               ":7: http.max_connections: must be 1..100000\n" + path +
                               ":9: log.level: must be one of trace, debug, info, warn, error, critical, off, not "
                               "\"loud\"");
}

TEST(DaemonConfig, SetValuesArePlacedByTheirOption) {
  testing::TempDir dir;
  const std::string path = Write(dir, "kafka:\n  brokers: embedded\n");
  EXPECT_EQ(ErrorOf(path, {"store.sync=false", "kafka.batch_max_messages=0"}),
            "--set:2: kafka.batch_max_messages: must be 1..100000");
  EXPECT_EQ(ErrorOf(path, {"kafka.bogus=1"}), "--set:1: kafka.bogus: unknown setting");
  EXPECT_EQ(ErrorOf(path, {"backup.keep=3"}), "--set:1: backup.dir: is required");
  EXPECT_EQ(ErrorOf(path, {"kafka.topics=[a, [b]]"}),
            "--set:1: kafka.topics: expected a list of strings, got a list in it");
}

// Every section the daemon reads rejects a key it does not have, at the key's line.
TEST(DaemonConfig, UnknownKeysAreRejectedInEverySection) {
  testing::TempDir dir;
  size_t sections = 0;
  for (const auto& table : DaemonSchema().tables()) {
    // "http.basic_auth" nests: http:\n  basic_auth:\n    bogus_key: 1
    std::string yaml;
    std::string indent;
    size_t start = 0;
    while (true) {
      const size_t dot = table.name().find('.', start);
      yaml += indent + table.name().substr(start, dot == std::string::npos ? std::string::npos : dot - start) + ":\n";
      indent += "  ";
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    yaml += indent + "bogus_key: 1\n";
    const size_t line = static_cast<size_t>(std::count(yaml.begin(), yaml.end(), '\n'));
    const std::string path = Write(dir, yaml);
    const std::string error = ErrorOf(path);  // a section with a required key says so on a second line
    EXPECT_EQ(error.substr(0, error.find('\n')),
              path + ":" + std::to_string(line) + ": " + table.name() + ".bogus_key: unknown setting")
        << yaml;
    ++sections;
  }
  EXPECT_EQ(sections, 11u);
}

// The rows' defaults and the settings structs' initializers are one set of values.
TEST(DaemonConfig, StructDefaultsAreTheRowDefaults) {
  const DaemonConfig initialized;
  const config::FieldChanges d = DaemonSchema().Diff(initialized, DaemonSchema().Defaults());
  EXPECT_TRUE(d.live.empty()) << d.live.front();
  EXPECT_TRUE(d.restart.empty()) << d.restart.front();
}

}  // namespace
}  // namespace slamon::daemon
