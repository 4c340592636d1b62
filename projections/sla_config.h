// SLA policy configuration: the `calendars:` and `policies:` keys of the
// daemon config file (SLA_SEMANTICS.md "Configuration").
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/status.h"
#include "projections/calendar.h"
#include "projections/sla_types.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace slamon::projections {

struct SlaPolicy {
  std::string name;
  std::vector<std::string> match_tiers;            ///< empty: any tier
  std::vector<events::Priority> match_priorities;  ///< empty: any priority
  std::string calendar_name = "24x7";
  std::shared_ptr<const Calendar> calendar;
  std::array<std::optional<int64_t>, kMetricCount> targets;  ///< seconds of counted time, > 0
  std::array<bool, kTicketStatusCount> pause_on{};           ///< by TicketStatus
  std::array<bool, kMetricCount> pause_metrics{};            ///< by Metric
  double warn_at = 0.75;
  /// Per metric: the smallest whole elapsed second that is no longer `ok`
  /// (elapsed >= warn_at * target), derived at load.
  std::array<int64_t, kMetricCount> warn_seconds{};

  bool Matches(std::string_view tier, events::Priority priority) const;
  bool Pauses(Metric m, events::TicketStatus s) const {
    return pause_metrics[static_cast<size_t>(m)] && pause_on[static_cast<size_t>(s)];
  }
  std::optional<int64_t> target(Metric m) const { return targets[static_cast<size_t>(m)]; }
};

/// A validated SLA configuration. Immutable after load; share it as
/// `shared_ptr<const SlaConfig>` between threads.
struct SlaConfig {
  std::vector<std::shared_ptr<const Calendar>> calendars;  ///< includes the built-in 24x7
  std::vector<SlaPolicy> policies;                         ///< in match order

  /// Index of the first policy matching (tier, priority), or -1.
  int Select(std::string_view tier, events::Priority priority) const;
  std::shared_ptr<const Calendar> FindCalendar(std::string_view name) const;
  /// Sorted, de-duplicated targets of every policy (for histogram buckets).
  std::vector<int64_t> AllTargets() const;
};

/// Parses a duration: a non-negative integer of seconds, or a string of
/// `<n>d`, `<n>h`, `<n>m`, `<n>s` parts in that order (`90m`, `1d2h`, `30s`),
/// `d` being 86400 s of counted time. nullopt on any syntax error or overflow.
std::optional<int64_t> ParseDuration(std::string_view s);

/// Reads `calendars:` and `policies:` of `root` (both optional; other keys are
/// ignored). Errors name the file, the 1-based line and the field, e.g.
/// `config.yaml:12: policies[0].calendar: unknown calendar 'cn-biz'`.
/// Never throws.
StatusOr<SlaConfig> LoadSlaConfig(const YAML::Node& root, const std::string& file);

/// Convenience: parses a YAML file / YAML text named `file` and calls
/// LoadSlaConfig. Never throws.
StatusOr<SlaConfig> LoadSlaConfigFile(const std::string& path);
StatusOr<SlaConfig> LoadSlaConfigText(const std::string& yaml, const std::string& file);

}  // namespace slamon::projections
