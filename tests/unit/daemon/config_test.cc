// Daemon config: defaults, overrides, and rejection with file, line and field.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon/config/daemon_config.h"
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
      {"store:\n  path: x\nkafka:\n  batch_max_messages: 0\n", ":4: field kafka.batch_max_messages: must be 1..100000"},
      {"kafka:\n  brokers: embedded\n  bogus: 1\n", ":3: field kafka.bogus: unknown setting"},
      {"kafak:\n  brokers: x\n", ":1: field kafak: unknown section"},
      {"http:\n  listen: localhost\n", "field http.listen: \"localhost\" is not host:port"},
      {"kafka:\n  batch_max_wait_ms: soon\n", ":2: field kafka.batch_max_wait_ms: cannot read \"soon\" as an integer"},
      {"log:\n  level: loud\n", ":2: field log.level: must be one of"},
      {"kafka: {brokers: 'h:1'}\ngenerator: {enabled: true}\n", "field generator.enabled: the built-in generator"},
      {"store: [1, 2\n", "invalid YAML"},
      {"http:\n  max_connections: 0\n", ":2: field http.max_connections: must be 1..100000"},
      {"http:\n  header_timeout_ms: 5\n", ":2: field http.header_timeout_ms: must be 100..3600000"},
  };
  for (const auto& c : cases) {
    std::string path = Write(dir, c.yaml);
    std::string err = ErrorOf(path);
    EXPECT_NE(err.find(path), std::string::npos) << c.yaml << " -> " << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << c.yaml << " -> " << err;
  }
  EXPECT_NE(ErrorOf(dir.Sub("missing.yaml")).find("cannot read the config file"), std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "{}\n"), {"novalue"}).find("expected key=value"), std::string::npos);
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
      {"? [a, b]\n: 1\n", ":1: field (top level): a key must be a plain name"},
      {"kafka:\n  ? {x: 1}\n  : 1\n", ":2: field kafka: a key must be a plain name"},
      {"kafka:\n  topics: events\n", ":2: field kafka.topics: expected a list (e.g. [a, b]), got \"events\""},
      {"kafka:\n  topics: [[a]]\n", ":2: field kafka.topics: expected a list of strings, got a list in it"},
      {"kafka:\n  brokers: {a: 1}\n", ":2: field kafka.brokers: expected a string, got a mapping"},
      {"kafka:\n  properties: [a]\n", ":2: field kafka.properties: expected a mapping, got a list"},
      {"store: {path: x}\nhttp:\n  listen: 'localhost:99999'\n",
       ":3: field http.listen: port of \"localhost:99999\" is not 0..65535"},
      {"http:\n  listen: ':'\n", ":2: field http.listen: \":\" is not host:port"},
      {deep, ":4: field kafka.brokers: expected a string, got a list"},
      {"metrics:\n  tiers: A\n", ":2: field metrics.tiers: expected a list"},
      {"metrics:\n  tiers: [A, other]\n", ":2: field metrics.tiers: tier names must be non-empty"},
      {"metrics:\n  max_account_owners: -1\n", ":2: field metrics.max_account_owners: must be 0..100000"},
      {"ingest:\n  max_event_future_days: -1\n", ":2: field ingest.max_event_future_days: must be 0.."},
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
    EXPECT_EQ(ErrorOf(path), path + ": the file is empty") << "\"" << text << "\"";
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
  EXPECT_NE(ErrorOf(Write(dir, "backup: {dir: /b, interval: 5x}\n")).find("slamon.yaml:1: field backup.interval"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "backup: {dir: /b, interval: 0s}\n")).find("backup.interval"), std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "backup: {interval: 1h}\n")).find("backup.dir: is required"), std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "store: {path: /s}\nbackup: {dir: /s}\n")).find("must not be store.path"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Write(dir, "backup: {dir: /b, every: 1h}\n")).find("backup.every: unknown setting"),
            std::string::npos);
}

}  // namespace
}  // namespace slamon::daemon
