#include "daemon/api/scorecard_pages.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "daemon/api/page_chrome.h"
#include "daemon/api/trend_charts.h"
#include "daemon/http/http_server.h"
#include "projections/report/report.h"

namespace slamon::daemon {
namespace {

using projections::AccountRecord;
using projections::FormatPercent;
using projections::FormatUtc;
using projections::Scorecard;
using projections::TrendDimension;

std::string Median(const std::optional<int64_t>& seconds) {
  return seconds ? projections::FormatDurationShort(*seconds) : "n/a";
}

std::optional<bool> Meets(const std::optional<double>& pct, double target) {
  if (!pct) return std::nullopt;
  return *pct + 1e-9 >= target;
}

HtmlCell Percent(const std::optional<double>& v, std::optional<double> target = std::nullopt) {
  return {FormatPercent(v), target ? "num " + HtmlFlagClass(Meets(v, *target)) : std::string("num")};
}

HtmlCell Count(int64_t v, bool bad_when_positive = false) {
  return {std::to_string(v), bad_when_positive && v > 0 ? "num no" : "num"};
}

// Links to several owners or teams in one cell.
HtmlCell Links(const std::vector<std::string>& names, TrendDimension to) {
  std::vector<std::pair<std::string, std::string>> links;
  links.reserve(names.size());
  for (const auto& n : names) links.emplace_back(n, to == TrendDimension::kOwner ? OwnerHref(n) : TeamHref(n));
  return HtmlCell::Links(std::move(links), "links");
}

std::string NpsText(const projections::NpsCounts& nps) { return FormatPercent(nps.Score()); }

std::string Cards(const Scorecard& c, double objective) {
  const std::string objective_text = projections::FormatDecimal(objective);
  std::string out = "<div class=\"cards\">\n";
  out += HtmlCard("First response met", FormatPercent(c.FirstResponsePercent()) + " %",
                  std::to_string(c.first_response_met) + " met, " + std::to_string(c.first_response_breached) +
                      " breached; objective " + objective_text + " %",
                  Meets(c.FirstResponsePercent(), objective));
  out += HtmlCard("Resolution met", FormatPercent(c.ResolutionPercent()) + " %",
                  std::to_string(c.resolution_met) + " met, " + std::to_string(c.resolution_breached) + " breached",
                  Meets(c.ResolutionPercent(), objective));
  out += HtmlCard("Median first response", Median(c.median_first_response_seconds),
                  "business time, " + std::to_string(c.first_responses) + " answered", std::nullopt);
  out += HtmlCard("CSAT", FormatPercent(c.csat.Percent()) + " %",
                  std::to_string(c.csat.satisfied) + " of " + std::to_string(c.csat.answered) + " satisfied",
                  Meets(c.csat.Percent(), projections::kCsatTargetPercent));
  out += HtmlCard("NPS", NpsText(c.nps), std::to_string(c.nps.answered) + " answers", std::nullopt);
  out += HtmlCard("Accounts at risk", std::to_string(c.at_risk), "of " + std::to_string(c.accounts) + " live accounts",
                  c.at_risk == 0);
  out += HtmlCard("Overdue follow-ups", std::to_string(c.followups_overdue), "accounts past their cadence",
                  c.followups_overdue == 0);
  return out + "</div>\n";
}

std::string AccountTable(const std::vector<AccountRecord>& accounts, size_t max_rows) {
  if (accounts.empty()) return EmptyNote("No account has this owner now.");
  std::vector<const AccountRecord*> sorted;
  sorted.reserve(accounts.size());
  for (const auto& a : accounts) sorted.push_back(&a);
  // The ones needing attention first: at risk, then by health score.
  std::sort(sorted.begin(), sorted.end(), [](const AccountRecord* a, const AccountRecord* b) {
    return std::make_tuple(a->churned, a->health_score.value_or(101), std::string_view(a->account_id)) <
           std::make_tuple(b->churned, b->health_score.value_or(101), std::string_view(b->account_id));
  });
  HtmlTable t({"Account", "Tier", "Team", "Health", "Score", "CSAT 90 d %", "Follow-up overdue (days)"});
  size_t shown = 0;
  for (const AccountRecord* a : sorted) {
    if (shown++ >= max_rows) break;
    const auto& overdue = a->value.followup_overdue_days;
    t.Row({{a->account_id, "acct", "/api/v1/accounts/" + UrlPathSegment(a->account_id)},
           {a->tier, ""},
           TeamCell(a->team),
           {std::string(projections::HealthLevelName(a->level)),
            a->level == projections::HealthLevel::kAtRisk ? "no" : ""},
           {FormatPercent(a->health_score), "num"},
           {FormatPercent(a->csat_90d), "num"},
           {overdue && *overdue > 0 ? FormatPercent(*overdue) : "-", overdue && *overdue > 0 ? "num warn" : "num"}});
  }
  if (sorted.size() > max_rows) t.Note("… and " + std::to_string(sorted.size() - max_rows) + " more");
  return Scrollable(t.Take());
}

}  // namespace

std::string ScorecardTable(const std::vector<Scorecard>& cards, TrendDimension by, double objective_percent,
                           size_t max_rows) {
  const bool owners = by == TrendDimension::kOwner;
  HtmlTable t({owners ? "Owner" : "Team", owners ? "Teams" : "Owners", "Accounts", "First response met %",
               "Resolution met %", "Median first response", "CSAT %", "NPS", "At risk", "Overdue follow-ups"});
  size_t shown = 0;
  for (const Scorecard& c : cards) {
    if (shown++ >= max_rows) break;
    t.Row({owners ? OwnerCell(c.name) : TeamCell(c.name),
           c.related.empty() ? HtmlCell{"-", ""}
                             : Links(c.related, owners ? TrendDimension::kTeam : TrendDimension::kOwner),
           Count(c.accounts),
           Percent(c.FirstResponsePercent(), objective_percent),
           Percent(c.ResolutionPercent(), objective_percent),
           {Median(c.median_first_response_seconds), "num"},
           Percent(c.csat.Percent(), projections::kCsatTargetPercent),
           {NpsText(c.nps), "num"},
           Count(c.at_risk, true),
           Count(c.followups_overdue, true)});
  }
  if (cards.size() > max_rows) t.Note("… and " + std::to_string(cards.size() - max_rows) + " more");
  return Scrollable(t.Take());
}

std::string RenderScorecardPage(const ScorecardPage& p, size_t max_rows) {
  const bool owner = p.by == TrendDimension::kOwner;
  const std::string what = owner ? "Owner" : "Team";
  const std::string weeks = std::to_string(p.trends.weeks.size());
  std::string out = PageStart(what + " " + p.name + " · slamon console", what + ": " + p.name, kChartStyle);
  std::string related;
  for (const auto& r : p.card.related) {
    related += std::string(related.empty() ? "" : ", ") + "<a href=\"" +
               HtmlEscape(owner ? TeamHref(r) : OwnerHref(r)) + "\">" + HtmlEscape(r) + "</a>";
  }
  out += "<p class=\"meta links\">" + std::string(owner ? "Teams: " : "Owners: ") +
         (related.empty() ? "none" : related) + "</p>\n";
  out += "<p class=\"meta\">SLA, CSAT and NPS figures: the last " + weeks + " ISO weeks (UTC) up to " +
         HtmlEscape(FormatUtc(p.trends.as_of)) + ", each counted under the " + (owner ? "owner" : "team") +
         " of its instant; accounts as of " + HtmlEscape(FormatUtc(p.accounts_as_of)) + ". This page reloads every " +
         std::to_string(kConsoleRefreshSeconds) + " s.</p>\n";
  out += Cards(p.card, p.objective_percent);
  out += SectionHeading("Trends, last " + weeks + " weeks", "trends");
  out += TrendCharts(p.trends, p.objective_percent);
  const std::string id = UrlPathSegment(p.name);
  if (owner) {
    out += SectionHeading("Accounts (" + std::to_string(p.accounts.size()) + ")", "accounts");
    out += AccountTable(p.accounts, max_rows);
    out += PageEnd({{"/api/v1/owners/" + id, "/api/v1/owners/" + id},
                    {"/api/v1/trends?account_owner=" + id, "/api/v1/trends?account_owner=…"}},
                   p.metrics_link);
  } else {
    out += SectionHeading("Owners (" + std::to_string(p.owners.size()) + ")", "owners");
    out += p.owners.empty() ? EmptyNote("No owner in this team.")
                            : ScorecardTable(p.owners, TrendDimension::kOwner, p.objective_percent, max_rows);
    out += PageEnd(
        {{"/api/v1/teams/" + id, "/api/v1/teams/" + id}, {"/api/v1/trends?team=" + id, "/api/v1/trends?team=…"}},
        p.metrics_link);
  }
  return out;
}

namespace {

HttpResponse ErrorPage(int status, const std::string& title, const std::string& message) {
  return HtmlPageResponse(status, PageStart(title, title) + "<p>" + HtmlEscape(message) + "</p>\n" + PageEnd({}));
}

HttpResponse ServePage(const TrendsSource& source, TrendDimension by, std::string_view prefix, const HttpRequest& req) {
  const bool owner = by == TrendDimension::kOwner;
  const std::string what = owner ? "Owner" : "Team";
  const std::string name = req.path.substr(prefix.size());
  int weeks = projections::kDefaultTrendWeeks;
  for (const auto& [key, value] : req.params) {
    std::string error = key == "weeks" ? "" : "unknown query parameter '" + key + "' (expected weeks)";
    if (error.empty() && req.params.count(key) > 1) error = "query parameter 'weeks' given more than once";
    if (error.empty()) {
      if (auto n = ParseWeeks(value, &error)) weeks = *n;
    }
    if (!error.empty()) return ErrorPage(400, "Bad request", error);
  }
  if (!source.series || !source.scorecards || !source.accounts || !source.known) {
    return ErrorPage(503, "slamon console", "Data not available yet.");
  }
  try {
    // Outside the caller's scope: the page of an unknown name, word for word.
    if (name.empty() || !source.known(by, name) || !ScopeAllowsName(source, req.scope, by, name, weeks)) {
      return ErrorPage(
          404, what + " not found",
          "No " + (owner ? std::string("account owner") : "team") + " '" + name + "' is known to this daemon.");
    }
    projections::TrendFilter filter;
    (owner ? filter.owner : filter.team) = name;
    ScopeTrendFilter(req.scope, &filter);  // cannot conflict: ScopeAllowsName held
    ScorecardPage page;
    page.by = by;
    page.name = name;
    page.metrics_link = req.scope.SeesMetrics();
    page.objective_percent = projections::kDefaultSlaObjectivePercent;
    page.trends = source.series(filter, weeks);
    if (page.trends.weeks.empty()) return ReplayingPage(what + " " + name);
    ApiData<Scorecard> cards = source.scorecards(by, filter, weeks);
    page.accounts_as_of = cards.as_of;
    for (auto& c : cards.items) {
      if (c.name == name) page.card = std::move(c);
    }
    page.card.name = name;
    if (owner) {
      page.accounts = source.accounts(filter).items;
    } else {
      page.owners = source.scorecards(TrendDimension::kOwner, filter, weeks).items;
    }
    return HtmlPageResponse(200, RenderScorecardPage(page));
  } catch (const std::exception& e) {
    return ErrorPage(503, "slamon console", std::string("Data not available: ") + e.what());
  }
}

}  // namespace

void RegisterScorecardPages(HttpServer& server, TrendsSource source) {
  auto shared = std::make_shared<const TrendsSource>(std::move(source));
  server.Get("/owners/*",
             [shared](const HttpRequest& req) { return ServePage(*shared, TrendDimension::kOwner, "/owners/", req); });
  server.Get("/teams/*",
             [shared](const HttpRequest& req) { return ServePage(*shared, TrendDimension::kTeam, "/teams/", req); });
}

}  // namespace slamon::daemon
