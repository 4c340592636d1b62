#include "daemon/bridge/bridge_config.h"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "daemon/bridge/registry.h"

namespace slamon::bridge {
namespace {

using daemon::ConfigError;

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& field, const std::string& why) const {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw ConfigError(fmt::format("{}:{}: field {}: {}", file_, line, field, why));
  }

  void OnlyKeys(const YAML::Node& section, const std::string& name, const std::set<std::string>& known) const {
    if (!section.IsDefined() || section.IsNull()) return;
    if (!section.IsMap()) Fail(section, name, "must be a mapping");
    for (const auto& kv : section) {
      if (!kv.first.IsScalar()) Fail(kv.first, name, "a key must be a plain name");
      if (!known.count(kv.first.Scalar())) Fail(kv.first, name + "." + kv.first.Scalar(), "unknown setting");
    }
  }

  std::string String(const YAML::Node& section, const std::string& field, const std::string& key,
                     std::string fallback) const {
    const YAML::Node n = section[key];
    if (!n.IsDefined() || n.IsNull()) return fallback;
    if (!n.IsScalar()) Fail(n, field + "." + key, "must be a string");
    return n.Scalar();
  }

  int64_t Int(const YAML::Node& section, const std::string& field, const std::string& key, int64_t fallback, int64_t lo,
              int64_t hi) const {
    const YAML::Node n = section[key];
    if (!n.IsDefined() || n.IsNull()) return fallback;
    int64_t v = 0;
    try {
      v = n.as<int64_t>();
    } catch (const YAML::Exception&) {
      Fail(n, field + "." + key, "must be an integer");
    }
    if (v < lo || v > hi) Fail(n, field + "." + key, fmt::format("must be in {}..{}", lo, hi));
    return v;
  }

 private:
  std::string file_;
};

bool ValidSourceName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

BridgeConfig ParseBridgeConfig(const std::string& yaml_text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.msg));
  }
  Reader r(file);
  if (root.IsNull()) throw ConfigError(file + ": the file is empty");
  r.OnlyKeys(root, "(top level)", {"http", "kafka", "log", "sources"});
  BridgeConfig cfg;
  cfg.file = file;
  cfg.http.listen = "127.0.0.1:9465";

  const YAML::Node http = root["http"];
  r.OnlyKeys(http, "http", {"listen", "max_body_bytes", "max_connections", "worker_threads"});
  if (http.IsDefined() && http.IsMap()) {
    cfg.http.listen = r.String(http, "http", "listen", cfg.http.listen);
    (void)daemon::ParseListenAddress(cfg.http.listen, "http.listen");
    cfg.max_body_bytes = static_cast<size_t>(r.Int(http, "http", "max_body_bytes", 1 << 20, 1024, 64 << 20));
    cfg.http.max_connections = static_cast<int>(r.Int(http, "http", "max_connections", 1024, 1, 100000));
    // Each handler waits for Kafka's acknowledgement, so more workers mean
    // more requests in flight, not more CPU.
    cfg.http.worker_threads = static_cast<int>(r.Int(http, "http", "worker_threads", 16, 1, 256));
  } else {
    cfg.http.worker_threads = 16;
  }

  const YAML::Node kafka = root["kafka"];
  if (!kafka.IsDefined() || !kafka.IsMap()) r.Fail(kafka, "kafka", "missing (needs brokers and topic)");
  r.OnlyKeys(kafka, "kafka", {"brokers", "topic", "properties", "delivery_wait_ms", "retry_after_seconds"});
  cfg.kafka.brokers = r.String(kafka, "kafka", "brokers", "");
  if (cfg.kafka.brokers.empty()) r.Fail(kafka["brokers"], "kafka.brokers", "must be host:port[,host:port]");
  cfg.kafka.topic = r.String(kafka, "kafka", "topic", "slamon-events");
  cfg.kafka.delivery_wait = std::chrono::milliseconds(r.Int(kafka, "kafka", "delivery_wait_ms", 5000, 100, 120000));
  cfg.retry_after_seconds = static_cast<int>(r.Int(kafka, "kafka", "retry_after_seconds", 5, 1, 3600));
  if (const YAML::Node props = kafka["properties"]; props.IsDefined() && !props.IsNull()) {
    if (!props.IsMap()) r.Fail(props, "kafka.properties", "must be a mapping of librdkafka properties");
    for (const auto& kv : props) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
        r.Fail(kv.first, "kafka.properties", "keys and values must be strings");
      }
      cfg.kafka.properties[kv.first.Scalar()] = kv.second.Scalar();
    }
  }

  const YAML::Node log = root["log"];
  r.OnlyKeys(log, "log", {"level"});
  if (log.IsDefined() && log.IsMap()) cfg.log_level = r.String(log, "log", "level", "info");

  const YAML::Node sources = root["sources"];
  if (!sources.IsDefined() || !sources.IsMap() || sources.size() == 0) {
    r.Fail(sources, "sources", "needs at least one source (name: {kind: …})");
  }
  for (const auto& kv : sources) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const std::string field = "sources." + name;
    if (!ValidSourceName(name)) r.Fail(kv.first, "sources", "source name '" + name + "' must be [a-z0-9_-]{1,64}");
    if (!kv.second.IsMap()) r.Fail(kv.second, field, "must be a mapping with a kind");
    const std::string kind = r.String(kv.second, field, "kind", "");
    SourceFactory factory = FindFactory(kind);
    if (factory == nullptr) {
      std::string kinds;
      for (const auto& k : KnownKinds()) kinds += (kinds.empty() ? "" : ", ") + k;
      r.Fail(kv.second["kind"], field + ".kind", "'" + kind + "' is not one of " + kinds);
    }
    auto source = factory(name, kv.second);
    if (!source.ok()) r.Fail(kv.second, field, source.status().message());
    cfg.sources.emplace(name, source.take());
  }
  return cfg;
}

BridgeConfig LoadBridgeConfig(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file + ": cannot read the config file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseBridgeConfig(text.str(), file);
}

}  // namespace slamon::bridge
