#include "projections/trends/trend_types.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace slamon::projections {
namespace {

// 1970-01-05T00:00:00Z, the first Monday after the epoch.
constexpr int64_t kFirstMonday = int64_t{4} * 86400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t YearOfDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  return 100.0 * static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

int32_t WeekOf(int64_t t) { return static_cast<int32_t>(FloorDiv(t - kFirstMonday, kWeekSeconds)); }

int64_t WeekStart(int32_t week) { return kFirstMonday + int64_t{week} * kWeekSeconds; }

std::string WeekLabel(int32_t week) {
  // The ISO year of a week is the year of its Thursday; week 1 holds the
  // year's first Thursday.
  const int64_t thursday = FloorDiv(WeekStart(week), 86400) + 3;
  const int64_t year = YearOfDays(thursday);
  const int64_t number = (thursday - DaysFromCivil(year, 1, 1)) / 7 + 1;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld-W%02lld", static_cast<long long>(year), static_cast<long long>(number));
  return buf;
}

std::string_view TrendMetricName(int metric) {
  static constexpr std::string_view kNames[kTrendMetricCount] = {"first_response", "next_response", "resolution"};
  return kNames[metric];
}

TrendCount MetCount(int metric) { return static_cast<TrendCount>(2 * metric); }
TrendCount BreachedCount(int metric) { return static_cast<TrendCount>(2 * metric + 1); }

bool TrendCounts::empty() const {
  return first_response_seconds.empty() && std::all_of(n.begin(), n.end(), [](int64_t v) { return v == 0; });
}

TrendCounts& TrendCounts::operator+=(const TrendCounts& o) {
  for (size_t i = 0; i < n.size(); ++i) n[i] += o.n[i];
  if (!o.first_response_seconds.empty()) {
    const auto middle = static_cast<std::ptrdiff_t>(first_response_seconds.size());
    first_response_seconds.insert(first_response_seconds.end(), o.first_response_seconds.begin(),
                                  o.first_response_seconds.end());
    std::inplace_merge(first_response_seconds.begin(), first_response_seconds.begin() + middle,
                       first_response_seconds.end());
  }
  return *this;
}

std::optional<double> TrendCounts::PercentMet(int metric) const {
  int64_t met = 0, breached = 0;
  for (int m = 0; m < kTrendMetricCount; ++m) {
    if (metric != kTrendMetricCount && m != metric) continue;
    met += (*this)[MetCount(m)];
    breached += (*this)[BreachedCount(m)];
  }
  return Ratio(met, met + breached);
}

int64_t TrendCounts::Breaches() const {
  int64_t sum = 0;
  for (int m = 0; m < kTrendMetricCount; ++m) sum += (*this)[BreachedCount(m)];
  return sum;
}

std::optional<double> TrendCounts::CsatPercent() const {
  return Ratio((*this)[TrendCount::kCsatSatisfied], (*this)[TrendCount::kCsatAnswers]);
}

std::optional<double> TrendCounts::Nps() const {
  return Ratio((*this)[TrendCount::kNpsPromoters] - (*this)[TrendCount::kNpsDetractors],
               (*this)[TrendCount::kNpsAnswers]);
}

std::optional<double> TrendCounts::FollowupsOnTimePercent() const {
  const int64_t on_time = (*this)[TrendCount::kFollowupsOnTime];
  return Ratio(on_time, on_time + (*this)[TrendCount::kFollowupsLate]);
}

std::optional<int64_t> TrendCounts::MedianFirstResponse() const {
  if (first_response_seconds.empty()) return std::nullopt;
  // Nearest rank: the ceil(n / 2)-th smallest, as the complaint-handling p50.
  return first_response_seconds[(first_response_seconds.size() + 1) / 2 - 1];
}

bool TrendFilter::Matches(std::string_view tier_value, std::string_view team_value,
                          std::string_view owner_value) const {
  return (!tier || *tier == tier_value) && (!team || *team == team_value) && (!owner || *owner == owner_value);
}

TrendCounts TrendSeries::Total() const {
  TrendCounts total;
  for (const TrendWeek& w : weeks) total += w.counts;
  return total;
}

}  // namespace slamon::projections
