#include "tests/support/daemon_process.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>

#include "tests/support/files.h"

namespace slamon::testing {

std::string WriteConfig(const std::string& dir, const std::string& brokers, const std::string& topic,
                        const std::string& group, const std::string& kafka_extra) {
  std::string path = dir + "/slamon.yaml";
  std::ofstream f(path);
  f << "store:\n  path: " << dir << "/store\n"
    << "kafka:\n  brokers: " << brokers << "\n  topics: [" << topic << "]\n  group_id: " << group << "\n"
    << kafka_extra << "http:\n  listen: 127.0.0.1:0\n";
  return path;
}

std::string SlaSectionsOf(const std::string& config_path) {
  YAML::Node root = YAML::LoadFile(config_path);
  YAML::Node out;
  out["calendars"] = root["calendars"];
  out["policies"] = root["policies"];
  YAML::Emitter e;
  e << out;
  return std::string(e.c_str()) + "\n";
}

int PortIn(const std::string& log_text) {
  static const std::regex re("metrics at https?://127\\.0\\.0\\.1:([0-9]+)/metrics");
  std::smatch m;
  if (std::regex_search(log_text, m, re)) return std::stoi(m[1]);
  return 0;
}

int PortFromLog(const std::string& log_path) { return PortIn(Tail(log_path, 1 << 20)); }

}  // namespace slamon::testing
