// Key-account value and engagement settings: the `value:`, `followup:`,
// `categories:` and `churn_reasons:` keys of the daemon config.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/config_position.h"
#include "events/common/status.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace slamon::projections {

inline constexpr int kRfmThresholdCount = 4;  ///< four thresholds give scores 1–5

/// Validated value settings. Immutable after load; safe to share.
struct ValueConfig {
  /// Orders in this currency (or without one) are scored; others are only listed.
  std::string currency = "CNY";
  /// Ascending thresholds (strictly increasing, finite, >= 0).
  std::array<double, kRfmThresholdCount> recency_days = {30, 60, 120, 240};
  std::array<double, kRfmThresholdCount> frequency = {1, 3, 6, 12};
  std::array<double, kRfmThresholdCount> monetary = {10000, 50000, 200000, 1000000};
  /// Follow-up cadence in seconds per tier; a tier not listed has no cadence.
  /// Default: A 14 d, B 30 d, C 90 d. A `followup:` map in the config replaces
  /// the whole default (`followup: {}` turns cadences off).
  std::map<std::string, int64_t> followup = {{"A", 14 * 86400}, {"B", 30 * 86400}, {"C", 90 * 86400}};
  /// Reported ticket categories and churn reasons; anything else counts as "other".
  std::vector<std::string> categories = {"complaint", "billing", "technical", "delivery", "inquiry"};
  std::vector<std::string> churn_reasons = {"budget", "moved to competitor", "product fit", "company acquired"};

  /// The category / reason label of a raw value: itself when listed, else "other".
  std::string_view CategoryLabel(std::string_view raw) const;
  std::string_view ReasonLabel(std::string_view raw) const;
  /// The listed categories / reasons followed by "other".
  std::vector<std::string> CategoryLabels() const;
  std::vector<std::string> ReasonLabels() const;

  bool operator==(const ValueConfig&) const = default;
};

/// R score: 5 − (number of recency thresholds strictly below `recency_days`).
int RecencyScore(const ValueConfig& c, double recency_days);
/// F / M score: 1 + (number of thresholds <= `value`).
int FrequencyScore(const ValueConfig& c, double orders);
int MonetaryScore(const ValueConfig& c, double amount);

/// Reads the four keys of `root` (each optional; other keys are ignored):
///   value: {currency: CNY, recency_days: [30, 60, 120, 240], frequency: [1, 3, 6, 12],
///           monetary: [10000, 50000, 200000, 1000000]}
///   followup: {A: 14d, B: 30d, C: 90d}
///   categories: [complaint, billing, technical, delivery, inquiry]
///   churn_reasons: [budget, "moved to competitor", product fit, company acquired]
/// A `value` key not given keeps its default. Rejected with "FILE:LINE: field:
/// message": unknown keys, a currency that is not three letters, threshold
/// lists that are not four strictly ascending finite numbers >= 0, a cadence
/// that is not a positive duration, empty or duplicate list entries, and the
/// reserved name "other". Never throws.
StatusOr<ValueConfig> LoadValueConfig(const YAML::Node& root, const ConfigPositions& where);
/// The same for a document read from `file` alone (no --set options).
StatusOr<ValueConfig> LoadValueConfig(const YAML::Node& root, const std::string& file);

}  // namespace slamon::projections
