// Small vocabulary shared by the SLA config, engine and output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace slamon::projections {

/// SLA metrics. The numeric order is the output sort order (by name).
/// `assignment` is the department (group) clock.
enum class Metric : uint8_t { kAssignment = 0, kFirstResponse = 1, kNextResponse = 2, kResolution = 3 };
inline constexpr int kMetricCount = 4;

/// Risk level of a running instance (docs/sla-semantics.md "Risk level").
enum class RiskLevel : uint8_t { kOk = 0, kWarning = 1, kBreached = 2 };
inline constexpr int kRiskLevelCount = 3;

enum class InstanceState : uint8_t { kActive = 0, kPaused = 1, kStopped = 2 };

std::string_view MetricName(Metric m);
std::optional<Metric> ParseMetric(std::string_view s);
std::string_view RiskLevelName(RiskLevel l);
std::string_view InstanceStateName(InstanceState s);

// Wire names of the event enums. Kept here (not events::Name) so the
// projections only depend on the event headers' enum values.
std::string_view PriorityName(events::Priority p);
std::optional<events::Priority> ParsePriorityName(std::string_view s);
std::string_view TicketStatusName(events::TicketStatus s);
std::optional<events::TicketStatus> ParseTicketStatusName(std::string_view s);
inline constexpr int kTicketStatusCount = 5;

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (proleptic Gregorian, UTC).
std::string FormatUtc(int64_t unix_seconds);

}  // namespace slamon::projections
