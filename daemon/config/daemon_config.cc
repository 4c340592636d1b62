#include "daemon/config/daemon_config.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <type_traits>

#include "events/common/logging.h"

namespace slamon::daemon {
namespace {

// Top-level sections; the last three belong to the projections.
const std::set<std::string> kSections = {"store",     "kafka",     "http",     "generator", "log",
                                         "backup",    "calendars", "policies", "health",    "readiness",
                                         "snapshots", "metrics",   "ingest"};
// Key-account value and engagement sections (projections/accounts/value_config.h).
const std::set<std::string> kValueSections = {"value", "followup", "categories", "churn_reasons"};

// "90s", "15m", "6h", "1d" or plain seconds; nullopt when malformed.
std::optional<int64_t> ParseInterval(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9 || text.size() > digits + 1) return std::nullopt;
  const int64_t n = std::stoll(text.substr(0, digits));
  if (text.size() == digits) return n;
  switch (text.back()) {
    case 's':
      return n;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    default:
      return std::nullopt;
  }
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& field, const std::string& why) const {
    int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw ConfigError(fmt::format("{}:{}: field {}: {}", file_, line, field, why));
  }

  // A mapping key as a name; a complex key (`? [a, b] : 1`) is an error, not an exception.
  std::string KeyName(const YAML::Node& key, const std::string& where) const {
    if (!key.IsScalar()) Fail(key, where, "a key must be a plain name, not a list or a mapping");
    return key.Scalar();
  }

  // Rejects keys of `section` not in `known`: a typo must not silently fall back to a default.
  void OnlyKeys(const YAML::Node& section, const std::string& name, const std::set<std::string>& known) const {
    if (!section.IsDefined() || section.IsNull()) return;
    if (!section.IsMap()) Fail(section, name, "must be a mapping");
    for (const auto& kv : section) {
      auto key = KeyName(kv.first, name);
      if (!known.count(key)) Fail(kv.first, name + "." + key, "unknown setting");
    }
  }

  template <typename T>
  void Get(const YAML::Node& section, const std::string& sect_name, const std::string& key, T* out) const {
    if (!section.IsDefined() || !section.IsMap()) return;
    YAML::Node n = section[key];
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string field = sect_name + "." + key;
    // yaml-cpp would read a scalar "a" as a one-element list in some versions and
    // throw on others; a list setting must be written as a list.
    if constexpr (IsList<T>::value) {
      if (!n.IsSequence()) Fail(n, field, fmt::format("expected a list (e.g. [a, b]), got {}", Describe(n)));
      for (const auto& item : n) {
        if (!item.IsScalar())
          Fail(item, field, fmt::format("expected a list of strings, got {} in it", Describe(item)));
      }
    } else if constexpr (IsMap<T>::value) {
      if (!n.IsMap()) Fail(n, field, fmt::format("expected a mapping, got {}", Describe(n)));
      for (const auto& kv : n) {
        (void)KeyName(kv.first, field);
        if (!kv.second.IsScalar()) Fail(kv.second, field + "." + kv.first.Scalar(), "expected a plain value");
      }
    } else {
      if (!n.IsScalar()) Fail(n, field, fmt::format("expected {}, got {}", TypeName<T>(), Describe(n)));
    }
    try {
      *out = n.as<T>();
    } catch (const YAML::Exception&) {
      Fail(n, field, fmt::format("cannot read {} as {}", Describe(n), TypeName<T>()));
    }
  }

  template <typename T>
  struct IsList : std::false_type {};
  template <typename E>
  struct IsList<std::vector<E>> : std::true_type {};
  template <typename T>
  struct IsMap : std::false_type {};
  template <typename K, typename V>
  struct IsMap<std::map<K, V>> : std::true_type {};

  static std::string Describe(const YAML::Node& n) {
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    if (n.IsScalar()) return fmt::format("\"{}\"", n.Scalar().substr(0, 80));
    return "nothing";
  }

  template <typename T>
  static const char* TypeName() {
    if constexpr (IsList<T>::value) return "a list";
    if constexpr (IsMap<T>::value) return "a mapping";
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
  const std::string prefix = where.empty() ? "" : where + ": ";
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw ConfigError(fmt::format("{}\"{}\" is not host:port", prefix, value));
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
  if (port < 0 || port > 65535) throw ConfigError(fmt::format("{}port of \"{}\" is not 0..65535", prefix, value));
  return {host, port};
}

// One long function on purpose: every daemon section read in file order, each
// field next to its bounds, so the accepted keys and their checks are one list.
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
  // An empty file is a mistake (a truncated deploy, the wrong path), not a request for defaults.
  if (cfg.root.IsNull()) throw ConfigError(fmt::format("{}: the file is empty", file));
  Reader r(file);
  if (!cfg.root.IsMap()) r.Fail(cfg.root, "(top level)", "must be a mapping");
  for (const auto& o : overrides) ApplyOverride(cfg.root, o);
  for (const auto& kv : cfg.root) {
    auto key = r.KeyName(kv.first, "(top level)");
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
  r.OnlyKeys(http, "http",
             {"listen", "basic_auth", "web_config_file", "max_connections", "header_timeout_ms", "idle_timeout_ms"});
  r.Get(http, "http", "listen", &cfg.http.listen);
  r.Get(http, "http", "max_connections", &cfg.http.max_connections);
  if (cfg.http.max_connections < 1 || cfg.http.max_connections > 100000) {
    r.Fail(http["max_connections"], "http.max_connections", "must be 1..100000");
  }
  for (auto [key, field] : {std::pair{"header_timeout_ms", &cfg.http.header_timeout},
                            std::pair{"idle_timeout_ms", &cfg.http.idle_timeout}}) {
    int64_t ms = field->count();
    r.Get(http, "http", key, &ms);
    if (ms < 100 || ms > 3600000) r.Fail(http[key], std::string("http.") + key, "must be 100..3600000 (milliseconds)");
    *field = std::chrono::milliseconds(ms);
  }
  try {
    (void)ParseListenAddress(cfg.http.listen, "");
  } catch (const ConfigError& e) {
    r.Fail(http.IsDefined() && http.IsMap() ? http["listen"] : http, "http.listen", e.what());
  }
  if (http.IsDefined() && http["basic_auth"].IsDefined()) {
    const YAML::Node auth = http["basic_auth"];
    r.OnlyKeys(auth, "http.basic_auth", {"user", "password"});
    r.Get(auth, "http.basic_auth", "user", &cfg.http.basic_auth_user);
    r.Get(auth, "http.basic_auth", "password", &cfg.http.basic_auth_password);
    if (cfg.http.basic_auth_user.empty() || cfg.http.basic_auth_password.empty()) {
      r.Fail(auth, "http.basic_auth", "needs both user and password");
    }
  }
  r.Get(http, "http", "web_config_file",
        &cfg.http.web_config_file);  // read by LoadWebConfigInto (daemon/http/web_config.h)

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

  const YAML::Node metrics = cfg.root["metrics"];
  r.OnlyKeys(metrics, "metrics", {"tiers", "max_account_owners"});
  r.Get(metrics, "metrics", "tiers", &cfg.metrics.tiers);
  r.Get(metrics, "metrics", "max_account_owners", &cfg.metrics.max_account_owners);
  for (const auto& t : cfg.metrics.tiers) {
    if (t.empty() || t == "other")
      r.Fail(metrics["tiers"], "metrics.tiers", "tier names must be non-empty and not \"other\"");
  }
  if (cfg.metrics.max_account_owners < 0 || cfg.metrics.max_account_owners > 100000) {
    r.Fail(metrics["max_account_owners"], "metrics.max_account_owners", "must be 0..100000");
  }

  const YAML::Node ingest = cfg.root["ingest"];
  r.OnlyKeys(ingest, "ingest", {"max_event_age_days", "max_event_future_days"});
  r.Get(ingest, "ingest", "max_event_age_days", &cfg.ingest.max_event_age_days);
  r.Get(ingest, "ingest", "max_event_future_days", &cfg.ingest.max_event_future_days);
  if (cfg.ingest.max_event_age_days < 0 || cfg.ingest.max_event_age_days > 3650000) {
    r.Fail(ingest["max_event_age_days"], "ingest.max_event_age_days", "must be 0..3650000 (0 = no bound)");
  }
  if (cfg.ingest.max_event_future_days < 0 || cfg.ingest.max_event_future_days > 3650000) {
    r.Fail(ingest["max_event_future_days"], "ingest.max_event_future_days", "must be 0..3650000 (0 = no bound)");
  }

  const YAML::Node backup = cfg.root["backup"];
  r.OnlyKeys(backup, "backup", {"dir", "interval", "keep"});
  r.Get(backup, "backup", "dir", &cfg.backup.dir);
  std::string interval;
  r.Get(backup, "backup", "interval", &interval);
  if (!interval.empty()) {
    const auto seconds = ParseInterval(interval);
    if (!seconds || *seconds < 1 || *seconds > int64_t{366} * 86400) {
      r.Fail(backup["interval"], "backup.interval", "must be 1s..366d, e.g. 90s, 15m, 6h, 1d or seconds");
    }
    cfg.backup.interval = std::chrono::seconds(*seconds);
  }
  int64_t keep = 0;
  r.Get(backup, "backup", "keep", &keep);
  if (keep < 0 || keep > 10000) r.Fail(backup["keep"], "backup.keep", "must be 0..10000 (0 = keep all)");
  cfg.backup.keep = static_cast<uint32_t>(keep);
  if (backup.IsDefined() && !backup.IsNull() && cfg.backup.dir.empty()) {
    r.Fail(backup, "backup.dir", "is required in a backup: section");
  }
  if (!cfg.backup.dir.empty() && cfg.backup.dir == cfg.store.path) {
    r.Fail(backup["dir"], "backup.dir", "must not be store.path");
  }

  const YAML::Node log = cfg.root["log"];
  r.OnlyKeys(log, "log", {"level", "format"});
  r.Get(log, "log", "level", &cfg.log_level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!kLevels.count(cfg.log_level)) r.Fail(log["level"], "log.level", "must be one of trace..off");
  r.Get(log, "log", "format", &cfg.log_format);
  if (!ParseLogFormat(cfg.log_format)) r.Fail(log["format"], "log.format", "must be text or json");
  return cfg;
}

StatusOr<DaemonConfig> LoadDaemonConfigOr(const std::string& file, const std::vector<std::string>& overrides) {
  try {
    return LoadDaemonConfig(file, overrides);
  } catch (const ConfigError& e) {
    return Status::Invalid(e.what());
  }
}

}  // namespace slamon::daemon
