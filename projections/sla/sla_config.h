// SLA policy configuration: the `calendars:` and `policies:` keys of the
// daemon config file (docs/sla-semantics.md "Configuration").
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/status.h"
#include "events/event.h"
#include "projections/core/calendar.h"
#include "projections/sla/sla_types.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace slamon::projections {

/// One escalation step: reached when an instance's elapsed time exceeds its
/// target by `after` seconds of counted time.
struct EscalationStep {
  std::string name;
  int64_t after = 0;  ///< >= 0; strictly increasing within a policy
};

/// The `assignment` target of one department (group).
struct GroupTarget {
  std::string group;
  int64_t seconds = 0;       ///< > 0
  int64_t warn_seconds = 0;  ///< ceil(warn_at * seconds), derived at load
};

struct SlaPolicy {
  std::string name;
  std::vector<std::string> match_tiers;            ///< empty: any tier
  std::vector<events::Priority> match_priorities;  ///< empty: any priority
  std::vector<std::string> match_channels;         ///< empty: any channel; else a ticket without one never matches
  std::vector<std::string> match_teams;            ///< empty: any team; else an account without one never matches
  bool match_channel = false;                      ///< `match.channel` given
  bool match_team = false;                         ///< `match.team` given
  std::string calendar_name = "24x7";
  std::shared_ptr<const Calendar> calendar;
  /// Evaluate on the account's own calendar (its `calendar` at the open) when
  /// the config has one of that name; `calendar` otherwise.
  bool use_account_calendar = false;
  std::vector<EscalationStep> escalation;                    ///< ascending by `after`
  std::vector<GroupTarget> group_targets;                    ///< in config order
  std::array<std::optional<int64_t>, kMetricCount> targets;  ///< seconds of counted time, > 0
  std::array<bool, kTicketStatusCount> pause_on{};           ///< by TicketStatus
  std::array<bool, kMetricCount> pause_metrics{};            ///< by Metric
  double warn_at = 0.75;
  /// Per metric: the smallest whole elapsed second that is no longer `ok`
  /// (elapsed >= warn_at * target), derived at load.
  std::array<int64_t, kMetricCount> warn_seconds{};

  /// `channel` "" = the ticket has none, `team` "" = the account has none.
  bool Matches(std::string_view tier, events::Priority priority, std::string_view channel = {},
               std::string_view team = {}) const;
  bool Pauses(Metric m, events::TicketStatus s) const {
    return pause_metrics[static_cast<size_t>(m)] && pause_on[static_cast<size_t>(s)];
  }
  /// The target of a metric; for `assignment` the target of `group` (nullopt
  /// when the policy has none).
  std::optional<int64_t> target(Metric m, std::string_view group = {}) const {
    if (m != Metric::kAssignment) return targets[static_cast<size_t>(m)];
    const GroupTarget* g = FindGroup(group);
    return g ? std::optional<int64_t>(g->seconds) : std::nullopt;
  }
  /// The first elapsed second that is no longer `ok` (needs a target).
  int64_t WarnSeconds(Metric m, std::string_view group = {}) const {
    if (m != Metric::kAssignment) return warn_seconds[static_cast<size_t>(m)];
    const GroupTarget* g = FindGroup(group);
    return g ? g->warn_seconds : 0;
  }
  const GroupTarget* FindGroup(std::string_view group) const {
    for (const GroupTarget& g : group_targets) {
      if (g.group == group) return &g;
    }
    return nullptr;
  }
};

/// A validated SLA configuration. Immutable after load; share it as
/// `shared_ptr<const SlaConfig>` between threads.
struct SlaConfig {
  std::vector<std::shared_ptr<const Calendar>> calendars;  ///< includes the built-in 24x7
  std::vector<SlaPolicy> policies;                         ///< in match order

  /// Index of the first policy matching (tier, priority, channel, team), or -1.
  int Select(std::string_view tier, events::Priority priority, std::string_view channel = {},
             std::string_view team = {}) const;
  /// Whether any policy matches on channel or team (selection then depends on
  /// more than tier and priority).
  bool MatchesContext() const;
  /// Sorted, de-duplicated groups named in any policy's `group_targets`.
  std::vector<std::string> AllGroups() const;
  std::shared_ptr<const Calendar> FindCalendar(std::string_view name) const;
  /// Sorted, de-duplicated targets of every policy (for histogram buckets).
  std::vector<int64_t> AllTargets() const;
};

/// The instance's calendar under `policy`: the account calendar when the
/// policy uses it and it is set, else the policy's own.
inline const Calendar& CalendarFor(const SlaPolicy& policy, const Calendar* account_calendar) {
  return policy.use_account_calendar && account_calendar != nullptr ? *account_calendar : *policy.calendar;
}

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
