// The HTML form of the compliance report: one self-contained file (inline
// CSS, inline SVG charts, no scripts, no external references).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "daemon/http/html.h"
#include "daemon/report/report_key_accounts.h"
#include "daemon/report/report_render.h"
#include "daemon/report/report_scorecards.h"

namespace slamon::daemon {
namespace {

using detail::OwnerLabel;
using detail::ReportRow;
using detail::RowScope;
using projections::FormatDecimal;
using projections::FormatPercent;
using projections::FormatUtc;
using projections::GroupStats;
using projections::MetricCounts;
using projections::Report;

constexpr const char* kGood = "#2e7d32";
constexpr const char* kBad = "#c62828";
constexpr const char* kNone = "#9e9e9e";
constexpr const char* kSeriesColors[] = {"#1565c0", "#6a1b9a", "#00838f", "#37474f"};

// The report and the web console escape and style alike.
std::string Esc(std::string_view s) { return HtmlEscape(s); }

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

using Cell = HtmlCell;

Cell N(int64_t v) { return {std::to_string(v), "num"}; }
Cell P(const std::optional<double>& v) { return {FormatPercent(v), "num"}; }
Cell F(const std::optional<bool>& v) { return {detail::YesNo(v), HtmlFlagClass(v)}; }

struct Series {
  std::string name;
  const char* color;  // nullptr: colour each bar by whether it meets the target
};
struct BarGroup {
  std::string label;
  std::vector<std::optional<double>> values;  // one per series
};

// A vertical bar chart with a dashed target line. `higher_is_better` decides
// the colour of single-series bars (green when on the right side of the target).
std::string BarChart(const std::string& title, const std::vector<Series>& series, const std::vector<BarGroup>& groups,
                     double target, const std::string& target_label, double y_max, bool higher_is_better) {
  const double width = 900, height = 330, left = 56, right = 16, top = 48, bottom = 54;
  const double pw = width - left - right, ph = height - top - bottom;
  auto y = [&](double v) { return top + ph * (1 - std::clamp(v, 0.0, y_max) / y_max); };
  std::string s = "<svg role=\"img\" aria-label=\"" + Esc(title) + "\" width=\"" + Num(width) + "\" height=\"" +
                  Num(height) + "\" viewBox=\"0 0 " + Num(width) + " " + Num(height) + "\">\n";
  s += "<title>" + Esc(title) + "</title>\n";
  s += "<text x=\"" + Num(left) + "\" y=\"20\" class=\"ct\">" + Esc(title) + "</text>\n";
  for (int i = 0; i <= 4; ++i) {
    const double v = y_max * i / 4;
    s += "<line x1=\"" + Num(left) + "\" x2=\"" + Num(width - right) + "\" y1=\"" + Num(y(v)) + "\" y2=\"" + Num(y(v)) +
         "\" class=\"grid\"/>";
    s += "<text x=\"" + Num(left - 6) + "\" y=\"" + Num(y(v) + 4) + "\" class=\"ax\" text-anchor=\"end\">" +
         FormatDecimal(v) + " %</text>\n";
  }
  if (groups.empty()) {
    s += "<text x=\"" + Num(left + pw / 2) + "\" y=\"" + Num(top + ph / 2) +
         "\" text-anchor=\"middle\" class=\"ax\">no data</text>\n";
  }
  const double gw = groups.empty() ? pw : pw / static_cast<double>(groups.size());
  const double bw = std::min(48.0, gw * 0.8 / static_cast<double>(std::max<size_t>(series.size(), 1)));
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const double gx = left + gw * static_cast<double>(gi);
    const double x0 = gx + (gw - bw * static_cast<double>(series.size())) / 2;
    for (size_t si = 0; si < series.size(); ++si) {
      const double x = x0 + bw * static_cast<double>(si);
      const auto& v = groups[gi].values[si];
      if (!v) {
        s += "<text x=\"" + Num(x + bw / 2) + "\" y=\"" + Num(top + ph - 4) +
             "\" text-anchor=\"middle\" class=\"val\" fill=\"" + kNone + "\">n/a</text>\n";
        continue;
      }
      const bool good = higher_is_better ? *v + 1e-9 >= target : *v <= target + 1e-9;
      const char* color = series[si].color ? series[si].color : (good ? kGood : kBad);
      s += "<rect x=\"" + Num(x + 1) + "\" y=\"" + Num(y(*v)) + "\" width=\"" + Num(bw - 2) + "\" height=\"" +
           Num(top + ph - y(*v)) + "\" fill=\"" + color + "\"><title>" + Esc(groups[gi].label + " " + series[si].name) +
           ": " + FormatPercent(v) + " %</title></rect>";
      s += "<text x=\"" + Num(x + bw / 2) + "\" y=\"" + Num(y(*v) - 4) + "\" text-anchor=\"middle\" class=\"val\">" +
           FormatPercent(v) + "</text>\n";
    }
    s += "<text x=\"" + Num(gx + gw / 2) + "\" y=\"" + Num(top + ph + 18) + "\" text-anchor=\"middle\" class=\"lb\">" +
         Esc(groups[gi].label) + "</text>\n";
  }
  s += "<line x1=\"" + Num(left) + "\" x2=\"" + Num(width - right) + "\" y1=\"" + Num(y(target)) + "\" y2=\"" +
       Num(y(target)) + "\" class=\"target\"/>";
  // The key of the target line goes top right, where no bar label can cover it.
  s += "<line x1=\"" + Num(width - right - 190) + "\" x2=\"" + Num(width - right - 160) +
       "\" y1=\"16\" y2=\"16\" class=\"target\"/><text x=\"" + Num(width - right - 154) + "\" y=\"20\" class=\"tl\">" +
       Esc(target_label) + "</text>\n";
  if (series.size() > 1) {
    double lx = left;
    for (const auto& se : series) {
      s += "<rect x=\"" + Num(lx) + "\" y=\"" + Num(height - 20) + "\" width=\"12\" height=\"12\" fill=\"" + se.color +
           "\"/><text x=\"" + Num(lx + 16) + "\" y=\"" + Num(height - 10) + "\" class=\"lb\">" + Esc(se.name) +
           "</text>";
      lx += 24 + 8 * static_cast<double>(se.name.size());
    }
    s += "\n";
  }
  return s + "</svg>\n";
}

std::string Charts(const Report& report) {
  std::vector<Series> metric_series;
  // Department (assignment) clocks are not tier figures: no series for them.
  static_assert(static_cast<int>(projections::Metric::kAssignment) == 0, "assignment must be metric 0");
  for (int m = 1; m <= projections::kMetricCount; ++m) {
    metric_series.push_back({detail::MetricLabel(m), kSeriesColors[m - 1]});
  }
  std::vector<BarGroup> sla, csat, churn;
  for (const GroupStats& t : report.by_tier) {
    BarGroup g{"Tier " + t.tier, {}};
    for (int m = 1; m < projections::kMetricCount; ++m) g.values.push_back(t.metrics[m].PercentMet());
    g.values.push_back(t.all.PercentMet());
    sla.push_back(std::move(g));
    csat.push_back({"Tier " + t.tier, {t.csat.Percent()}});
    churn.push_back({"Tier " + t.tier, {t.churn.Percent()}});
  }
  double churn_max = 10;
  for (const auto& g : churn) {
    if (g.values[0]) churn_max = std::max(churn_max, std::ceil(*g.values[0] / 10) * 10);
  }
  const std::string objective = FormatDecimal(report.objective_percent);
  std::string s = "<div class=\"charts\">\n";
  s += BarChart("SLA instances met per tier and metric (%)", metric_series, sla, report.objective_percent,
                "objective " + objective + " %", 100, true);
  s += BarChart("CSAT per tier (%)", {{"CSAT", nullptr}}, csat, projections::kCsatTargetPercent,
                "target " + FormatDecimal(projections::kCsatTargetPercent) + " %", 100, true);
  s += BarChart("Churn rate per tier (%)", {{"churn", nullptr}}, churn, projections::kChurnTargetPercent,
                "target <= " + FormatDecimal(projections::kChurnTargetPercent) + " %", churn_max, false);
  return s + "</div>\n";
}

// The report's own rules, after the shared ones.
constexpr const char* kReportStyle = R"(
.charts svg{display:block;margin:8px 0 16px}
svg .ct{font-size:15px;font-weight:bold}svg .ax{font-size:11px;fill:#555}svg .lb{font-size:12px}
svg .val{font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px}svg .grid{stroke:#e0e0e0}svg .target{stroke:#c62828;stroke-width:2;stroke-dasharray:6 4}
svg .tl{font-size:12px;fill:#c62828}
.notes li{margin:3px 0;color:#333}
)";

}  // namespace

// Long on purpose: the report's sections in page order, as the reader sees them.
std::string RenderReportHtml(const Report& report) {
  const std::string objective = FormatDecimal(report.objective_percent);
  const std::string window = FormatUtc(report.from) + " to " + FormatUtc(report.to);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>SLA compliance report " +
      Esc(window) + "</title>\n<style>" + std::string(kHtmlBaseStyle) + kReportStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>SLA compliance report</h1>\n";
  out += "<p class=\"meta\">Window " + Esc(window) + " (end excluded), evaluated as of " +
         Esc(FormatUtc(report.as_of)) + ".</p>\n";
  out += "<p class=\"meta\">Targets: SLA objective " + Esc(objective) + " % met (" + Esc(report.objective_source) +
         "), CSAT &gt;= " + FormatDecimal(projections::kCsatTargetPercent) +
         " %, churn rate &lt;= " + FormatDecimal(projections::kChurnTargetPercent) + " %.</p>\n";

  const GroupStats& t = report.total;
  out += "<div class=\"cards\">\n";
  out += HtmlCard("SLA met", FormatPercent(t.all.PercentMet()) + " %",
                  std::to_string(t.all.met) + " met, " + std::to_string(t.all.breached) + " breached, " +
                      std::to_string(t.all.open) + " open; objective " + objective + " %",
                  report.MeetsObjective(t.all));
  out +=
      HtmlCard("CSAT", FormatPercent(t.csat.Percent()) + " %",
               std::to_string(t.csat.satisfied) + " of " + std::to_string(t.csat.answered) + " satisfied; target 90 %",
               Report::MeetsCsat(t.csat));
  out += HtmlCard("Churn rate", FormatPercent(t.churn.Percent()) + " %",
                  std::to_string(t.churn.churned) + " of " + std::to_string(t.churn.live) + " accounts; target <= 5 %",
                  Report::MeetsChurn(t.churn));
  out += HtmlCard("Accounts at risk", std::to_string(t.at_risk), "of " + std::to_string(t.accounts) + " live accounts",
                  t.at_risk == 0);
  out += HtmlCard("Breaches", std::to_string(report.breaches.size()), "SLA breaches in the window",
                  report.breaches.empty());
  out += "</div>\n";
  out += Charts(report);

  out += "<h2>SLA compliance by tier, owner and metric</h2>\n";
  HtmlTable sla({"Tier", "Owner", "Metric", "Instances", "Met", "Breached", "Open", "% met", "Objective %", "Meets"});
  for (const ReportRow& row : detail::OrderedRows(report)) {
    const std::string tier = row.scope == RowScope::kTotal ? "All tiers" : row.group->tier;
    const std::string owner = row.scope == RowScope::kOwner ? OwnerLabel(row.group->owner) : "all owners";
    for (int m = 0; m <= projections::kMetricCount; ++m) {
      const MetricCounts& c = m < projections::kMetricCount ? row.group->metrics[m] : row.group->all;
      if (m < projections::kMetricCount && c.instances == 0) continue;
      sla.Row({{tier, ""},
               {owner, ""},
               {detail::MetricLabel(m), ""},
               N(c.instances),
               N(c.met),
               N(c.breached),
               N(c.open),
               P(c.PercentMet()),
               {objective, "num"},
               F(report.MeetsObjective(c))},
              row.scope != RowScope::kOwner);
    }
  }
  out += sla.Take();

  if (!report.by_department.empty()) {
    out += "<h2>Department clocks by group</h2>\n";
    HtmlTable dept({"Group", "Instances", "Met", "Breached", "Open", "% met"});
    for (const auto& d : report.by_department) {
      const MetricCounts& c = d.counts;
      dept.Row({{d.group, ""}, N(c.instances), N(c.met), N(c.breached), N(c.open), P(c.PercentMet())}, false);
    }
    out += dept.Take();
  }

  out += "<h2>Satisfaction (CSAT) and churn by tier and owner</h2>\n";
  HtmlTable kpi({"Tier", "Owner", "Accounts", "At risk", "Answers", "Satisfied", "CSAT %", "Meets CSAT target",
                 "Live in window", "Churned", "Churn %", "Meets churn target"});
  for (const ReportRow& row : detail::OrderedRows(report)) {
    const GroupStats& g = *row.group;
    kpi.Row({{row.scope == RowScope::kTotal ? "All tiers" : g.tier, ""},
             {row.scope == RowScope::kOwner ? OwnerLabel(g.owner) : "all owners", ""},
             N(g.accounts),
             N(g.at_risk),
             N(g.csat.answered),
             N(g.csat.satisfied),
             P(g.csat.Percent()),
             F(Report::MeetsCsat(g.csat)),
             N(g.churn.live),
             N(g.churn.churned),
             P(g.churn.Percent()),
             F(Report::MeetsChurn(g.churn))},
            row.scope != RowScope::kOwner);
  }
  out += kpi.Take();

  out += "<h2>SLA breaches in the window (" + std::to_string(report.breaches.size()) + ")</h2>\n";
  if (report.breaches.empty()) {
    out += "<p>None.</p>\n";
  } else {
    HtmlTable breaches(detail::BreachColumns());
    for (const auto& b : report.breaches) {
      // Cycle, target and elapsed are numbers (right-aligned).
      std::vector<HtmlCell> cells;
      const std::vector<std::string> texts = detail::BreachCells(b);
      for (size_t i = 0; i < texts.size(); ++i) cells.emplace_back(texts[i], i == 8 || i == 10 || i == 11 ? "num" : "");
      breaches.Row(cells);
    }
    out += breaches.Take();
  }

  out += "<h2>Accounts at risk as of " + Esc(FormatUtc(report.as_of)) + " (" + std::to_string(report.at_risk.size()) +
         ")</h2>\n";
  if (report.at_risk.empty()) {
    out += "<p>None.</p>\n";
  } else {
    HtmlTable risk({"Account", "Tier", "Owner", "Health score", "Reasons (signal scores)", "Renewal within 90 days"});
    for (const auto& a : report.at_risk) {
      risk.Row({{a.account_id, ""},
                {a.tier, ""},
                {OwnerLabel(a.owner), ""},
                {FormatPercent(a.score), "num"},
                {detail::Reasons(a), ""},
                {a.renewal_soon ? "yes" : "no", a.renewal_soon ? "no" : ""}});
    }
    out += risk.Take();
  }

  std::vector<detail::KeyAccountTable> tables = detail::KeyAccountTables(report);
  for (auto& extra : detail::ScorecardTables(report)) tables.push_back(std::move(extra));
  for (const auto& table : tables) {
    out += "<h2>" + Esc(table.title) + "</h2>\n";
    HtmlTable t(table.header);
    for (const auto& row : table.rows) {
      std::vector<Cell> cells;
      for (size_t i = 0; i < row.size(); ++i) cells.push_back({row[i], table.align[i] == 'r' ? "num" : ""});
      t.Row(cells);
    }
    out += t.Take();
  }

  out += "<h2>Notes</h2>\n<ul class=\"notes\">\n";
  for (const auto& note : projections::ReportNotes(report)) out += "<li>" + Esc(note) + "</li>\n";
  out += "</ul>\n</body>\n</html>\n";
  return out;
}

}  // namespace slamon::daemon
