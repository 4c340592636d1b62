#include "daemon/api/trend_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "daemon/http/html.h"
#include "projections/report/report.h"

namespace slamon::daemon {
namespace {

using projections::TrendCount;
using projections::TrendWeek;

// The drawing area in viewBox units; the SVG scales to its box's width.
constexpr double kWidth = 360, kHeight = 196, kLeft = 34, kRight = 10, kTop = 30, kBottom = 28;
constexpr double kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kHeight - kTop - kBottom;
constexpr const char* kTargetColor = "#c62828";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string Tick(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// "W49" of "2026-W49".
std::string ShortWeek(int32_t week) {
  const std::string label = projections::WeekLabel(week);
  return label.substr(label.find('W'));
}

// What a point's tooltip says about its week.
std::string WeekText(const TrendWeek& w) {
  return projections::WeekLabel(w.week) + " (from " + projections::FormatUtc(w.start).substr(0, 10) +
         (w.partial ? ", so far" : "") + ")";
}

double X(size_t i, size_t n) { return kLeft + kPlotWidth * (static_cast<double>(i) + 0.5) / static_cast<double>(n); }

std::string Open(const std::string& title) {
  return "<svg role=\"img\" aria-label=\"" + HtmlEscape(title) + "\" viewBox=\"0 0 " + Num(kWidth) + " " +
         Num(kHeight) + "\" preserveAspectRatio=\"xMinYMin meet\">\n<title>" + HtmlEscape(title) + "</title>\n";
}

// Horizontal grid lines with their values, and the week labels below the
// plot: about six of them, the latest week always among them.
std::string Axes(const std::vector<TrendWeek>& weeks, const std::vector<double>& ticks, double y_max,
                 const std::string& unit) {
  std::string s;
  for (double v : ticks) {
    const double y = kTop + kPlotHeight * (1 - v / y_max);
    s += "<line class=\"grid\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(y) +
         "\" y2=\"" + Num(y) + "\"/><text x=\"" + Num(kLeft - 4) + "\" y=\"" + Num(y + 4) + "\" text-anchor=\"end\">" +
         Tick(v) + unit + "</text>\n";
  }
  const size_t n = weeks.size();
  const size_t step = std::max<size_t>(1, (n + 5) / 6);
  for (size_t i = 0; i < n; ++i) {
    if ((n - 1 - i) % step != 0) continue;
    s += "<text x=\"" + Num(X(i, n)) + "\" y=\"" + Num(kHeight - 10) + "\" text-anchor=\"middle\">" +
         HtmlEscape(ShortWeek(weeks[i].week)) + "</text>";
  }
  return s + "\n";
}

// The legend row above the plot: a swatch and the name of each series, then
// the target's dashed line.
std::string Legend(const std::vector<ChartSeries>& series, const std::string& target_label) {
  std::string s;
  double x = 2;
  for (const ChartSeries& se : series) {
    s += "<rect x=\"" + Num(x) + "\" y=\"6\" width=\"10\" height=\"10\" fill=\"" + HtmlEscape(se.color) +
         "\"/><text x=\"" + Num(x + 14) + "\" y=\"15\">" + HtmlEscape(se.name) + "</text>";
    x += 24 + 6.2 * static_cast<double>(se.name.size());
  }
  if (!target_label.empty()) {
    s += "<line class=\"target\" x1=\"" + Num(x) + "\" x2=\"" + Num(x + 18) + "\" y1=\"11\" y2=\"11\"/><text x=\"" +
         Num(x + 22) + "\" y=\"15\">" + HtmlEscape(target_label) + "</text>";
  }
  return s + "\n";
}

std::string NoData() {
  return "<text x=\"" + Num(kLeft + kPlotWidth / 2) + "\" y=\"" + Num(kTop + kPlotHeight / 2) +
         "\" text-anchor=\"middle\" class=\"none\">no data in these weeks</text>\n";
}

// 1, 2, 5 × 10^k at or above `v` (at least 4, so small counts keep whole ticks).
double NiceCeiling(double v) {
  if (v <= 4) return 4;
  const double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

}  // namespace

const std::string_view kChartStyle = R"(
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px 22px;margin:8px 0 16px}
figure.chart{margin:0;min-width:0}figure.chart svg{display:block;width:100%;height:auto;max-width:560px}
figure.chart text{font-size:11px;fill:#555}figure.chart text.none{font-style:italic}
figure.chart .grid{stroke:#e0e0e0}figure.chart .target{stroke:#c62828;stroke-width:1.5;stroke-dasharray:5 4}
)";

std::string LineChart(const std::string& title, const std::vector<TrendWeek>& weeks,
                      const std::vector<ChartSeries>& series, std::optional<double> target,
                      const std::string& target_label) {
  std::string s = Open(title);
  s += Legend(series, target ? target_label : "");
  s += Axes(weeks, {0, 50, 100}, 100, "%");
  auto y = [](double v) { return kTop + kPlotHeight * (1 - std::clamp(v, 0.0, 100.0) / 100); };
  if (target) {
    s += "<line class=\"target\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" +
         Num(y(*target)) + "\" y2=\"" + Num(y(*target)) + "\"/>\n";
  }
  bool any = false;
  for (const ChartSeries& se : series) {
    // One polyline per run of defined values: a week without data breaks the line.
    std::string points;
    auto flush = [&] {
      if (points.find(' ') != std::string::npos) {
        s += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + HtmlEscape(se.color) + "\" points=\"" + points +
             "\"/>\n";
      }
      points.clear();
    };
    for (size_t i = 0; i < weeks.size() && i < se.values.size(); ++i) {
      const auto& v = se.values[i];
      if (!v) {
        flush();
        continue;
      }
      any = true;
      points += (points.empty() ? "" : " ") + Num(X(i, weeks.size())) + "," + Num(y(*v));
      s += "<circle r=\"3\" cx=\"" + Num(X(i, weeks.size())) + "\" cy=\"" + Num(y(*v)) + "\" fill=\"" +
           HtmlEscape(se.color) + "\"><title>" + HtmlEscape(se.name + ", " + WeekText(weeks[i]) + ": ") +
           projections::FormatPercent(v) + " %</title></circle>";
    }
    flush();
  }
  if (!any) s += NoData();
  return s + "</svg>\n";
}

std::string BarChart(const std::string& title, const std::vector<TrendWeek>& weeks,
                     const std::vector<ChartSeries>& series) {
  std::string s = Open(title);
  s += Legend(series.size() > 1 ? series : std::vector<ChartSeries>{}, "");
  double top = 0;
  for (size_t i = 0; i < weeks.size(); ++i) {
    double sum = 0;
    for (const ChartSeries& se : series) sum += i < se.values.size() ? se.values[i].value_or(0) : 0;
    top = std::max(top, sum);
  }
  const double y_max = NiceCeiling(top);
  s += Axes(weeks, {0, y_max / 2, y_max}, y_max, "");
  const double slot = kPlotWidth / static_cast<double>(std::max<size_t>(weeks.size(), 1));
  const double width = std::max(2.0, slot * 0.7);
  for (size_t i = 0; i < weeks.size(); ++i) {
    double base = 0;
    for (const ChartSeries& se : series) {
      const double v = i < se.values.size() ? se.values[i].value_or(0) : 0;
      if (v <= 0) continue;
      const double y0 = kTop + kPlotHeight * (1 - base / y_max), y1 = kTop + kPlotHeight * (1 - (base + v) / y_max);
      // The current week is still filling: drawn lighter.
      s += "<rect x=\"" + Num(X(i, weeks.size()) - width / 2) + "\" y=\"" + Num(y1) + "\" width=\"" + Num(width) +
           "\" height=\"" + Num(y0 - y1) + "\" fill=\"" + HtmlEscape(se.color) + "\"" +
           (weeks[i].partial ? " fill-opacity=\"0.55\"" : "") + "><title>" +
           HtmlEscape(se.name + ", " + WeekText(weeks[i]) + ": " + Tick(v)) + "</title></rect>";
      base += v;
    }
  }
  if (top == 0) s += NoData();
  return s + "</svg>\n";
}

std::string TrendCharts(const projections::TrendSeries& series, double objective_percent) {
  const auto& weeks = series.weeks;
  auto values = [&](auto of) {
    std::vector<std::optional<double>> out;
    out.reserve(weeks.size());
    for (const TrendWeek& w : weeks) out.push_back(of(w.counts));
    return out;
  };
  auto count = [&](TrendCount c) {
    return values([c](const projections::TrendCounts& t) { return std::optional<double>(static_cast<double>(t[c])); });
  };
  static constexpr const char* kMetricColors[] = {"#1565c0", "#6a1b9a", "#00838f"};
  std::vector<ChartSeries> met;
  met.reserve(projections::kTrendMetricCount);
  for (int m = 0; m < projections::kTrendMetricCount; ++m) {
    met.push_back({std::string(projections::TrendMetricName(m)), kMetricColors[m],
                   values([m](const projections::TrendCounts& t) { return t.PercentMet(m); })});
  }
  auto figure = [](const std::string& title, const std::string& svg) {
    return "<figure class=\"chart\"><h3>" + HtmlEscape(title) + "</h3>\n" + svg + "</figure>\n";
  };
  const std::string objective = projections::FormatDecimal(objective_percent);
  std::string s = "<div class=\"charts\">\n";
  s += figure("SLA clocks met (%)", LineChart("SLA clocks met per week and metric (%)", weeks, met, objective_percent,
                                              "objective " + objective + " %"));
  s += figure("Breaches per week", BarChart("SLA clocks breached per week", weeks,
                                            {{"breached", kTargetColor, values([](const auto& t) {
                                                return std::optional<double>(static_cast<double>(t.Breaches()));
                                              })}}));
  s += figure("CSAT (%)", LineChart("CSAT per week (%)", weeks,
                                    {{"CSAT", "#2e7d32", values([](const auto& t) { return t.CsatPercent(); })}},
                                    projections::kCsatTargetPercent,
                                    "target " + projections::FormatDecimal(projections::kCsatTargetPercent) + " %"));
  s += figure("Follow-ups on time", BarChart("Follow-ups done on time and late per week", weeks,
                                             {{"on time", "#2e7d32", count(TrendCount::kFollowupsOnTime)},
                                              {"late", "#e65100", count(TrendCount::kFollowupsLate)}}));
  s += figure("Churned accounts",
              BarChart("Accounts churned per week", weeks, {{"churned", "#6d4c41", count(TrendCount::kChurned)}}));
  return s + "</div>\n";
}

}  // namespace slamon::daemon
