#include "projections/sla/sla_types.h"

#include <array>
#include <cstdio>

namespace slamon::projections {
namespace {

constexpr std::array<std::string_view, kMetricCount> kMetricNames = {"assignment", "first_response", "next_response",
                                                                     "resolution"};
constexpr std::array<std::string_view, events::kPriorityCount> kPriorityNames = {"urgent", "high", "normal", "low"};
constexpr std::array<std::string_view, kTicketStatusCount> kStatusNames = {"open", "pending", "on_hold", "solved",
                                                                           "closed"};

template <typename E, size_t N>
std::optional<E> Lookup(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view MetricName(Metric m) { return kMetricNames[static_cast<size_t>(m)]; }
std::optional<Metric> ParseMetric(std::string_view s) { return Lookup<Metric>(kMetricNames, s); }

std::string_view RiskLevelName(RiskLevel l) {
  switch (l) {
    case RiskLevel::kOk:
      return "ok";
    case RiskLevel::kWarning:
      return "warning";
    case RiskLevel::kBreached:
      return "breached";
  }
  return "?";
}

std::string_view InstanceStateName(InstanceState s) {
  switch (s) {
    case InstanceState::kActive:
      return "active";
    case InstanceState::kPaused:
      return "paused";
    case InstanceState::kStopped:
      return "stopped";
  }
  return "?";
}

std::string_view PriorityName(events::Priority p) { return kPriorityNames[static_cast<size_t>(p)]; }
std::optional<events::Priority> ParsePriorityName(std::string_view s) {
  return Lookup<events::Priority>(kPriorityNames, s);
}
std::string_view TicketStatusName(events::TicketStatus s) { return kStatusNames[static_cast<size_t>(s)]; }
std::optional<events::TicketStatus> ParseTicketStatusName(std::string_view s) {
  return Lookup<events::TicketStatus>(kStatusNames, s);
}

std::string FormatUtc(int64_t unix_seconds) {
  // Civil-from-days (H. Hinnant); avoids a time zone lookup on the output path.
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace slamon::projections
