#include "daemon/config/daemon_config.h"

#include <fmt/format.h>

#include "daemon/config/daemon_fields.h"
#include "daemon/config/yaml_reader.h"

namespace slamon::daemon {

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

std::string KafkaPropertyProblem(const DaemonConfig& cfg, const std::string& name, const std::string& reason) {
  YAML::Node at = config::YamlReader(cfg.root, cfg.file).At("kafka.properties");
  if (at.IsMap()) {
    const YAML::Node& view = at;  // const lookup: a missing key is not added; names keep their dots
    const YAML::Node property = view[name];
    if (property.IsDefined()) at.reset(property);
  }
  return cfg.Positions().Problem(at, "kafka.properties." + name, reason);
}

DaemonConfig ReadDaemonConfig(config::YamlReader& reader) {
  DaemonConfig cfg;
  cfg.file = reader.file();
  cfg.root = reader.root();
  cfg.positions = std::make_shared<const ConfigPositions>(reader.positions());
  DaemonSchema().Read(reader, cfg);
  return cfg;
}

DaemonConfig LoadDaemonConfig(const std::string& file, const std::vector<std::string>& overrides) {
  auto reader = config::YamlReader::FromFile(file, overrides);
  DaemonConfig cfg = ReadDaemonConfig(reader);
  reader.ThrowIfProblems();
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
