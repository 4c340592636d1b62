// Inline SVG charts of the trends for the console's pages: no scripts (the
// console's Content-Security-Policy allows none), every text escaped, and
// scaled to the width of their box, so they fit a phone's screen as well as
// a desktop's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "projections/trends/trend_types.h"

namespace slamon::daemon {

/// One line of a line chart or one layer of a stacked bar chart.
struct ChartSeries {
  std::string name;
  std::string color;                          ///< a CSS colour, e.g. "#1565c0"
  std::vector<std::optional<double>> values;  ///< one per week; undefined values break a line
};

/// A line chart of percentages (0–100) over weeks, with a dashed target
/// line when `target` is set; a legend when there are several series. Each
/// point carries a tooltip (<title>) with the week and the value.
std::string LineChart(const std::string& title, const std::vector<projections::TrendWeek>& weeks,
                      const std::vector<ChartSeries>& series, std::optional<double> target,
                      const std::string& target_label);

/// A stacked bar chart of counts over weeks (undefined values count as 0).
std::string BarChart(const std::string& title, const std::vector<projections::TrendWeek>& weeks,
                     const std::vector<ChartSeries>& series);

/// The five trend charts of a series: % of SLA clocks met per metric
/// (against `objective_percent`), breaches per week, CSAT % (against 90 %),
/// follow-ups done on time and late, churned accounts; each in a <figure>,
/// all in a grid that folds to one column on a phone.
std::string TrendCharts(const projections::TrendSeries& series, double objective_percent);

/// The chart rules the pages add to their style sheet.
extern const std::string_view kChartStyle;

}  // namespace slamon::daemon
