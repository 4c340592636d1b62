#include "daemon/bridge/bridge_config.h"

#include <fmt/format.h>

#include <algorithm>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/registry.h"

namespace slamon::bridge {
namespace {

using config::Apply;
using config::At;
using config::FieldTable;
using config::Int;
using config::Str;
using daemon::ConfigError;
using daemon::HttpSettings;
using C = BridgeConfig;

constexpr Apply kRestart = Apply::kRestart;
constexpr Apply kLive = Apply::kLive;

std::string ListenAddress(const std::string& v) {
  try {
    (void)daemon::ParseListenAddress(v, "");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

FieldTable<C> Http() {
  return {
      "http",
      "The webhook endpoint (`POST /webhooks/<source>`) and `/metrics`, `/healthz`, `/readyz`.",
      {
          Str("listen", At(&C::http, &HttpSettings::listen), "127.0.0.1:9465", kRestart,
              "Address of the endpoints; port 0 picks a free one.", {ListenAddress, "`host:port`, port 0..65535"}),
          Str("web_config_file", At(&C::http, &HttpSettings::web_config_file), "", kRestart,
              "TLS and bcrypt basic-auth users for `/metrics`, `/readyz` and `POST /-/reload` ([the web config "
              "file](#the-web-config-file)); webhooks are authenticated by their signatures, `/healthz` by nothing."),
          Int("max_body_bytes", At(&C::max_body_bytes), int64_t{1} << 20, {1024, int64_t{64} << 20, "bytes"}, kRestart,
              "Larger requests are answered 413."),
          Int("max_connections", At(&C::http, &HttpSettings::max_connections), 1024, {1, 100000}, kRestart,
              "Open connections at most."),
          // Each handler waits for Kafka's acknowledgement, so more workers
          // mean more requests in flight, not more CPU.
          Int("worker_threads", At(&C::http, &HttpSettings::worker_threads), 16, {1, 256}, kRestart,
              "Requests in flight at once, each waiting for Kafka."),
      }};
}

FieldTable<C> Kafka() {
  return {
      "kafka",
      "Where the events go: the daemons' cluster and topic.",
      {
          Str("brokers", At(&C::kafka, &KafkaSinkSettings::brokers), "", kRestart,
              "`host:port[,…]` of the daemons' cluster.",
              {[](const std::string& v) { return v.empty() ? "must be host:port[,host:port]" : ""; }, "non-empty"})
              .Required(),
          Str("topic", At(&C::kafka, &KafkaSinkSettings::topic), "slamon-events", kRestart,
              "The topic events are produced to: one of the daemon's `kafka.topics`."),
          config::Map(
              "properties", At(&C::kafka, &KafkaSinkSettings::properties), kRestart,
              "librdkafka properties passed as they are (`security.protocol`, `sasl.*`, `message.timeout.ms`, …); "
              "`enable.idempotence` and `acks=all` stay.")
              .Secret(),
          Int("delivery_wait_ms", At(&C::kafka, &KafkaSinkSettings::delivery_wait), 5000, {100, 120000, "milliseconds"},
              kRestart, "How long a request waits for Kafka's acknowledgement before it is answered 503."),
          Int("retry_after_seconds", At(&C::retry_after_seconds), 5, {1, 3600, "seconds"}, kRestart,
              "The `Retry-After` of a 503."),
      },
      {[](const C&, config::SectionCheck& k) {
        if (!k.present()) k.FailSection("is required (brokers and topic)");
      }}};
}

FieldTable<C> Log() {
  return {
      "log",
      "Logging.",
      {config::OneOf("level", At(&C::log_level), "info", {"trace", "debug", "info", "warn", "error", "critical", "off"},
                     kLive, "The lowest level logged.")}};
}

// sources.<name>: the keys every kind has. The kind's own keys are its
// table's (sources.h), read by its factory.
struct SourceCommon {
  std::string kind;
  std::string secret;
  std::string secret_env;
  std::vector<std::string> secrets;
  std::vector<std::string> secret_envs;
};

std::string NonEmpty(const std::string& v) { return v.empty() ? "must be a non-empty string" : ""; }

FieldTable<SourceCommon> CommonTable() {
  using S = SourceCommon;
  std::string kinds;
  for (const auto& k : KnownKinds()) kinds += (kinds.empty() ? "" : ", ") + k;
  return {"sources.<name>",
          "One webhook source per name; the name (`[a-z0-9_-]`, 1 to 64 characters) is the URL path "
          "`POST /webhooks/<name>`.",
          {
              config::OneOf("kind", At(&S::kind), "", KnownKinds(), kSourceApply, "The helpdesk: " + kinds + ".")
                  .Required(),
              Str("secret", At(&S::secret), "", kSourceApply,
                  "The shared secret (or one of `secret_env`, `secrets`, `secret_envs`).")
                  .Secret(),
              Str("secret_env", At(&S::secret_env), "", kSourceApply,
                  "The environment variable holding the secret (better than `secret`; read at start only)."),
              config::List("secrets", At(&S::secrets), {},
                           {1, "secret", NonEmpty, fmt::format("at most {}", kMaxSecrets)}, kSourceApply,
                           "Several secrets, any of which verifies: the new and the old one during a rotation; "
                           "`slamon_bridge_signature_matches_total{secret=\"<position>\"}` counts which one matched.")
                  .Secret(),
              config::List("secret_envs", At(&S::secret_envs), {},
                           {1, "variable", NonEmpty, fmt::format("at most {}", kMaxSecrets)}, kSourceApply,
                           "As `secrets`, each read from the environment variable named (at start only)."),
          }};
}

bool ValidSourceName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

// One source: its name, its kind, and its kind's factory.
void ReadSource(config::YamlReader& r, const YAML::Node& key, const YAML::Node& node, BridgeConfig* cfg) {
  const std::string name = key.IsScalar() ? key.Scalar() : "";
  if (!ValidSourceName(name)) {
    r.Problem(key, "sources", "source name '" + name + "' must be [a-z0-9_-]{1,64}");
    return;
  }
  const std::string field = "sources." + name;
  if (!node.IsMap()) {
    r.Problem(node, field, "must be a mapping with a kind");
    return;
  }
  // kind (and the secret's shape) here; the factory resolves the secret and
  // rejects every key its kind does not have.
  std::vector<std::string> present;
  for (const auto& kv : node) {
    if (kv.first.IsScalar()) present.push_back(kv.first.Scalar());
  }
  static const FieldTable<SourceCommon> kCommon = CommonTable();
  const size_t before = r.problems().size();
  SourceCommon common;
  kCommon.ApplyDefaults(common);
  kCommon.Read(r, node, field, common, present);
  if (r.problems().size() != before) return;
  try {
    auto source = FindFactory(common.kind)(SourceSection(r, name, node));
    if (!source.ok()) {
      r.AddFormatted(source.status().message());
      return;
    }
    cfg->sources.emplace(name, source.take());
    cfg->secret_counts[name] = std::max<size_t>(1, common.secrets.size() + common.secret_envs.size());
  } catch (const YAML::Exception& e) {  // a value of the wrong shape deep in a mapping rule
    r.Problem(node, field, e.what());
  }
}

}  // namespace

const config::ConfigSchema<BridgeConfig>& BridgeSchema() {
  static const config::ConfigSchema<BridgeConfig> kSchema({Http(), Kafka(), Log()}, {"sources"});
  return kSchema;
}

std::vector<config::SectionInfo> BridgeReference() {
  std::vector<config::SectionInfo> out = BridgeSchema().Describe();
  out.push_back(CommonTable().Describe());
  out.back().title = "`sources.<name>`";
  for (auto& section : KindsReference()) out.push_back(std::move(section));
  return out;
}

BridgeConfig ReadBridgeConfig(config::YamlReader& r) {
  BridgeConfig cfg;
  cfg.file = r.file();
  BridgeSchema().Read(r, cfg);
  const YAML::Node sources = r.At("sources");
  if (!sources.IsMap() || sources.size() == 0) {
    r.Problem(sources, "sources", "needs at least one source (name: {kind: …})");
    return cfg;
  }
  for (const auto& kv : sources) ReadSource(r, kv.first, kv.second, &cfg);
  cfg.sources_text = YAML::Dump(sources);
  return cfg;
}

BridgeConfig SettingsOf(const BridgeConfig& c) {
  BridgeConfig out;
  BridgeSchema().Copy(Apply::kRestart, c, out);
  BridgeSchema().Copy(Apply::kLive, c, out);
  out.file = c.file;
  out.http.web = c.http.web;
  out.secret_counts = c.secret_counts;
  out.sources_text = c.sources_text;
  return out;
}

BridgeConfig ParseBridgeConfig(const std::string& yaml_text, const std::string& file) {
  auto r = config::YamlReader::FromText(yaml_text, file);
  BridgeConfig cfg = ReadBridgeConfig(r);
  r.ThrowIfProblems();
  return cfg;
}

BridgeConfig LoadBridgeConfig(const std::string& file) {
  auto r = config::YamlReader::FromFile(file);
  BridgeConfig cfg = ReadBridgeConfig(r);
  r.ThrowIfProblems();
  return cfg;
}

}  // namespace slamon::bridge
