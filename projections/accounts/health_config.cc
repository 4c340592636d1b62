#include "projections/accounts/health_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace slamon::projections {
namespace {

constexpr std::array<std::string_view, kHealthSignalCount> kSignalNames = {"csat", "sla", "silence", "reopen",
                                                                           "engagement"};

// One config problem ("FILE:LINE: field: message", or "--set:N" for a value
// a --set option gave), the shape every config reader shares.
Status ErrorAt(const ConfigPositions& where, const YAML::Node& node, const std::string& field, const std::string& msg) {
  return Status::Invalid(where.Problem(node, field, msg));
}

// Strict number parsing: yaml-cpp's as<double>() accepts things like "0x10"
// or ".inf" that have no business in a weight.
std::optional<double> ParseNumber(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() == "!") return std::nullopt;  // "!" = quoted string
  const std::string& s = node.Scalar();
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
      return std::nullopt;
    }
  }
  return v;
}

Status Load(const YAML::Node& root, const ConfigPositions& where, HealthConfig* config) {
  if (!root.IsDefined() || root.IsNull() || !root.IsMap()) return Status::OK();
  const YAML::Node health = root["health"];
  if (!health.IsDefined() || health.IsNull()) return Status::OK();
  if (!health.IsMap()) return ErrorAt(where, health, "health", "expected a map");
  constexpr const char* kPlainKey = "a key must be a plain name, not a list or a mapping";
  for (auto it = health.begin(); it != health.end(); ++it) {
    if (!it->first.IsScalar()) return ErrorAt(where, it->first, "health", kPlainKey);
    const std::string key = it->first.Scalar();
    if (key != "weights") return ErrorAt(where, it->first, "health." + key, "unknown field '" + key + "'");
  }
  const YAML::Node weights = health["weights"];
  if (!weights.IsDefined() || weights.IsNull()) return Status::OK();
  if (!weights.IsMap()) return ErrorAt(where, weights, "health.weights", "expected a map of signal to weight");
  for (auto it = weights.begin(); it != weights.end(); ++it) {
    if (!it->first.IsScalar()) return ErrorAt(where, it->first, "health.weights", kPlainKey);
    const std::string key = it->first.Scalar();
    const std::string field = "health.weights." + key;
    const auto signal = ParseHealthSignal(key);
    if (!signal) {
      return ErrorAt(where, it->first, field,
                     "unknown signal '" + key + "' (expected csat, sla, silence, reopen or engagement)");
    }
    const auto value = ParseNumber(it->second);
    if (!value) {
      const std::string text = it->second.IsScalar() ? it->second.Scalar() : std::string("<not a scalar>");
      return ErrorAt(where, it->second, field, "not a finite number: '" + text + "'");
    }
    if (*value < 0) return ErrorAt(where, it->second, field, "weight must be >= 0, got " + it->second.Scalar());
    config->weights[static_cast<size_t>(*signal)] = *value;
  }
  if (!(config->WeightSum() > 0)) return ErrorAt(where, weights, "health.weights", "all weights are zero");
  return Status::OK();
}

}  // namespace

std::string_view HealthSignalName(HealthSignal s) { return kSignalNames[static_cast<size_t>(s)]; }

std::optional<HealthSignal> ParseHealthSignal(std::string_view s) {
  for (size_t i = 0; i < kSignalNames.size(); ++i) {
    if (kSignalNames[i] == s) return static_cast<HealthSignal>(i);
  }
  return std::nullopt;
}

StatusOr<HealthConfig> LoadHealthConfig(const YAML::Node& root, const ConfigPositions& where) {
  HealthConfig config;
  try {
    SLAMON_RETURN_IF_ERROR(Load(root, where, &config));
  } catch (const std::exception& e) {
    // yaml-cpp throws on malformed node access; report it instead of escaping.
    return Status::Invalid(where.Problem(root, "health", e.what()));
  }
  auto value = LoadValueConfig(root, where);
  if (!value.ok()) return value.status();
  config.value = *value;
  return config;
}

StatusOr<HealthConfig> LoadHealthConfig(const YAML::Node& root, const std::string& file) {
  return LoadHealthConfig(root, ConfigPositions(file, root));
}

StatusOr<HealthConfig> LoadHealthConfigText(const std::string& yaml, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  return LoadHealthConfig(root, file);
}

}  // namespace slamon::projections
