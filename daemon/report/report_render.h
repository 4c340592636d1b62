// Renderers of the compliance report (projections::Report) for
// `slamon report --format md|csv|html`. Pure functions of the report: the
// same report gives the same bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "projections/report/report.h"

namespace slamon::daemon {

/// Markdown: a title, the targets, summary and detail tables per tier and
/// owner, the breach list, the accounts at risk and the notes (definitions).
/// Table cells escape `|`, `\`, `*`, backquotes, brackets and angle brackets.
std::string RenderReportMarkdown(const projections::Report& report);

/// CSV (RFC 4180: CRLF line ends, fields quoted when they hold `,`, `"`, CR
/// or LF, quotes doubled): one table with a header row; the `section` column
/// says what a row is (meta, note, sla, csat, churn, accounts, breach,
/// at_risk) and `scope` whether a group row is one (tier, owner), a tier or
/// the total. Columns that do not apply to a section are empty, as are
/// undefined percentages. Percentages have up to 6 decimals. The key-account
/// sections (value, followup, nps, churn_reason, complaint) are name/value
/// rows (daemon/report/report_key_accounts.h), as are the scorecards
/// (section scorecard, scope owner or team, the team in the last column
/// `team`; daemon/report/report_scorecards.h).
std::string RenderReportCsv(const projections::Report& report);

/// One self-contained HTML5 document: inline CSS and inline SVG bar charts
/// (% met per tier and metric against the objective, CSAT and churn per tier
/// against their targets), the same tables as markdown; no scripts, no
/// external references. All text is HTML-escaped.
std::string RenderReportHtml(const projections::Report& report);

namespace detail {

enum class RowScope { kOwner, kTier, kTotal };
struct ReportRow {
  const projections::GroupStats* group;
  RowScope scope;
};
/// Group rows in report order: per tier its (tier, owner) rows then the
/// tier's subtotal; the total last.
std::vector<ReportRow> OrderedRows(const projections::Report& report);
/// How an owner is shown to people: "(none)" for "".
std::string OwnerLabel(const std::string& owner);
/// "yes", "no" or "n/a".
std::string YesNo(const std::optional<bool>& v);
/// "csat 40.0, silence 0.0": the top signals with their scores (one decimal).
std::string Reasons(const projections::AtRiskRow& row);
/// "first_response", ..., or "all" for the combined row.
std::string MetricLabel(int metric_index);
/// The breach list's columns and one breach's cells, the same in every format.
const std::vector<std::string>& BreachColumns();
std::vector<std::string> BreachCells(const projections::BreachRow& b);

}  // namespace detail
}  // namespace slamon::daemon
