#include "projections/policy_history.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace slamon::projections {
namespace {

// The sections that change SLA or health results, in emission order.
constexpr const char* kPolicySections[] = {"calendars", "categories", "churn_reasons", "followup",
                                           "health",    "policies",   "value"};

std::string SortKey(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : YAML::Dump(key); }

// A fresh copy of `node` with every mapping's keys sorted. Fresh nodes carry
// no style, tag or mark, so flow/block layout and quoting do not show.
YAML::Node Canonical(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return YAML::Node(node.Scalar());
    case YAML::NodeType::Sequence: {
      YAML::Node out(YAML::NodeType::Sequence);
      for (const auto& item : node) out.push_back(Canonical(item));
      return out;
    }
    case YAML::NodeType::Map: {
      // Sort indexes, not nodes: assigning a YAML::Node rebinds what it
      // refers to, so swapping nodes would rewrite the source document.
      std::vector<YAML::Node> values;
      std::vector<std::pair<std::string, size_t>> keys;
      for (const auto& kv : node) {
        keys.emplace_back(SortKey(kv.first), values.size());
        values.push_back(kv.second);
      }
      std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      YAML::Node out(YAML::NodeType::Map);
      for (const auto& [key, index] : keys) out[key] = Canonical(values[index]);
      return out;
    }
    default:
      return YAML::Node();  // null or undefined
  }
}

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

std::string CanonicalPolicyText(const YAML::Node& root) {
  try {
    if (!root.IsDefined() || !root.IsMap()) return std::string();
    YAML::Node out(YAML::NodeType::Map);
    bool any = false;
    for (const char* section : kPolicySections) {
      const YAML::Node node = root[section];
      if (!node.IsDefined() || node.IsNull()) continue;
      out[section] = Canonical(node);
      any = true;
    }
    if (!any) return std::string();
    YAML::Emitter emitter;
    emitter << out;
    return std::string(emitter.c_str()) + "\n";
  } catch (const std::exception&) {
    // yaml-cpp throws only on malformed node access; the loaders report those.
    return std::string();
  }
}

StatusOr<std::shared_ptr<const PolicyHistory>> PolicyHistory::FromRecords(
    const std::vector<events::PolicyVersion>& records) {
  auto history = std::make_shared<PolicyHistory>();
  for (const events::PolicyVersion& record : records) {
    GET_OR_RET(PolicyEpoch epoch, Parse(record));
    if (!history->epochs_.empty() && epoch.effective_from < history->epochs_.back().effective_from) {
      return Status::Corruption("policy version " + std::to_string(epoch.version) +
                                " takes effect before the version it follows");
    }
    history->epochs_.push_back(std::move(epoch));
  }
  return std::shared_ptr<const PolicyHistory>(std::move(history));
}

StatusOr<std::shared_ptr<const PolicyHistory>> PolicyHistory::FromStore(const events::EventStore& store) {
  GET_OR_RET(std::vector<events::PolicyVersion> records, events::ReadPolicyLog(store));
  return FromRecords(records);
}

std::shared_ptr<const PolicyHistory> PolicyHistory::Single(std::shared_ptr<const SlaConfig> sla, HealthConfig health) {
  auto history = std::make_shared<PolicyHistory>();
  history->epochs_.push_back(PolicyEpoch{0, std::numeric_limits<int64_t>::min(), std::move(sla), std::move(health)});
  return history;
}

size_t PolicyHistory::IndexAt(int64_t t) const {
  auto it = std::upper_bound(epochs_.begin(), epochs_.end(), t,
                             [](int64_t v, const PolicyEpoch& e) { return v < e.effective_from; });
  return it == epochs_.begin() ? 0 : static_cast<size_t>(std::prev(it) - epochs_.begin());
}

StatusOr<std::shared_ptr<const PolicyHistory>> ReadPolicyHistory(const std::string& store_path) {
  auto store =
      events::EventStore::Open(events::StoreOptions{.path = store_path, .create_if_missing = false, .read_only = true});
  if (!store.ok()) return Status::IoError("cannot open store " + store_path + ": " + store.status().message());
  return PolicyHistory::FromStore(**store);
}

StatusOr<events::PolicyVersion> RecordPolicyVersion(events::EventStore* store, const YAML::Node& root, int64_t now,
                                                    bool* appended) {
  return events::RecordPolicyIfChanged(store, CanonicalPolicyText(root), now, appended);
}

}  // namespace slamon::projections
