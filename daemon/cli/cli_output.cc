#include "daemon/cli/cli_output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "daemon/config/yaml_reader.h"
#include "events/codec.h"

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

Status ReplayStore(const std::string& store_path, const std::string& account,
                   const std::function<void(const events::Event&)>& apply) {
  auto store =
      events::EventStore::Open(events::StoreOptions{.path = store_path, .create_if_missing = false, .read_only = true});
  if (!store.ok()) {
    return Status::IoError("cannot open store " + store_path + ": " + store.status().message());
  }
  auto fn = [&apply](const events::StoredEvent& se) {
    apply(se.event);
    return true;
  };
  const Status scanned = account.empty() ? (*store)->ScanEvents(fn) : (*store)->ScanAccount(account, fn);
  if (!scanned.ok()) return Status::IoError("reading the store failed: " + scanned.message());
  return Status::OK();
}

Status LoadProjectionConfigs(const std::string& path, std::shared_ptr<const projections::SlaConfig>* sla,
                             projections::HealthConfig* health) {
  // The one reader: unreadable, not YAML, empty (a truncated deploy, the
  // wrong path) or not a mapping is refused with the file's name.
  std::optional<config::YamlReader> reader;
  try {
    reader.emplace(config::YamlReader::FromFile(path));
  } catch (const config::ConfigError& e) {
    return Status::Invalid(e.what());
  }
  auto sla_config = projections::LoadSlaConfig(reader->root(), reader->positions());
  if (!sla_config.ok()) return Status::Invalid(sla_config.status().message());
  auto health_config = projections::LoadHealthConfig(reader->root(), reader->positions());
  if (!health_config.ok()) return Status::Invalid(health_config.status().message());
  *sla = std::make_shared<const projections::SlaConfig>(sla_config.take());
  *health = *health_config;
  return Status::OK();
}

StatusOr<int64_t> ParseInstantOption(const std::string& option, const std::string& value) {
  int64_t t = 0;
  if (!events::ParseRfc3339(value, &t)) {
    return Status::Invalid(option + ": not an RFC 3339 timestamp with offset: '" + value + "'");
  }
  return t;
}

}  // namespace slamon::daemon
