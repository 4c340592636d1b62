// What the trends projection answers (docs/sla-semantics.md "Trends"):
// weekly counts per (tier, team, account owner) and the week arithmetic
// they are bucketed with. Weeks are ISO weeks in UTC: Monday 00:00:00Z to the
// next Monday, labelled "2026-W49" by the ISO year of their Thursday.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slamon::projections {

inline constexpr int64_t kWeekSeconds = 7 * 86400;
/// Weeks kept and served: the current one and the 51 before it.
inline constexpr int kMaxTrendWeeks = 52;
inline constexpr int kDefaultTrendWeeks = 12;

/// The ISO week (UTC) holding `t`, as a number of weeks since the week of
/// 1970-01-05 (a Monday; the days before it are week −1).
int32_t WeekOf(int64_t t);
/// The Monday 00:00:00Z that starts week `week`.
int64_t WeekStart(int32_t week);
/// "2026-W49": the ISO year of the week's Thursday and its ISO week number.
std::string WeekLabel(int32_t week);

/// The counters of one week (indexes of TrendCounts::n). SLA clocks are
/// counted once each, by metric, in the week of their verdict (met: the stop
/// instant; breached: the breach instant); department clocks are left out.
enum class TrendCount : uint8_t {
  kFirstResponseMet = 0,
  kFirstResponseBreached,
  kNextResponseMet,
  kNextResponseBreached,
  kResolutionMet,
  kResolutionBreached,
  kCsatAnswers,    ///< CSAT answers given in the week
  kCsatSatisfied,  ///< of them, score >= 4
  kNpsAnswers,
  kNpsPromoters,   ///< scores 9–10
  kNpsDetractors,  ///< scores 0–6
  kFollowupsOnTime,
  kFollowupsLate,
  kChurned,  ///< accounts churned in the week
};
inline constexpr int kTrendCountCount = 14;

/// The three customer-facing SLA metrics the trends report on, in order.
inline constexpr int kTrendMetricCount = 3;  // first_response, next_response, resolution
/// "first_response", "next_response", "resolution".
std::string_view TrendMetricName(int metric);
/// The met / breached counters of trend metric `metric` (0..2).
TrendCount MetCount(int metric);
TrendCount BreachedCount(int metric);

/// Counts of one week of one bucket, or a sum of several.
struct TrendCounts {
  std::array<int64_t, kTrendCountCount> n{};
  /// Business seconds of the first-response clocks stopped (answered) in the
  /// week, ascending (for the median).
  std::vector<int64_t> first_response_seconds;

  int64_t operator[](TrendCount c) const { return n[static_cast<size_t>(c)]; }
  int64_t& operator[](TrendCount c) { return n[static_cast<size_t>(c)]; }
  bool empty() const;
  /// Adds `o` (merges its first-response times, keeping them sorted).
  TrendCounts& operator+=(const TrendCounts& o);

  /// met / (met + breached) × 100 of trend metric `metric`, or of all three
  /// (metric = kTrendMetricCount); undefined without a verdict.
  std::optional<double> PercentMet(int metric) const;
  /// Breached clocks of the three metrics.
  int64_t Breaches() const;
  std::optional<double> CsatPercent() const;
  /// % promoters − % detractors; undefined without answers.
  std::optional<double> Nps() const;
  /// on time / (on time + late) × 100; undefined without a verdict.
  std::optional<double> FollowupsOnTimePercent() const;
  /// Nearest-rank median of first_response_seconds; undefined when empty.
  std::optional<int64_t> MedianFirstResponse() const;

  bool operator==(const TrendCounts&) const = default;
};

/// Which buckets a query sums: every field set must match (unset: any).
struct TrendFilter {
  std::optional<std::string> tier = std::nullopt;
  std::optional<std::string> owner = std::nullopt;
  std::optional<std::string> team = std::nullopt;
  bool Matches(std::string_view tier_value, std::string_view team_value, std::string_view owner_value) const;
};

/// One week of a series.
struct TrendWeek {
  int32_t week = 0;
  int64_t start = 0;     ///< Monday 00:00:00Z
  bool partial = false;  ///< the week holding the as-of instant: counted up to it
  TrendCounts counts;
};

/// The last `weeks` weeks up to the as-of instant, oldest first.
struct TrendSeries {
  int64_t as_of = 0;
  std::vector<TrendWeek> weeks;
  /// All weeks together.
  TrendCounts Total() const;
};

/// Grouping of TrendsProjection::Totals.
enum class TrendDimension : uint8_t { kTier = 0, kTeam = 1, kOwner = 2 };

}  // namespace slamon::projections
