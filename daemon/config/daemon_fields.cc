// The daemon config as field tables: every key `slamon run` reads, one row
// each. Loading, --set, unknown-key rejection, the reload's restart-needed
// list, check-config's summary and docs/configuration.md come from here.
#include "daemon/config/daemon_fields.h"

#include <limits>

namespace slamon::daemon {
namespace {

using config::Apply;
using config::At;
using config::Bool;
using config::Duration;
using config::FieldTable;
using config::Int;
using config::List;
using config::Map;
using config::OneOf;
using config::Real;
using config::SectionCheck;
using config::Str;
using config::Via;
using events::KafkaSettings;
using C = DaemonConfig;

constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();
constexpr Apply kRestart = Apply::kRestart;

std::string NotEmpty(const std::string& v) { return v.empty() ? "must not be empty" : ""; }

std::string ListenAddress(const std::string& v) {
  try {
    (void)ParseListenAddress(v, "");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// The property librdkafka reads static membership from; the config file
// names it kafka.group_instance_id.
constexpr const char* kInstanceProperty = "group.instance.id";

FieldTable<C> Store() {
  return {"store",
          "The event store (RocksDB).",
          {
              Str("path", At(&C::store, &StoreSettings::path), "slamon-data", kRestart,
                  "RocksDB event store directory (created when missing).", {NotEmpty, "non-empty"}),
              Bool("sync", At(&C::store, &StoreSettings::sync), true, kRestart,
                   "fsync every batch; `false` gives up crash safety for speed."),
          }};
}

FieldTable<C> Kafka() {
  auto brokers = [](const std::string& v) { return v.empty() ? "must be host:port[,host:port] or embedded" : ""; };
  auto instance_get = [](const C& c) {
    auto it = c.kafka.properties.find(kInstanceProperty);
    return it == c.kafka.properties.end() ? std::string() : it->second;
  };
  auto instance_set = [](C& c, std::string v) {
    if (!v.empty()) c.kafka.properties[kInstanceProperty] = std::move(v);
  };
  return {"kafka",
          "Where the events come from.",
          {
              Str("brokers", At(&C::kafka, &KafkaSettings::brokers), "embedded", kRestart,
                  "`host:port[,…]`, or `embedded` for librdkafka's in-process mock cluster (demo only: it keeps "
                  "about 5 MB per partition).",
                  {brokers, "non-empty"}),
              List("topics", At(&C::kafka, &KafkaSettings::topics), {"slamon-events"}, {1, "topic"}, kRestart,
                   "Topics to consume."),
              Str("group_id", At(&C::kafka, &KafkaSettings::group_id), "slamon", kRestart, "Consumer group.",
                  {NotEmpty, "non-empty"}),
              Map("properties", At(&C::kafka, &KafkaSettings::properties), kRestart,
                  "Any librdkafka property, passed through (SSL/SASL, tuning); wins over slamon's defaults. "
                  "librdkafka checks each one at load.")
                  .Secret(),
              // After properties: it wins over a group.instance.id given there.
              Str("group_instance_id", Via<C, std::string>(instance_get, instance_set), "", kRestart,
                  "Static membership (`group.instance.id`), unique per instance: a restart within "
                  "`session.timeout.ms` keeps the member's partitions without a rebalance."),
              Int("batch_max_messages", At(&C::kafka, &KafkaSettings::batch_max_messages), 20000, {1, 100000}, kRestart,
                  "Messages per stored batch at most."),
              Int("batch_max_bytes", At(&C::kafka, &KafkaSettings::batch_max_bytes), int64_t{32} << 20,
                  {int64_t{1} << 16, int64_t{1} << 30, "bytes"}, kRestart, "Payload bytes per stored batch at most."),
              Int("batch_max_wait_ms", At(&C::kafka, &KafkaSettings::batch_max_wait), 100, {1, 60000, "milliseconds"},
                  kRestart, "How long to gather a batch."),
              Int("max_message_bytes", At(&C::max_message_bytes), int64_t{64} * 1024, {256, int64_t{64} << 20, "bytes"},
                  kRestart, "Larger messages are quarantined as `oversize`."),
              Int("embedded_partitions", At(&C::embedded_partitions), 4, {1, 256}, kRestart,
                  "Partitions of the embedded topic."),
          }};
}

FieldTable<C> Http() {
  return {
      "http",
      "The HTTP endpoints: `/metrics`, `/healthz`, `/readyz`, the API and the web console.",
      {
          Str("listen", At(&C::http, &HttpSettings::listen), "127.0.0.1:9464", kRestart,
              "Address of the endpoints; port 0 picks a free one.", {ListenAddress, "`host:port`, port 0..65535"}),
          Str("web_config_file", At(&C::http, &HttpSettings::web_config_file), "", kRestart,
              "TLS and bcrypt basic-auth users for the endpoints ([the web config file](#the-web-config-file)); "
              "`slamon run --web.config.file FILE` wins over it."),
          Int("max_connections", At(&C::http, &HttpSettings::max_connections), 1024, {1, 100000}, kRestart,
              "Open connections at most; one more is answered 503 and closed at once."),
          Int("header_timeout_ms", At(&C::http, &HttpSettings::header_timeout), 10000, {100, 3600000, "milliseconds"},
              kRestart, "A request head must arrive whole within this (slow-client defence)."),
          Int("idle_timeout_ms", At(&C::http, &HttpSettings::idle_timeout), 60000, {100, 3600000, "milliseconds"},
              kRestart, "A kept-alive connection waiting longer for its next request is closed."),
      }};
}

FieldTable<C> HttpBasicAuth() {
  return {"http.basic_auth",
          "Deprecated: basic auth on every endpoint but `/healthz` with a plaintext password in this file (a "
          "warning at every start). Both keys or neither, and not with the web config's `basic_auth_users`, which "
          "is the one to use.",
          {
              Str("user", At(&C::http, &HttpSettings::basic_auth_user), "", kRestart, "User name."),
              Str("password", At(&C::http, &HttpSettings::basic_auth_password), "", kRestart, "Password.").Secret(),
          },
          {[](const C& c, SectionCheck& k) {
            if (k.present() && (c.http.basic_auth_user.empty() || c.http.basic_auth_password.empty())) {
              k.FailSection("needs both user and password");
            }
          }}};
}

FieldTable<C> Generator() {
  const config::RealRange fraction{0, 0.5};
  return {"generator",
          "The built-in event generator feeding the embedded Kafka (demo only).",
          {
              Bool("enabled", At(&C::generator, &GeneratorSettings::enabled), false, kRestart,
                   "Run the generator; needs `kafka.brokers: embedded`."),
              Real("rate", At(&C::generator, &GeneratorSettings::rate), 50, {0, 1e6, true}, kRestart,
                   "Messages per second."),
              Int("accounts", At(&C::generator, &GeneratorSettings::accounts), 50, {1, std::numeric_limits<int>::max()},
                  kRestart, "Accounts the stream spreads over."),
              Int("seed", At(&C::generator, &GeneratorSettings::seed), 1, {0, kNoMax}, kRestart,
                  "The stream is deterministic for a seed."),
              Real("malformed_fraction", At(&C::generator, &GeneratorSettings::malformed_fraction), 0.01, fraction,
                   kRestart, "Share of malformed messages."),
              Real("duplicate_fraction", At(&C::generator, &GeneratorSettings::duplicate_fraction), 0.01, fraction,
                   kRestart, "Share of duplicated events."),
          },
          {[](const C& c, SectionCheck& k) {
            if (c.generator.enabled && c.kafka.brokers != "embedded") {
              k.Fail("enabled", "the built-in generator only feeds kafka.brokers: embedded");
            }
          }}};
}

FieldTable<C> Readiness() {
  return {"readiness",
          "When `/readyz` answers 200.",
          {Int("max_lag", At(&C::ready_max_lag), 1000, {0, kNoMax, "messages"}, kRestart,
               "`/readyz` answers 503 while an owned partition lags more messages; a newly assigned partition "
               "counts once its lag is at most this.")}};
}

FieldTable<C> Snapshots() {
  return {"snapshots",
          "Projection snapshots ([store.md](store.md) \"Projection snapshots\"): start-up and the offline "
          "commands replay only the events after the newest.",
          {
              Int("every_events", At(&C::snapshots, &SnapshotSettings::every_events), 1000000,
                  {0, kNoMax, "", "0 = no snapshots"}, kRestart,
                  "Write a projection snapshot every this many applied events."),
              Int("keep", At(&C::snapshots, &SnapshotSettings::keep), 3, {1, 100}, kRestart,
                  "Snapshots kept in the store; older ones are deleted."),
          }};
}

FieldTable<C> Metrics() {
  auto tier = [](const std::string& t) {
    return t.empty() || t == "other" ? "tier names must be non-empty and not \"other\"" : "";
  };
  return {
      "metrics",
      "Bounds of the metric label values that come from event data ([metrics.md](metrics.md) \"Label "
      "bounds\"); watch `slamon_label_overflow_total` to see when one is reached.",
      {
          List("tiers", At(&C::metrics, &MetricsSettings::tiers), {}, {0, "tier", tier, "non-empty names, not `other`"},
               kRestart,
               "Tier label values reported as themselves; other tiers become `other`; `unknown` is always "
               "added.")
              .DefaultDoc("A, B, C and the tiers the policies' `match` lists name"),
          Int("max_account_owners", At(&C::metrics, &MetricsSettings::max_account_owners), 1000, {0, 100000}, kRestart,
              "Distinct `account_owner` label values (the first seen since start); later owners become `other`."),
      }};
}

FieldTable<C> Ingest() {
  return {"ingest",
          "How far from the daemon's clock an event's time may be; other events are quarantined as "
          "`bad_timestamp`. `slamon import` applies only the fixed year bounds, so old history can be backfilled.",
          {
              Int("max_event_age_days", At(&C::ingest, &IngestSettings::max_event_age_days), 36500,
                  {0, 3650000, "days", "0 = no bound"}, kRestart,
                  "Events older than this by the daemon's clock are quarantined."),
              Int("max_event_future_days", At(&C::ingest, &IngestSettings::max_event_future_days), 1,
                  {0, 3650000, "days", "0 = no bound"}, kRestart,
                  "Events further ahead are quarantined (a producer with a wrong clock)."),
          }};
}

FieldTable<C> Backup() {
  return {"backup",
          "The daemon's own scheduled store backups, incremental and verified ([operations.md](operations.md) "
          "\"Backups and restore\").",
          {
              Str("dir", At(&C::backup, &BackupSettings::dir), "", kRestart,
                  "The daemon backs its store up into this directory; not `store.path`.")
                  .Required(),
              Duration(
                  "interval", At(&C::backup, &BackupSettings::interval), std::chrono::hours(6),
                  {1, int64_t{366} * 86400}, kRestart,
                  "Time between backups (`90s`, `15m`, `6h`, `1d` or seconds); the first one an interval after start."),
              Int("keep", At(&C::backup, &BackupSettings::keep), 0, {0, 10000, "", "0 = keep all"}, kRestart,
                  "Newest backups kept."),
          },
          {[](const C& c, SectionCheck& k) {
            if (!c.backup.dir.empty() && c.backup.dir == c.store.path) k.Fail("dir", "must not be store.path");
          }}};
}

FieldTable<C> Log() {
  return {"log",
          "Logging.",
          {
              OneOf("level", At(&C::log_level), "info", {"trace", "debug", "info", "warn", "error", "critical", "off"},
                    Apply::kLive, "The lowest level logged."),
              OneOf("format", At(&C::log_format), "text", {"text", "json"}, kRestart,
                    "`text` lines or one JSON object per line ([Log format](#log-format))."),
          }};
}

}  // namespace

const config::ConfigSchema<DaemonConfig>& DaemonSchema() {
  // The result-affecting sections (calendars, policies, health and the value
  // sections) are read by the projections and recorded as policy versions.
  static const config::ConfigSchema<DaemonConfig> kSchema(
      {Store(), Kafka(), Http(), HttpBasicAuth(), Generator(), Readiness(), Snapshots(), Metrics(), Ingest(), Backup(),
       Log()},
      {"calendars", "policies", "health", "value", "followup", "categories", "churn_reasons"});
  return kSchema;
}

}  // namespace slamon::daemon
