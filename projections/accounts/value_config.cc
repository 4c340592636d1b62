#include "projections/accounts/value_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "projections/sla/sla_config.h"

namespace slamon::projections {
namespace {

constexpr std::string_view kOther = "other";

// One config problem ("FILE:LINE: field: message", or "--set:N" for a value
// a --set option gave), the shape every config reader shares.
Status ErrorAt(const ConfigPositions& where, const YAML::Node& node, const std::string& field, const std::string& msg) {
  return Status::Invalid(where.Problem(node, field, msg));
}

// Plain decimal numbers only (no hex, inf or quoted strings).
std::optional<double> ParseNumber(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() == "!") return std::nullopt;
  const std::string& s = node.Scalar();
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string KeyOf(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : std::string(); }

Status LoadThresholds(const ConfigPositions& where, const YAML::Node& node, const std::string& field,
                      std::array<double, kRfmThresholdCount>* out) {
  if (!node.IsSequence() || node.size() != kRfmThresholdCount) {
    return ErrorAt(where, node, field, "expected a list of 4 ascending numbers");
  }
  std::array<double, kRfmThresholdCount> v{};
  for (size_t i = 0; i < v.size(); ++i) {
    const auto n = ParseNumber(node[i]);
    const std::string at = field + "[" + std::to_string(i) + "]";
    if (!n) return ErrorAt(where, node[i], at, "not a finite number");
    if (*n < 0) return ErrorAt(where, node[i], at, "must be >= 0");
    if (i > 0 && !(*n > v[i - 1])) return ErrorAt(where, node[i], at, "thresholds must be strictly ascending");
    v[i] = *n;
  }
  *out = v;
  return Status::OK();
}

Status LoadValue(const YAML::Node& value, const ConfigPositions& where, ValueConfig* c) {
  if (!value.IsMap()) return ErrorAt(where, value, "value", "expected a map");
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string key = KeyOf(it->first);
    const std::string field = "value." + key;
    const YAML::Node v = it->second;  // a copy: it-> yields a temporary pair
    if (key == "currency") {
      const std::string s = v.IsScalar() ? v.Scalar() : std::string();
      const bool ok = s.size() == 3 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
      if (!ok) return ErrorAt(where, v, field, "expected an ISO 4217 code of three capital letters, got '" + s + "'");
      c->currency = s;
    } else if (key == "recency_days") {
      SLAMON_RETURN_IF_ERROR(LoadThresholds(where, v, field, &c->recency_days));
    } else if (key == "frequency") {
      SLAMON_RETURN_IF_ERROR(LoadThresholds(where, v, field, &c->frequency));
    } else if (key == "monetary") {
      SLAMON_RETURN_IF_ERROR(LoadThresholds(where, v, field, &c->monetary));
    } else {
      return ErrorAt(where, it->first, field,
                     "unknown field '" + key + "' (expected currency, recency_days, frequency, monetary)");
    }
  }
  return Status::OK();
}

Status LoadFollowup(const YAML::Node& node, const ConfigPositions& where, ValueConfig* c) {
  if (!node.IsMap()) return ErrorAt(where, node, "followup", "expected a map of tier to duration");
  c->followup.clear();
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string tier = KeyOf(it->first);
    const std::string field = "followup." + tier;
    if (tier.empty()) return ErrorAt(where, it->first, "followup", "empty tier name");
    const auto d = it->second.IsScalar() ? ParseDuration(it->second.Scalar()) : std::nullopt;
    if (!d) return ErrorAt(where, it->second, field, "not a duration (e.g. 14d, 36h, 3600)");
    if (*d <= 0) return ErrorAt(where, it->second, field, "cadence must be > 0");
    c->followup[tier] = *d;
  }
  return Status::OK();
}

Status LoadList(const YAML::Node& node, const ConfigPositions& where, const std::string& field,
                std::vector<std::string>* out) {
  if (!node.IsSequence()) return ErrorAt(where, node, field, "expected a list of names");
  std::vector<std::string> v;
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string at = field + "[" + std::to_string(i) + "]";
    const std::string s = node[i].IsScalar() ? node[i].Scalar() : std::string();
    if (s.empty()) return ErrorAt(where, node[i], at, "expected a non-empty name");
    if (s == kOther) return ErrorAt(where, node[i], at, "'other' is reserved for values not listed");
    if (!seen.insert(s).second) return ErrorAt(where, node[i], at, "duplicate '" + s + "'");
    v.push_back(s);
  }
  *out = std::move(v);
  return Status::OK();
}

Status Load(const YAML::Node& root, const ConfigPositions& where, ValueConfig* c) {
  if (!root.IsDefined() || root.IsNull() || !root.IsMap()) return Status::OK();
  auto present = [](const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); };
  if (const YAML::Node n = root["value"]; present(n)) SLAMON_RETURN_IF_ERROR(LoadValue(n, where, c));
  // `followup: {}` turns cadences off; a null `followup:` keeps the default,
  // like every other absent or null section.
  if (const YAML::Node n = root["followup"]; present(n)) SLAMON_RETURN_IF_ERROR(LoadFollowup(n, where, c));
  if (const YAML::Node n = root["categories"]; present(n)) {
    SLAMON_RETURN_IF_ERROR(LoadList(n, where, "categories", &c->categories));
  }
  if (const YAML::Node n = root["churn_reasons"]; present(n)) {
    SLAMON_RETURN_IF_ERROR(LoadList(n, where, "churn_reasons", &c->churn_reasons));
  }
  return Status::OK();
}

std::string_view Label(const std::vector<std::string>& listed, std::string_view raw) {
  for (const std::string& s : listed) {
    if (s == raw) return s;
  }
  return kOther;
}

std::vector<std::string> WithOther(std::vector<std::string> v) {
  v.emplace_back(kOther);
  return v;
}

}  // namespace

std::string_view ValueConfig::CategoryLabel(std::string_view raw) const { return Label(categories, raw); }
std::string_view ValueConfig::ReasonLabel(std::string_view raw) const { return Label(churn_reasons, raw); }
std::vector<std::string> ValueConfig::CategoryLabels() const { return WithOther(categories); }
std::vector<std::string> ValueConfig::ReasonLabels() const { return WithOther(churn_reasons); }

int RecencyScore(const ValueConfig& c, double recency_days) {
  int below = 0;
  for (double t : c.recency_days) below += t < recency_days ? 1 : 0;
  return 5 - below;
}

int FrequencyScore(const ValueConfig& c, double orders) {
  int reached = 0;
  for (double t : c.frequency) reached += t <= orders ? 1 : 0;
  return 1 + reached;
}

int MonetaryScore(const ValueConfig& c, double amount) {
  int reached = 0;
  for (double t : c.monetary) reached += t <= amount ? 1 : 0;
  return 1 + reached;
}

StatusOr<ValueConfig> LoadValueConfig(const YAML::Node& root, const ConfigPositions& where) {
  ValueConfig config;
  try {
    SLAMON_RETURN_IF_ERROR(Load(root, where, &config));
  } catch (const std::exception& e) {
    return Status::Invalid(where.Problem(root, "value", e.what()));
  }
  return config;
}

StatusOr<ValueConfig> LoadValueConfig(const YAML::Node& root, const std::string& file) {
  return LoadValueConfig(root, ConfigPositions(file, root));
}

}  // namespace slamon::projections
