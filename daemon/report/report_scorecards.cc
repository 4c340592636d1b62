#include "daemon/report/report_scorecards.h"

#include <string>

namespace slamon::daemon::detail {
namespace {

using projections::FormatDecimal;
using projections::FormatPercent;
using projections::Scorecard;

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "-" : out;
}

std::string Median(const Scorecard& c) {
  return c.median_first_response_seconds ? projections::FormatDurationShort(*c.median_first_response_seconds) : "n/a";
}

KeyAccountTable Table(const std::vector<Scorecard>& cards, bool owners) {
  KeyAccountTable t{owners ? "Scorecards by owner" : "Scorecards by team",
                    {owners ? "Owner" : "Team", owners ? "Teams" : "Owners", "Accounts", "First response % met",
                     "Resolution % met", "Median first response", "CSAT %", "NPS", "At risk", "Overdue follow-ups"},
                    "llrrrrrrrr",
                    {}};
  for (const Scorecard& c : cards) {
    t.rows.push_back({c.name.empty() ? "(none)" : c.name, Joined(c.related), std::to_string(c.accounts),
                      FormatPercent(c.FirstResponsePercent()), FormatPercent(c.ResolutionPercent()), Median(c),
                      FormatPercent(c.csat.Percent()), FormatPercent(c.nps.Score()), std::to_string(c.at_risk),
                      std::to_string(c.followups_overdue)});
  }
  return t;
}

std::string Optional(const std::optional<double>& v) { return v ? FormatDecimal(*v) : ""; }

}  // namespace

std::vector<KeyAccountTable> ScorecardTables(const projections::Report& report) {
  return {Table(report.scorecards.by_owner, true), Table(report.scorecards.by_team, false)};
}

std::vector<ScorecardCsvRow> ScorecardCsvRows(const projections::Report& report) {
  std::vector<ScorecardCsvRow> out;
  for (bool owners : {true, false}) {
    for (const Scorecard& c : owners ? report.scorecards.by_owner : report.scorecards.by_team) {
      auto row = [&](const char* name, std::string value) {
        out.push_back({owners ? "owner" : "team", owners ? c.name : "", owners ? "" : c.name, name, std::move(value)});
      };
      row("accounts", std::to_string(c.accounts));
      row("first_response_met", std::to_string(c.first_response_met));
      row("first_response_breached", std::to_string(c.first_response_breached));
      row("first_response_percent_met", Optional(c.FirstResponsePercent()));
      row("resolution_met", std::to_string(c.resolution_met));
      row("resolution_breached", std::to_string(c.resolution_breached));
      row("resolution_percent_met", Optional(c.ResolutionPercent()));
      row("first_responses", std::to_string(c.first_responses));
      row("median_first_response_seconds",
          c.median_first_response_seconds ? std::to_string(*c.median_first_response_seconds) : "");
      row("csat_answers", std::to_string(c.csat.answered));
      row("csat_satisfied", std::to_string(c.csat.satisfied));
      row("csat_percent", Optional(c.csat.Percent()));
      row("nps_answers", std::to_string(c.nps.answered));
      row("nps", Optional(c.nps.Score()));
      row("at_risk", std::to_string(c.at_risk));
      row("followups_overdue", std::to_string(c.followups_overdue));
    }
  }
  return out;
}

}  // namespace slamon::daemon::detail
