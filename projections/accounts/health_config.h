// Account health configuration: the `health:` key of the daemon config file
// (docs/sla-semantics.md "Churn warning (account health)").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/common/config_position.h"
#include "events/common/status.h"
#include "projections/accounts/value_config.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace slamon::projections {

/// The health signals. The numeric order is the documented order
/// (csat, sla, silence, reopen, engagement) and breaks ties between top signals.
enum class HealthSignal : uint8_t { kCsat = 0, kSla = 1, kSilence = 2, kReopen = 3, kEngagement = 4 };
inline constexpr int kHealthSignalCount = 5;

/// Config / JSON names: "csat", "sla", "silence", "reopen", "engagement".
std::string_view HealthSignalName(HealthSignal s);
std::optional<HealthSignal> ParseHealthSignal(std::string_view s);

/// Validated health settings. Immutable after load; safe to share.
struct HealthConfig {
  /// Weight per signal, indexed by HealthSignal; each >= 0 and finite, and at
  /// least one > 0. The score divides by their sum, so they need not add to 1.
  /// `engagement` defaults to 0 (opt-in), so scores with default weights do
  /// not depend on follow-up cadences.
  std::array<double, kHealthSignalCount> weights = {0.35, 0.30, 0.20, 0.15, 0.0};
  /// Value, follow-up, category and churn-reason settings (top-level keys
  /// `value`, `followup`, `categories`, `churn_reasons`).
  ValueConfig value;

  double weight(HealthSignal s) const { return weights[static_cast<size_t>(s)]; }
  double WeightSum() const {
    double sum = 0;
    for (double w : weights) sum += w;
    return sum;
  }
};

/// Reads `health:` of `root` (optional) and the value keys (LoadValueConfig);
/// other top-level keys are ignored:
///   health: {weights: {csat: 0.35, sla: 0.30, silence: 0.20, reopen: 0.15}}
/// A signal not listed under `weights` keeps its default weight, so
/// `{weights: {csat: 1}}` only changes csat (write `sla: 0` etc. to drop one).
/// Rejected with "FILE:LINE: field: message" (events/common/config_position.h): a non-map `health`/`weights`,
/// an unknown key or signal, a weight that is not a finite number, a negative
/// weight, and weights that are all zero. Never throws.
StatusOr<HealthConfig> LoadHealthConfig(const YAML::Node& root, const ConfigPositions& where);
/// The same for a document read from `file` alone (no --set options).
StatusOr<HealthConfig> LoadHealthConfig(const YAML::Node& root, const std::string& file);

/// Convenience for tests and tools: parses YAML text named `file` and calls
/// LoadHealthConfig. Never throws.
StatusOr<HealthConfig> LoadHealthConfigText(const std::string& yaml, const std::string& file);

}  // namespace slamon::projections
