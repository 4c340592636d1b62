#include "daemon/api/console.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "daemon/api/page_chrome.h"
#include "daemon/api/scorecard_pages.h"
#include "daemon/api/trend_charts.h"
#include "daemon/http/html.h"
#include "daemon/http/http_server.h"
#include "projections/report/report.h"

namespace slamon::daemon {
namespace {

using projections::AccountRecord;
using projections::FormatDurationShort;
using projections::FormatPercent;
using projections::FormatUtc;
using projections::RiskLevel;

HtmlCell AccountCell(const std::string& account_id) {
  return {account_id, "acct", "/api/v1/accounts/" + UrlPathSegment(account_id)};
}
HtmlCell Text(std::string s) { return {std::move(s), "", ""}; }
HtmlCell Count(int64_t v) { return {std::to_string(v), "num", ""}; }

// "in 12m" / "3h 5m ago" relative to the page's instant.
std::string Relative(int64_t when, int64_t now) {
  if (when >= now) return "in " + FormatDurationShort(when - now);
  return FormatDurationShort(now - when) + " ago";
}

std::string MetricText(const BreachItem& b) {
  std::string s(projections::MetricName(b.metric));
  if (b.cycle > 1) s += " #" + std::to_string(b.cycle);
  if (!b.group.empty()) s += " (" + b.group + ")";
  return s;
}

std::string EscalationText(const BreachItem& b) {
  if (!b.escalation) return "-";
  return b.escalated_at ? *b.escalation + " (" + FormatUtc(*b.escalated_at) + ")" : *b.escalation;
}

std::string Days(double d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", d);
  return buf;
}

// "… and N more", naming where the whole list is.
void More(HtmlTable& table, size_t total, size_t shown, std::string_view endpoint) {
  if (total > shown) {
    table.Note("… and " + std::to_string(total - shown) + " more (the full list: " + std::string(endpoint) + ")");
  }
}

std::string Section(const std::string& title, size_t count) {
  return SectionHeading(title + " (" + std::to_string(count) + ")");
}

std::string Empty(std::string_view text) { return EmptyNote(text); }

// The owners of a tier's accounts, as links.
HtmlCell OwnerLinks(const std::vector<std::string>& owners) {
  if (owners.empty()) return {"-", ""};
  std::vector<std::pair<std::string, std::string>> links;
  links.reserve(owners.size());
  for (const auto& o : owners) links.emplace_back(NameOrNone(o), o.empty() ? std::string() : OwnerHref(o));
  return HtmlCell::Links(std::move(links), "links");
}

// Whether a compliance reaches the objective (undefined without a verdict);
// the epsilon keeps 95.0 from failing 95 by binary rounding.
std::optional<bool> Meets(const std::optional<double>& pct, double objective) {
  if (!pct) return std::nullopt;
  return *pct + 1e-9 >= objective;
}

ConsoleTier Total(const std::vector<ConsoleTier>& tiers) {
  ConsoleTier total;
  total.tier = "All tiers";
  for (const ConsoleTier& c : tiers) {
    total.running += c.running;
    total.warning += c.warning;
    total.running_breached += c.running_breached;
    total.met += c.met;
    total.breached += c.breached;
  }
  return total;
}

std::string TierTable(const ConsoleSnapshot& s, size_t max_rows) {
  if (s.tiers.empty()) return Empty("No tickets yet.");
  HtmlTable t({"Tier", "Running", "Warning", "Breached now", "Met", "Breached", "Compliance %", "Owners"});
  size_t shown = 0;
  auto cells = [&](const ConsoleTier& c) {
    const std::optional<double> pct = c.PercentMet();
    const std::string cls = "num " + HtmlFlagClass(Meets(pct, s.objective_percent));
    return std::vector<HtmlCell>{Text(c.tier),
                                 Count(c.running),
                                 {std::to_string(c.warning), c.warning > 0 ? "num warn" : "num", ""},
                                 {std::to_string(c.running_breached), c.running_breached > 0 ? "num no" : "num", ""},
                                 Count(c.met),
                                 Count(c.breached),
                                 {FormatPercent(pct), cls, ""},
                                 OwnerLinks(c.owners)};
  };
  for (const ConsoleTier& c : s.tiers) {
    if (shown++ >= max_rows) break;
    t.Row(cells(c));
  }
  More(t, s.tiers.size(), std::min(s.tiers.size(), max_rows), "/metrics");
  if (s.tiers.size() > 1) t.Row(cells(Total(s.tiers)), true);
  return Scrollable(t.Take());
}

// Breached (`breached` true) or warning instances of the snapshot.
std::string BreachTable(const ConsoleSnapshot& s, bool breached, size_t max_rows) {
  const bool want = breached;
  auto is = [want](const BreachItem& b) { return (b.level == RiskLevel::kBreached) == want; };
  const auto total = static_cast<size_t>(std::count_if(s.breaches.begin(), s.breaches.end(), is));
  std::string out = Section(breached ? "Breached SLA clocks" : "Warnings: close to their target", total);
  if (total == 0) return out + Empty(breached ? "No running SLA clock is past its target." : "No warnings.");
  HtmlTable t({"Ticket", "Account", "Owner", "Tier", "Priority", "Metric", breached ? "Breached at" : "Due at",
               breached ? "Since" : "Due", "Elapsed / target", "Escalation step"});
  size_t shown = 0;
  for (const BreachItem& b : s.breaches) {
    if (!is(b) || shown >= max_rows) continue;
    ++shown;
    const std::optional<int64_t>& when = breached ? b.breach_at : b.due_at;
    t.Row({{b.ticket_id, "", "/tickets/" + UrlPathSegment(b.ticket_id)},
           AccountCell(b.account_id),
           OwnerCell(b.account_owner),
           Text(b.tier),
           Text(std::string(projections::PriorityName(b.priority))),
           Text(MetricText(b)),
           Text(when ? FormatUtc(*when) : "paused"),
           {when ? Relative(*when, s.as_of) : "-", breached ? "no" : "warn", ""},
           Text(FormatDurationShort(b.elapsed_seconds) + " / " + FormatDurationShort(b.target_seconds)),
           {EscalationText(b), "wrap", ""}});
  }
  More(t, total, shown, "/api/v1/breaches");
  return out + Scrollable(t.Take());
}

std::string TopSignals(const AccountRecord& r) {
  std::string out;
  for (auto sig : r.top_signals) {
    if (!out.empty()) out += ", ";
    out += std::string(projections::HealthSignalName(sig));
    if (r.signals) out += " " + FormatPercent((*r.signals)[sig]);
  }
  return out.empty() ? "-" : out;
}

std::string AtRiskTable(const ConsoleSnapshot& s, size_t max_rows) {
  std::string out = Section("Accounts at risk", s.at_risk.size());
  if (s.at_risk.empty()) return out + Empty("No account is at risk.");
  HtmlTable t(
      {"Account", "Tier", "Owner", "Health score", "Top signals (score)", "CSAT 30 d %", "Renewal within 90 d"});
  size_t shown = 0;
  for (const AccountRecord& r : s.at_risk) {
    if (shown++ >= max_rows) break;
    t.Row({AccountCell(r.account_id),
           Text(r.tier),
           OwnerCell(r.owner),
           {FormatPercent(r.health_score), "num no", ""},
           Text(TopSignals(r)),
           {FormatPercent(r.csat_30d), "num", ""},
           Text(r.renewal_soon ? "yes" : "no")});
  }
  More(t, s.at_risk.size(), std::min(s.at_risk.size(), max_rows), "/api/v1/accounts/at-risk");
  return out + Scrollable(t.Take());
}

std::string FollowupTable(const ConsoleSnapshot& s, size_t max_rows) {
  std::string out = Section("Overdue follow-ups", s.followups.size());
  if (s.followups.empty()) return out + Empty("No follow-up is overdue.");
  HtmlTable t({"Account", "Tier", "Owner", "Overdue (days)", "Cadence (days)", "Last touch"});
  size_t shown = 0;
  for (const AccountRecord& r : s.followups) {
    if (shown++ >= max_rows) break;
    const auto& v = r.value;
    t.Row({AccountCell(r.account_id),
           Text(r.tier),
           OwnerCell(r.owner),
           {Days(v.followup_overdue_days.value_or(0)), "num warn", ""},
           {v.cadence_seconds ? Days(static_cast<double>(*v.cadence_seconds) / projections::kDaySeconds) : "-", "num",
            ""},
           Text(v.followup_reference ? FormatUtc(*v.followup_reference) : "-")});
  }
  More(t, s.followups.size(), std::min(s.followups.size(), max_rows), "/api/v1/accounts/followup-overdue");
  return out + Scrollable(t.Take());
}

std::string Cards(const ConsoleSnapshot& s) {
  const ConsoleTier all = Total(s.tiers);
  const std::optional<double> pct = all.PercentMet();
  std::string out = "<div class=\"cards\">\n";
  out += HtmlCard("SLA compliance", FormatPercent(pct) + " %",
                  std::to_string(all.met) + " met, " + std::to_string(all.breached) + " breached; objective " +
                      projections::FormatDecimal(s.objective_percent) + " %",
                  Meets(pct, s.objective_percent));
  out += HtmlCard("Breached now", std::to_string(all.running_breached), "running clocks past their target",
                  all.running_breached == 0);
  out += HtmlCard("Warnings", std::to_string(all.warning), "running clocks close to their target", all.warning == 0);
  out += HtmlCard("Accounts at risk", std::to_string(s.at_risk.size()), "health level at_risk", s.at_risk.empty());
  out += HtmlCard("Overdue follow-ups", std::to_string(s.followups.size()), "accounts past their cadence",
                  s.followups.empty());
  return out + "</div>\n";
}

// The trends of every tier, and the owners' and teams' scorecards.
std::string TrendSections(const ConsoleSnapshot& s, size_t max_rows) {
  std::string out =
      SectionHeading("Trends by tier, last " + std::to_string(projections::kDefaultTrendWeeks) + " weeks", "trends");
  out +=
      "<p class=\"meta\">ISO weeks in UTC, the current one so far. SLA clocks count in the week of their "
      "verdict (met: when stopped, breached: when the target passed), per the tier at the ticket's open.</p>\n";
  if (s.tier_trends.empty()) out += Empty("No trends yet.");
  for (const auto& [tier, series] : s.tier_trends) {
    out += "<h3>Tier " + HtmlEscape(tier) + "</h3>\n" + TrendCharts(series, s.objective_percent);
  }
  out += SectionHeading("Owners (" + std::to_string(s.owners.size()) + ")", "owners");
  out += s.owners.empty()
             ? Empty("No account owner yet.")
             : ScorecardTable(s.owners, projections::TrendDimension::kOwner, s.objective_percent, max_rows);
  out += SectionHeading("Teams (" + std::to_string(s.teams.size()) + ")", "teams");
  out += s.teams.empty() ? Empty("No team yet.")
                         : ScorecardTable(s.teams, projections::TrendDimension::kTeam, s.objective_percent, max_rows);
  return out;
}

}  // namespace

std::optional<double> ConsoleTier::PercentMet() const {
  if (met + breached == 0) return std::nullopt;
  return 100.0 * static_cast<double>(met) / static_cast<double>(met + breached);
}

std::vector<ConsoleTier> ConsoleTiers(const projections::SlaSnapshot& sla) {
  std::map<std::string, ConsoleTier> by_tier;
  auto at = [&](const std::string& tier) -> ConsoleTier& {
    ConsoleTier& t = by_tier[tier];
    t.tier = tier;
    return t;
  };
  for (const std::string& tier : sla.tiers) at(tier);
  for (const auto& [key, n] : sla.open) {
    ConsoleTier& t = at(std::get<0>(key));
    t.running += n;
    if (std::get<3>(key) == RiskLevel::kWarning) t.warning += n;
    if (std::get<3>(key) == RiskLevel::kBreached) t.running_breached += n;
  }
  for (const auto& [key, n] : sla.completed) {
    if (!std::get<2>(key)) at(std::get<0>(key)).met += n;
  }
  for (const auto& [key, n] : sla.breaches) at(std::get<0>(key)).breached += n;
  std::vector<ConsoleTier> out;
  out.reserve(by_tier.size());
  for (auto& [tier, t] : by_tier) out.push_back(std::move(t));
  return out;
}

ConsoleSnapshot MakeConsoleSnapshot(const projections::SlaSnapshot& sla, const std::vector<AccountRecord>& accounts,
                                    std::vector<BreachItem> breaches, int64_t as_of) {
  ConsoleSnapshot s;
  s.as_of = as_of;
  s.tiers = ConsoleTiers(sla);
  s.breaches = std::move(breaches);
  std::map<std::string, std::set<std::string>> owners;  // by tier
  for (const AccountRecord& r : accounts) {
    if (r.level == projections::HealthLevel::kAtRisk) s.at_risk.push_back(r);
    if (!r.churned && r.value.followup_overdue_days && *r.value.followup_overdue_days > 0) s.followups.push_back(r);
    if (!r.churned) owners[r.tier].insert(r.owner);
  }
  for (ConsoleTier& t : s.tiers) t.owners.assign(owners[t.tier].begin(), owners[t.tier].end());
  std::sort(s.at_risk.begin(), s.at_risk.end(), [](const AccountRecord& a, const AccountRecord& b) {
    return std::make_tuple(a.health_score.value_or(0), std::string_view(a.account_id)) <
           std::make_tuple(b.health_score.value_or(0), std::string_view(b.account_id));
  });
  std::sort(s.followups.begin(), s.followups.end(), [](const AccountRecord& a, const AccountRecord& b) {
    return std::make_tuple(-*a.value.followup_overdue_days, std::string_view(a.account_id)) <
           std::make_tuple(-*b.value.followup_overdue_days, std::string_view(b.account_id));
  });
  return s;
}

void AddConsoleTrends(const TrendsSource& trends, ConsoleSnapshot* s) {
  const int weeks = projections::kDefaultTrendWeeks;
  for (const ConsoleTier& t : s->tiers) {
    s->tier_trends.emplace_back(t.tier, trends.series({.tier = t.tier}, weeks));
  }
  s->owners = trends.scorecards(projections::TrendDimension::kOwner, {}, weeks).items;
  s->teams = trends.scorecards(projections::TrendDimension::kTeam, {}, weeks).items;
}

std::string RenderConsole(const ConsoleSnapshot& s, size_t max_rows) {
  std::string out = PageStart("slamon console", "slamon console", kChartStyle);
  out += "<p class=\"meta\">As of " + HtmlEscape(FormatUtc(s.as_of)) + "; this page reloads every " +
         std::to_string(kConsoleRefreshSeconds) + " s.</p>\n";
  if (s.replaying) {
    out +=
        "<div class=\"banner\">The daemon is replaying its event store; the console fills in when that is "
        "done.</div>\n";
  } else {
    out += Cards(s);
    out += SectionHeading("SLA by tier");
    out +=
        "<p class=\"meta\">Running: SLA clocks still ticking. Met and breached: since the store's first event; "
        "compliance = met / (met + breached).</p>\n";
    out += TierTable(s, max_rows);
    out += BreachTable(s, true, max_rows);
    out += BreachTable(s, false, max_rows);
    out += AtRiskTable(s, max_rows);
    out += FollowupTable(s, max_rows);
    out += TrendSections(s, max_rows);
  }
  return out + PageEnd({{"/api/v1/breaches", "/api/v1/breaches"},
                        {"/api/v1/accounts/at-risk", "/api/v1/accounts/at-risk"},
                        {"/api/v1/accounts/followup-overdue", "/api/v1/accounts/followup-overdue"},
                        {"/api/v1/trends", "/api/v1/trends"}});
}

void RegisterConsole(HttpServer& server, ConsoleSources sources) {
  auto shared = std::make_shared<const ConsoleSources>(std::move(sources));
  server.Get("/", [shared](const HttpRequest&) {
    try {
      auto sla = shared->sla ? shared->sla() : nullptr;
      if (!sla) {
        ConsoleSnapshot starting;
        starting.as_of = static_cast<int64_t>(std::time(nullptr));
        starting.replaying = true;
        return HtmlPageResponse(503, RenderConsole(starting));
      }
      if (!shared->api.accounts || !shared->api.breaches) throw std::runtime_error("no data providers");
      ApiData<BreachItem> breaches = shared->api.breaches();
      ApiData<AccountRecord> accounts = shared->api.accounts();
      ConsoleSnapshot s = MakeConsoleSnapshot(*sla, accounts.items, std::move(breaches.items), breaches.as_of);
      const TrendsSource& trends = shared->trends;
      if (trends.series && trends.scorecards) AddConsoleTrends(trends, &s);
      return HtmlPageResponse(200, RenderConsole(s));
    } catch (const std::exception& e) {
      return HtmlPageResponse(503, PageStart("slamon console", "slamon console") +
                                       "<p>Data not available: " + HtmlEscape(e.what()) + "</p>\n" + PageEnd({}));
    }
  });
}

}  // namespace slamon::daemon
