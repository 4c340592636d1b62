#include "projections/policy_history.h"

#include <yaml-cpp/yaml.h>

#include <limits>
#include <utility>

namespace slamon::projections {
namespace {

StatusOr<PolicyEpoch> Parse(const events::PolicyVersion& record) {
  const std::string name = "policy version " + std::to_string(record.version);
  YAML::Node root;
  try {
    root = YAML::Load(record.text);
  } catch (const YAML::Exception& e) {
    return Status::Corruption(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  auto sla = LoadSlaConfig(root, name);
  if (!sla.ok()) return Status::Corruption(sla.status().message());
  auto health = LoadHealthConfig(root, name);
  if (!health.ok()) return Status::Corruption(health.status().message());
  PolicyEpoch epoch;
  epoch.version = record.version;
  epoch.effective_from = record.effective_from;
  epoch.sla = std::make_shared<const SlaConfig>(sla.take());
  epoch.health = *health;
  return epoch;
}

}  // namespace

StatusOr<std::shared_ptr<const PolicyHistory>> PolicyHistory::FromRecords(
    const std::vector<events::PolicyVersion>& records) {
  auto history = std::make_shared<PolicyHistory>();
  for (const events::PolicyVersion& record : records) {
    GET_OR_RET(PolicyEpoch epoch, Parse(record));
    if (!history->epochs_.empty() && epoch.effective_from < history->epochs_.back().effective_from) {
      return Status::Corruption("policy version " + std::to_string(epoch.version) +
                                " takes effect before the version it follows");
    }
    history->Add(std::move(epoch));
  }
  return std::shared_ptr<const PolicyHistory>(std::move(history));
}

StatusOr<std::shared_ptr<const PolicyHistory>> PolicyHistory::FromStore(const events::EventStore& store) {
  GET_OR_RET(std::vector<events::PolicyVersion> records, events::ReadPolicyLog(store));
  return FromRecords(records);
}

std::shared_ptr<const PolicyHistory> PolicyHistory::Single(std::shared_ptr<const SlaConfig> sla, HealthConfig health) {
  auto history = std::make_shared<PolicyHistory>();
  history->Add(PolicyEpoch{0, std::numeric_limits<int64_t>::min(), std::move(sla), std::move(health)});
  return history;
}

void PolicyHistory::Add(PolicyEpoch epoch) {
  Append(PolicyStamp{epoch.version, epoch.effective_from}, epoch.sla);
  epochs_.push_back(std::move(epoch));
}

StatusOr<std::shared_ptr<const PolicyHistory>> ReadPolicyHistory(const std::string& store_path) {
  GET_OR_RET(std::vector<events::PolicyVersion> records, ReadPolicyRecords(store_path));
  return PolicyHistory::FromRecords(records);
}

}  // namespace slamon::projections
