#include "daemon/cli_output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>

namespace slamon::daemon {

void WriteStdout(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

void PrintAligned(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(width[i] - row[i].size() + 2, ' ');
    }
    out += '\n';
    if (out.size() > (1u << 16)) {
      WriteStdout(out);
      out.clear();
    }
  }
  WriteStdout(out);
}

int ReplayStore(const std::string& command, const std::string& store_path, const std::string& account,
                const std::function<void(const events::Event&)>& apply) {
  auto store =
      events::EventStore::Open(events::StoreOptions{.path = store_path, .create_if_missing = false, .read_only = true});
  if (!store.ok()) {
    std::fprintf(stderr, "%s: cannot open store %s: %s\n", command.c_str(), store_path.c_str(),
                 store.status().message().c_str());
    return 1;
  }
  auto fn = [&apply](const events::StoredEvent& se) {
    apply(se.event);
    return true;
  };
  const Status scanned = account.empty() ? (*store)->ScanEvents(fn) : (*store)->ScanAccount(account, fn);
  if (!scanned.ok()) {
    std::fprintf(stderr, "%s: reading the store failed: %s\n", command.c_str(), scanned.message().c_str());
    return 1;
  }
  return 0;
}

int LoadProjectionConfigs(const std::string& command, const std::string& path,
                          std::shared_ptr<const projections::SlaConfig>* sla, projections::HealthConfig* health) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    std::fprintf(stderr, "%s: %s: cannot read file\n", command.c_str(), path.c_str());
    return 2;
  } catch (const YAML::Exception& e) {
    std::fprintf(stderr, "%s: %s:%d: %s\n", command.c_str(), path.c_str(), e.mark.line + 1, e.msg.c_str());
    return 2;
  }
  // An empty file is a mistake (the wrong path, a truncated deploy), not a request for defaults.
  if (root.IsNull()) {
    std::fprintf(stderr, "%s: %s: the file is empty\n", command.c_str(), path.c_str());
    return 2;
  }
  auto sla_config = projections::LoadSlaConfig(root, path);
  if (!sla_config.ok()) {
    std::fprintf(stderr, "%s: %s\n", command.c_str(), sla_config.status().message().c_str());
    return 2;
  }
  auto health_config = projections::LoadHealthConfig(root, path);
  if (!health_config.ok()) {
    std::fprintf(stderr, "%s: %s\n", command.c_str(), health_config.status().message().c_str());
    return 2;
  }
  *sla = std::make_shared<const projections::SlaConfig>(sla_config.take());
  *health = *health_config;
  return 0;
}

}  // namespace slamon::daemon
