#include "projections/core/policy_timeline.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iterator>
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

}  // namespace

size_t PolicyIndexAt(const std::vector<PolicyStamp>& stamps, int64_t t) {
  auto it = std::upper_bound(stamps.begin(), stamps.end(), t,
                             [](int64_t v, const PolicyStamp& s) { return v < s.effective_from; });
  return it == stamps.begin() ? 0 : static_cast<size_t>(std::prev(it) - stamps.begin());
}

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

StatusOr<std::vector<events::PolicyVersion>> ReadPolicyRecords(const std::string& store_path) {
  auto store =
      events::EventStore::Open(events::StoreOptions{.path = store_path, .create_if_missing = false, .read_only = true});
  if (!store.ok()) return Status::IoError("cannot open store " + store_path + ": " + store.status().message());
  return events::ReadPolicyLog(**store);
}

StatusOr<events::PolicyVersion> RecordPolicyVersion(events::EventStore* store, const YAML::Node& root, int64_t now,
                                                    bool* appended) {
  return events::RecordPolicyIfChanged(store, CanonicalPolicyText(root), now, appended);
}

}  // namespace slamon::projections
