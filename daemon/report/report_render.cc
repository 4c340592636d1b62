// Over 400 lines on purpose: the Markdown and CSV renderings of every report
// section side by side, so a new section is added to both in one place.
#include "daemon/report/report_render.h"

#include <initializer_list>
#include <optional>
#include <string>

#include "daemon/report/report_key_accounts.h"
#include "daemon/report/report_scorecards.h"

namespace slamon::daemon {
namespace detail {

std::vector<ReportRow> OrderedRows(const projections::Report& report) {
  std::vector<ReportRow> rows;
  size_t next_owner = 0;
  for (const auto& tier : report.by_tier) {
    while (next_owner < report.by_owner.size() && report.by_owner[next_owner].tier == tier.tier) {
      rows.push_back({&report.by_owner[next_owner++], RowScope::kOwner});
    }
    rows.push_back({&tier, RowScope::kTier});
  }
  rows.push_back({&report.total, RowScope::kTotal});
  return rows;
}

std::string OwnerLabel(const std::string& owner) { return owner.empty() ? "(none)" : owner; }

std::string YesNo(const std::optional<bool>& v) {
  if (!v) return "n/a";
  return *v ? "yes" : "no";
}

std::string Reasons(const projections::AtRiskRow& row) {
  using projections::FormatPercent;
  std::string out;
  for (auto s : row.top_signals) {
    if (!out.empty()) out += ", ";
    out += std::string(projections::HealthSignalName(s)) + " " + FormatPercent(row.signals[s]);
  }
  return out;
}

const std::vector<std::string>& BreachColumns() {
  static const std::vector<std::string> kColumns = {"Breached at", "Ticket",  "Account", "Owner", "Tier",
                                                    "Priority",    "Policy",  "Metric",  "Cycle", "Started",
                                                    "Target",      "Elapsed", "State"};
  return kColumns;
}

std::vector<std::string> BreachCells(const projections::BreachRow& b) {
  return {projections::FormatUtc(b.breach_at),
          b.ticket_id,
          b.account_id,
          OwnerLabel(b.owner),
          b.tier,
          std::string(projections::PriorityName(b.priority)),
          b.policy,
          std::string(projections::MetricName(b.metric)),
          std::to_string(b.cycle),
          projections::FormatUtc(b.start),
          projections::FormatDurationShort(b.target_seconds),
          projections::FormatDurationShort(b.elapsed_seconds),
          std::string(projections::InstanceStateName(b.state))};
}

std::string MetricLabel(int metric_index) {
  if (metric_index >= projections::kMetricCount) return "all";
  return std::string(projections::MetricName(static_cast<projections::Metric>(metric_index)));
}

}  // namespace detail

namespace {

using detail::OwnerLabel;
using detail::ReportRow;
using detail::RowScope;
using detail::YesNo;
using projections::FormatDecimal;
using projections::FormatPercent;
using projections::FormatUtc;
using projections::GroupStats;
using projections::MetricCounts;
using projections::Report;

const MetricCounts& CountsOf(const GroupStats& g, int metric_index) {
  return metric_index < projections::kMetricCount ? g.metrics[static_cast<size_t>(metric_index)] : g.all;
}

// ---- markdown ----

std::string MdCell(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '|':
      case '\\':
      case '*':
      case '`':
      case '[':
      case ']':
      case '<':
      case '>':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out.empty() ? "-" : out;
}

class MdTable {
 public:
  // `align` per column: 'l' or 'r'.
  MdTable(std::initializer_list<std::string> header, std::string align)
      : MdTable(std::vector<std::string>(header), std::move(align)) {}
  MdTable(const std::vector<std::string>& header, std::string align) : align_(std::move(align)) {
    Row(header);
    out_ += '|';
    for (char a : align_) out_ += a == 'r' ? " ---: |" : " --- |";
    out_ += '\n';
  }
  void Row(const std::vector<std::string>& cells) {
    out_ += '|';
    for (const auto& c : cells) out_ += ' ' + MdCell(c) + " |";
    out_ += '\n';
  }
  std::string Take() { return std::move(out_) + "\n"; }

 private:
  std::string align_;
  std::string out_;
};

std::string TierLabel(const ReportRow& row) {
  if (row.scope == RowScope::kTotal) return "All tiers";
  return row.group->tier;
}
std::string OwnerCell(const ReportRow& row) {
  return row.scope == RowScope::kOwner ? OwnerLabel(row.group->owner) : "all owners";
}

std::string NoFlag(const std::optional<bool>& v) { return v && !*v ? "NO" : YesNo(v); }

}  // namespace

// Long on purpose: the report's sections in document order.
std::string RenderReportMarkdown(const Report& report) {
  const std::string objective = FormatDecimal(report.objective_percent);
  std::string out = "# SLA compliance report\n\n";
  out += "- Window: " + FormatUtc(report.from) + " to " + FormatUtc(report.to) + " (end excluded)\n";
  out += "- Evaluated as of: " + FormatUtc(report.as_of) + "\n";
  out += "- Targets: SLA objective " + objective + " % met (" + report.objective_source +
         "), CSAT >= " + FormatDecimal(projections::kCsatTargetPercent) +
         " %, churn rate <= " + FormatDecimal(projections::kChurnTargetPercent) + " %\n\n";

  out += "## Summary by tier\n\n";
  MdTable summary({"Tier", "Accounts", "At risk", "SLA instances", "Met", "Breached", "Open", "% met",
                   "Meets objective", "CSAT %", "Meets CSAT target", "Churn %", "Meets churn target"},
                  "lrrrrrrrlrlrl");
  for (const ReportRow& row : detail::OrderedRows(report)) {
    if (row.scope == RowScope::kOwner) continue;
    const GroupStats& g = *row.group;
    summary.Row({TierLabel(row), std::to_string(g.accounts), std::to_string(g.at_risk), std::to_string(g.all.instances),
                 std::to_string(g.all.met), std::to_string(g.all.breached), std::to_string(g.all.open),
                 FormatPercent(g.all.PercentMet()), NoFlag(report.MeetsObjective(g.all)),
                 FormatPercent(g.csat.Percent()), NoFlag(Report::MeetsCsat(g.csat)), FormatPercent(g.churn.Percent()),
                 NoFlag(Report::MeetsChurn(g.churn))});
  }
  out += summary.Take();

  out += "## SLA compliance by tier, owner and metric\n\n";
  MdTable sla({"Tier", "Owner", "Metric", "Instances", "Met", "Breached", "Open", "% met", "Objective %", "Meets"},
              "lllrrrrrrl");
  for (const ReportRow& row : detail::OrderedRows(report)) {
    for (int m = 0; m <= projections::kMetricCount; ++m) {
      const MetricCounts& c = CountsOf(*row.group, m);
      // Metrics without instances (no target in the policy, or nothing
      // started) only add noise; the "all" row is always shown.
      if (m < projections::kMetricCount && c.instances == 0) continue;
      sla.Row({TierLabel(row), OwnerCell(row), detail::MetricLabel(m), std::to_string(c.instances),
               std::to_string(c.met), std::to_string(c.breached), std::to_string(c.open), FormatPercent(c.PercentMet()),
               objective, NoFlag(report.MeetsObjective(c))});
    }
  }
  out += sla.Take();

  out += "## Satisfaction (CSAT) and churn by tier and owner\n\n";
  MdTable kpi({"Tier", "Owner", "Accounts", "At risk", "Answers", "Satisfied", "CSAT %", "Meets CSAT target",
               "Live in window", "Churned", "Churn %", "Meets churn target"},
              "llrrrrrlrrrl");
  for (const ReportRow& row : detail::OrderedRows(report)) {
    const GroupStats& g = *row.group;
    kpi.Row({TierLabel(row), OwnerCell(row), std::to_string(g.accounts), std::to_string(g.at_risk),
             std::to_string(g.csat.answered), std::to_string(g.csat.satisfied), FormatPercent(g.csat.Percent()),
             NoFlag(Report::MeetsCsat(g.csat)), std::to_string(g.churn.live), std::to_string(g.churn.churned),
             FormatPercent(g.churn.Percent()), NoFlag(Report::MeetsChurn(g.churn))});
  }
  out += kpi.Take();

  if (!report.by_department.empty()) {
    out += "## Department clocks by group\n\n";
    MdTable dept({"Group", "Instances", "Met", "Breached", "Open", "% met"}, "lrrrrr");
    for (const auto& d : report.by_department) {
      const MetricCounts& c = d.counts;
      dept.Row({MdCell(d.group), std::to_string(c.instances), std::to_string(c.met), std::to_string(c.breached),
                std::to_string(c.open), FormatPercent(c.PercentMet())});
    }
    out += dept.Take();
  }

  out += "## SLA breaches in the window (" + std::to_string(report.breaches.size()) + ")\n\n";
  if (report.breaches.empty()) {
    out += "None.\n\n";
  } else {
    MdTable breaches(detail::BreachColumns(), "lllllllllllrl");
    for (const auto& b : report.breaches) breaches.Row(detail::BreachCells(b));
    out += breaches.Take();
  }

  out +=
      "## Accounts at risk as of " + FormatUtc(report.as_of) + " (" + std::to_string(report.at_risk.size()) + ")\n\n";
  if (report.at_risk.empty()) {
    out += "None.\n\n";
  } else {
    MdTable risk({"Account", "Tier", "Owner", "Health score", "Reasons (signal scores)", "Renewal within 90 days"},
                 "lllrll");
    for (const auto& a : report.at_risk) {
      risk.Row({a.account_id, a.tier, OwnerLabel(a.owner), FormatPercent(a.score), detail::Reasons(a),
                a.renewal_soon ? "yes" : "no"});
    }
    out += risk.Take();
  }

  std::vector<detail::KeyAccountTable> tables = detail::KeyAccountTables(report);
  for (auto& t : detail::ScorecardTables(report)) tables.push_back(std::move(t));
  for (const auto& table : tables) {
    out += "## " + table.title + "\n\n|";
    for (const auto& h : table.header) out += ' ' + MdCell(h) + " |";
    out += "\n|";
    for (char a : table.align) out += a == 'r' ? " ---: |" : " --- |";
    out += '\n';
    for (const auto& row : table.rows) {
      out += '|';
      for (const auto& c : row) out += ' ' + MdCell(c) + " |";
      out += '\n';
    }
    out += '\n';
  }

  out += "## Notes\n\n";
  for (const auto& note : projections::ReportNotes(report)) out += "- " + note + "\n";
  return out;
}

// ---- CSV ----

namespace {

constexpr const char* kCsvColumns[] = {"section",
                                       "scope",
                                       "tier",
                                       "owner",
                                       "account",
                                       "ticket",
                                       "priority",
                                       "policy",
                                       "metric",
                                       "cycle",
                                       "instances",
                                       "met",
                                       "breached",
                                       "open",
                                       "answers",
                                       "satisfied",
                                       "live_accounts",
                                       "churned",
                                       "accounts",
                                       "at_risk",
                                       "percent",
                                       "target_percent",
                                       "meets_target",
                                       "started",
                                       "breached_at",
                                       "target_seconds",
                                       "elapsed_seconds",
                                       "state",
                                       "score",
                                       "reasons",
                                       "renewal_soon",
                                       "name",
                                       "value",
                                       "team"};
constexpr size_t kCsvColumnCount = sizeof(kCsvColumns) / sizeof(kCsvColumns[0]);

size_t ColumnIndex(std::string_view name) {
  for (size_t i = 0; i < kCsvColumnCount; ++i) {
    if (name == kCsvColumns[i]) return i;
  }
  return kCsvColumnCount;  // programmer error; caught by the golden test (the cell is dropped)
}

void AppendCsvField(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  *out += '"';
  for (char c : s) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

class CsvRow {
 public:
  explicit CsvRow(std::string section) : cells_(kCsvColumnCount) { cells_[0] = std::move(section); }
  CsvRow& Set(std::string_view column, std::string value) {
    if (size_t i = ColumnIndex(column); i < kCsvColumnCount) cells_[i] = std::move(value);
    return *this;
  }
  void AppendTo(std::string* out) const {
    for (size_t i = 0; i < cells_.size(); ++i) {
      if (i > 0) *out += ',';
      AppendCsvField(cells_[i], out);
    }
    *out += "\r\n";
  }

 private:
  std::vector<std::string> cells_;
};

std::string CsvPercent(const std::optional<double>& v) { return v ? FormatDecimal(*v) : ""; }
std::string CsvYesNo(const std::optional<bool>& v) { return v ? (*v ? "yes" : "no") : ""; }

CsvRow GroupRow(const std::string& section, const ReportRow& row) {
  static constexpr const char* kScopes[] = {"owner", "tier", "total"};
  CsvRow r(section);
  r.Set("scope", kScopes[static_cast<int>(row.scope)]);
  if (row.scope != RowScope::kTotal) r.Set("tier", row.group->tier);
  if (row.scope == RowScope::kOwner) r.Set("owner", row.group->owner);
  return r;
}

}  // namespace

// Long on purpose: the CSV sections in the same order as the Markdown ones.
std::string RenderReportCsv(const Report& report) {
  std::string out;
  for (size_t i = 0; i < kCsvColumnCount; ++i) {
    if (i > 0) out += ',';
    out += kCsvColumns[i];
  }
  out += "\r\n";
  auto meta = [&](const char* name, std::string value) {
    CsvRow("meta").Set("name", name).Set("value", std::move(value)).AppendTo(&out);
  };
  meta("from", FormatUtc(report.from));
  meta("to", FormatUtc(report.to));
  meta("as_of", FormatUtc(report.as_of));
  meta("objective_percent", FormatDecimal(report.objective_percent));
  meta("objective_source", report.objective_source);
  meta("csat_target_percent", FormatDecimal(projections::kCsatTargetPercent));
  meta("churn_target_percent", FormatDecimal(projections::kChurnTargetPercent));
  for (const auto& note : projections::ReportNotes(report)) CsvRow("note").Set("value", note).AppendTo(&out);

  const auto rows = detail::OrderedRows(report);
  for (const ReportRow& row : rows) {
    for (int m = 0; m <= projections::kMetricCount; ++m) {
      if (m == static_cast<int>(projections::Metric::kAssignment)) continue;  // reported per group below
      const MetricCounts& c = CountsOf(*row.group, m);
      GroupRow("sla", row)
          .Set("metric", detail::MetricLabel(m))
          .Set("instances", std::to_string(c.instances))
          .Set("met", std::to_string(c.met))
          .Set("breached", std::to_string(c.breached))
          .Set("open", std::to_string(c.open))
          .Set("percent", CsvPercent(c.PercentMet()))
          .Set("target_percent", FormatDecimal(report.objective_percent))
          .Set("meets_target", CsvYesNo(report.MeetsObjective(c)))
          .AppendTo(&out);
    }
  }
  for (const ReportRow& row : rows) {
    const GroupStats& g = *row.group;
    GroupRow("csat", row)
        .Set("answers", std::to_string(g.csat.answered))
        .Set("satisfied", std::to_string(g.csat.satisfied))
        .Set("percent", CsvPercent(g.csat.Percent()))
        .Set("target_percent", FormatDecimal(projections::kCsatTargetPercent))
        .Set("meets_target", CsvYesNo(Report::MeetsCsat(g.csat)))
        .AppendTo(&out);
  }
  for (const ReportRow& row : rows) {
    const GroupStats& g = *row.group;
    GroupRow("churn", row)
        .Set("live_accounts", std::to_string(g.churn.live))
        .Set("churned", std::to_string(g.churn.churned))
        .Set("percent", CsvPercent(g.churn.Percent()))
        .Set("target_percent", FormatDecimal(projections::kChurnTargetPercent))
        .Set("meets_target", CsvYesNo(Report::MeetsChurn(g.churn)))
        .AppendTo(&out);
  }
  for (const ReportRow& row : rows) {
    GroupRow("accounts", row)
        .Set("accounts", std::to_string(row.group->accounts))
        .Set("at_risk", std::to_string(row.group->at_risk))
        .AppendTo(&out);
  }
  for (const auto& d : report.by_department) {
    CsvRow("department")
        .Set("name", d.group)
        .Set("metric", std::string(projections::MetricName(projections::Metric::kAssignment)))
        .Set("instances", std::to_string(d.counts.instances))
        .Set("met", std::to_string(d.counts.met))
        .Set("breached", std::to_string(d.counts.breached))
        .Set("open", std::to_string(d.counts.open))
        .Set("percent", CsvPercent(d.counts.PercentMet()))
        .AppendTo(&out);
  }
  for (const auto& b : report.breaches) {
    CsvRow("breach")
        .Set("tier", b.tier)
        .Set("owner", b.owner)
        .Set("account", b.account_id)
        .Set("ticket", b.ticket_id)
        .Set("priority", std::string(projections::PriorityName(b.priority)))
        .Set("policy", b.policy)
        .Set("metric", std::string(projections::MetricName(b.metric)))
        .Set("cycle", std::to_string(b.cycle))
        .Set("started", FormatUtc(b.start))
        .Set("breached_at", FormatUtc(b.breach_at))
        .Set("target_seconds", std::to_string(b.target_seconds))
        .Set("elapsed_seconds", std::to_string(b.elapsed_seconds))
        .Set("state", std::string(projections::InstanceStateName(b.state)))
        .AppendTo(&out);
  }
  for (const auto& a : report.at_risk) {
    CsvRow("at_risk")
        .Set("tier", a.tier)
        .Set("owner", a.owner)
        .Set("account", a.account_id)
        .Set("score", FormatDecimal(a.score))
        .Set("reasons", detail::Reasons(a))
        .Set("renewal_soon", a.renewal_soon ? "yes" : "no")
        .AppendTo(&out);
  }
  for (const auto& k : detail::KeyAccountCsvRows(report)) {
    CsvRow(k.section)
        .Set("tier", k.tier)
        .Set("owner", k.owner)
        .Set("name", k.name)
        .Set("value", k.value)
        .AppendTo(&out);
  }
  for (const auto& k : detail::ScorecardCsvRows(report)) {
    CsvRow("scorecard")
        .Set("scope", k.scope)
        .Set("owner", k.owner)
        .Set("team", k.team)
        .Set("name", k.name)
        .Set("value", k.value)
        .AppendTo(&out);
  }
  return out;
}

}  // namespace slamon::daemon
