#include "daemon/config.h"

#include <fmt/format.h>

#include <set>

namespace slamon::daemon {
namespace {

// Top-level sections; the last three belong to the projections.
const std::set<std::string> kSections = {"store",     "kafka",    "http",   "generator", "log",
                                         "calendars", "policies", "health", "readiness", "snapshots"};
// Key-account value and engagement sections (projections/value_config.h).
const std::set<std::string> kValueSections = {"value", "followup", "categories", "churn_reasons"};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& field, const std::string& why) const {
    int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw ConfigError(fmt::format("{}:{}: field {}: {}", file_, line, field, why));
  }

  // Rejects keys of `section` not in `known`: a typo must not silently fall back to a default.
  void OnlyKeys(const YAML::Node& section, const std::string& name, const std::set<std::string>& known) const {
    if (!section.IsDefined() || section.IsNull()) return;
    if (!section.IsMap()) Fail(section, name, "must be a mapping");
    for (const auto& kv : section) {
      auto key = kv.first.as<std::string>();
      if (!known.count(key)) Fail(kv.first, name + "." + key, "unknown setting");
    }
  }

  template <typename T>
  void Get(const YAML::Node& section, const std::string& sect_name, const std::string& key, T* out) const {
    if (!section.IsDefined() || !section.IsMap()) return;
    YAML::Node n = section[key];
    if (!n.IsDefined() || n.IsNull()) return;
    try {
      *out = n.as<T>();
    } catch (const YAML::Exception&) {
      Fail(n, sect_name + "." + key,
           fmt::format("cannot read \"{}\" as {}", n.IsScalar() ? n.Scalar() : "a non-scalar", TypeName<T>()));
    }
  }

  template <typename T>
  static const char* TypeName() {
    if constexpr (std::is_same_v<T, bool>) return "a boolean";
    if constexpr (std::is_integral_v<T>) return "an integer";
    if constexpr (std::is_floating_point_v<T>) return "a number";
    return "a string";
  }

 private:
  std::string file_;
};

void ApplyOverride(YAML::Node& root, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(fmt::format("--set {}: expected key=value (e.g. kafka.brokers=127.0.0.1:9092)", assignment));
  }
  std::string path = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("--set {}: value is not valid YAML: {}", assignment, e.msg));
  }
  // Walk/create the mapping path; yaml-cpp nodes are handles, so assigning
  // through them edits the document.
  std::vector<YAML::Node> chain{root};
  size_t start = 0;
  // librdkafka property names contain dots: everything after
  // "kafka.properties." is one key.
  const std::string props_prefix = "kafka.properties.";
  const size_t last_segment = path.rfind(props_prefix, 0) == 0 ? props_prefix.size() : std::string::npos;
  while (true) {
    size_t dot = start == last_segment ? std::string::npos : path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw ConfigError(fmt::format("--set {}: empty key segment", assignment));
    YAML::Node parent = chain.back();
    if (dot == std::string::npos) {
      parent[part] = value;
      break;
    }
    if (!parent[part].IsDefined() || parent[part].IsNull()) parent[part] = YAML::Node(YAML::NodeType::Map);
    chain.push_back(parent[part]);
    start = dot + 1;
  }
}

}  // namespace

std::pair<std::string, int> ParseListenAddress(const std::string& value, const std::string& where) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw ConfigError(fmt::format("{}: \"{}\" is not host:port", where, value));
  }
  std::string host = value.substr(0, colon);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(value.substr(colon + 1), &used);
    if (used != value.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw ConfigError(fmt::format("{}: port of \"{}\" is not 0..65535", where, value));
  return {host, port};
}

DaemonConfig LoadDaemonConfig(const std::string& file, const std::vector<std::string>& overrides) {
  DaemonConfig cfg;
  cfg.file = file;
  try {
    cfg.root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw ConfigError(fmt::format("{}: cannot read the config file", file));
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.msg));
  }
  if (cfg.root.IsNull()) cfg.root = YAML::Node(YAML::NodeType::Map);
  Reader r(file);
  if (!cfg.root.IsMap()) r.Fail(cfg.root, "(top level)", "must be a mapping");
  for (const auto& o : overrides) ApplyOverride(cfg.root, o);
  for (const auto& kv : cfg.root) {
    auto key = kv.first.as<std::string>();
    if (!kSections.count(key) && !kValueSections.count(key)) r.Fail(kv.first, key, "unknown section");
  }

  const YAML::Node store = cfg.root["store"];
  r.OnlyKeys(store, "store", {"path", "sync"});
  r.Get(store, "store", "path", &cfg.store.path);
  r.Get(store, "store", "sync", &cfg.store.sync);
  if (cfg.store.path.empty()) r.Fail(store, "store.path", "must not be empty");

  const YAML::Node kafka = cfg.root["kafka"];
  r.OnlyKeys(kafka, "kafka",
             {"brokers", "topics", "group_id", "group_instance_id", "properties", "batch_max_messages",
              "batch_max_wait_ms", "batch_max_bytes", "max_message_bytes", "embedded_partitions"});
  r.Get(kafka, "kafka", "brokers", &cfg.kafka.brokers);
  r.Get(kafka, "kafka", "topics", &cfg.kafka.topics);
  r.Get(kafka, "kafka", "group_id", &cfg.kafka.group_id);
  r.Get(kafka, "kafka", "properties", &cfg.kafka.properties);
  // Static membership: a restart within session.timeout.ms keeps the
  // member's partitions without a rebalance. Unique per instance.
  std::string instance_id;
  r.Get(kafka, "kafka", "group_instance_id", &instance_id);
  if (!instance_id.empty()) cfg.kafka.properties["group.instance.id"] = instance_id;
  r.Get(kafka, "kafka", "batch_max_messages", &cfg.kafka.batch_max_messages);
  int64_t wait_ms = cfg.kafka.batch_max_wait.count();
  r.Get(kafka, "kafka", "batch_max_wait_ms", &wait_ms);
  cfg.kafka.batch_max_wait = std::chrono::milliseconds(wait_ms);
  r.Get(kafka, "kafka", "batch_max_bytes", &cfg.kafka.batch_max_bytes);
  r.Get(kafka, "kafka", "max_message_bytes", &cfg.max_message_bytes);
  r.Get(kafka, "kafka", "embedded_partitions", &cfg.embedded_partitions);
  if (cfg.kafka.brokers.empty()) r.Fail(kafka["brokers"], "kafka.brokers", "must be host:port[,host:port] or embedded");
  if (cfg.kafka.topics.empty()) r.Fail(kafka["topics"], "kafka.topics", "needs at least one topic");
  if (cfg.kafka.group_id.empty()) r.Fail(kafka["group_id"], "kafka.group_id", "must not be empty");
  if (cfg.kafka.batch_max_messages < 1 || cfg.kafka.batch_max_messages > 100000) {
    r.Fail(kafka["batch_max_messages"], "kafka.batch_max_messages", "must be 1..100000");
  }
  if (cfg.kafka.batch_max_bytes < (1u << 16) || cfg.kafka.batch_max_bytes > (1u << 30)) {
    r.Fail(kafka["batch_max_bytes"], "kafka.batch_max_bytes", "must be 65536..1073741824");
  }
  if (wait_ms < 1 || wait_ms > 60000) r.Fail(kafka["batch_max_wait_ms"], "kafka.batch_max_wait_ms", "must be 1..60000");
  if (cfg.max_message_bytes < 256 || cfg.max_message_bytes > (64 << 20)) {
    r.Fail(kafka["max_message_bytes"], "kafka.max_message_bytes", "must be 256..67108864");
  }
  if (cfg.embedded_partitions < 1 || cfg.embedded_partitions > 256) {
    r.Fail(kafka["embedded_partitions"], "kafka.embedded_partitions", "must be 1..256");
  }

  const YAML::Node http = cfg.root["http"];
  r.OnlyKeys(http, "http", {"listen", "basic_auth"});
  r.Get(http, "http", "listen", &cfg.http.listen);
  (void)ParseListenAddress(cfg.http.listen, fmt::format("{}: field http.listen", file));
  if (http.IsDefined() && http["basic_auth"].IsDefined()) {
    const YAML::Node auth = http["basic_auth"];
    r.OnlyKeys(auth, "http.basic_auth", {"user", "password"});
    r.Get(auth, "http.basic_auth", "user", &cfg.http.basic_auth_user);
    r.Get(auth, "http.basic_auth", "password", &cfg.http.basic_auth_password);
    if (cfg.http.basic_auth_user.empty() || cfg.http.basic_auth_password.empty()) {
      r.Fail(auth, "http.basic_auth", "needs both user and password");
    }
  }

  const YAML::Node gen = cfg.root["generator"];
  r.OnlyKeys(gen, "generator", {"enabled", "rate", "accounts", "seed", "malformed_fraction", "duplicate_fraction"});
  r.Get(gen, "generator", "enabled", &cfg.generator.enabled);
  r.Get(gen, "generator", "rate", &cfg.generator.rate);
  r.Get(gen, "generator", "accounts", &cfg.generator.accounts);
  r.Get(gen, "generator", "seed", &cfg.generator.seed);
  r.Get(gen, "generator", "malformed_fraction", &cfg.generator.malformed_fraction);
  r.Get(gen, "generator", "duplicate_fraction", &cfg.generator.duplicate_fraction);
  if (cfg.generator.rate <= 0 || cfg.generator.rate > 1e6) r.Fail(gen["rate"], "generator.rate", "must be in (0, 1e6]");
  if (cfg.generator.accounts < 1) r.Fail(gen["accounts"], "generator.accounts", "must be ≥ 1");
  for (auto [name, v] : {std::pair{"malformed_fraction", cfg.generator.malformed_fraction},
                         std::pair{"duplicate_fraction", cfg.generator.duplicate_fraction}}) {
    if (v < 0 || v > 0.5) r.Fail(gen[name], std::string("generator.") + name, "must be within [0, 0.5]");
  }
  if (cfg.generator.enabled && cfg.kafka.brokers != "embedded") {
    r.Fail(gen["enabled"], "generator.enabled", "the built-in generator only feeds kafka.brokers: embedded");
  }

  const YAML::Node readiness = cfg.root["readiness"];
  r.OnlyKeys(readiness, "readiness", {"max_lag"});
  r.Get(readiness, "readiness", "max_lag", &cfg.ready_max_lag);
  if (cfg.ready_max_lag < 0) r.Fail(readiness["max_lag"], "readiness.max_lag", "must be ≥ 0 (messages)");

  const YAML::Node snapshots = cfg.root["snapshots"];
  r.OnlyKeys(snapshots, "snapshots", {"every_events", "keep"});
  r.Get(snapshots, "snapshots", "every_events", &cfg.snapshots.every_events);
  r.Get(snapshots, "snapshots", "keep", &cfg.snapshots.keep);
  if (cfg.snapshots.every_events < 0) {
    r.Fail(snapshots["every_events"], "snapshots.every_events", "must be ≥ 0 (0 = no snapshots)");
  }
  if (cfg.snapshots.keep < 1 || cfg.snapshots.keep > 100) r.Fail(snapshots["keep"], "snapshots.keep", "must be 1..100");

  const YAML::Node log = cfg.root["log"];
  r.OnlyKeys(log, "log", {"level"});
  r.Get(log, "log", "level", &cfg.log_level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!kLevels.count(cfg.log_level)) r.Fail(log["level"], "log.level", "must be one of trace..off");
  return cfg;
}

}  // namespace slamon::daemon
