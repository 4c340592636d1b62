#include "projections/report/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>
#include <utility>

namespace slamon::projections {
namespace {

// Comparisons of ratios against percentage targets: exact for integer
// targets, and a target like 95 is not missed by binary rounding of 19/20.
constexpr double kEpsilon = 1e-9;

std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) * 100.0 / static_cast<double>(den);
}

}  // namespace

std::optional<double> MetricCounts::PercentMet() const { return Ratio(met, met + breached); }

MetricCounts& MetricCounts::operator+=(const MetricCounts& o) {
  instances += o.instances;
  met += o.met;
  breached += o.breached;
  open += o.open;
  return *this;
}

GroupStats& GroupStats::operator+=(const GroupStats& o) {
  for (size_t m = 0; m < metrics.size(); ++m) metrics[m] += o.metrics[m];
  all += o.all;
  csat += o.csat;
  churn.churned += o.churn.churned;
  churn.live += o.churn.live;
  accounts += o.accounts;
  at_risk += o.at_risk;
  return *this;
}

std::optional<bool> Report::MeetsObjective(const MetricCounts& c) const {
  const int64_t decided = c.met + c.breached;
  if (decided == 0) return std::nullopt;
  return static_cast<double>(c.met) * 100.0 + kEpsilon >= objective_percent * static_cast<double>(decided);
}

std::optional<bool> Report::MeetsCsat(const CsatCounts& c) {
  if (c.answered == 0) return std::nullopt;
  return static_cast<double>(c.satisfied) * 100.0 + kEpsilon >= kCsatTargetPercent * static_cast<double>(c.answered);
}

std::optional<bool> Report::MeetsChurn(const ChurnCounts& c) {
  if (c.live == 0) return std::nullopt;
  return static_cast<double>(c.churned) * 100.0 <= kChurnTargetPercent * static_cast<double>(c.live) + kEpsilon;
}

std::vector<std::string> ReportNotes(const Report& report) {
  const std::string objective = FormatDecimal(report.objective_percent);
  const std::string source = report.objective_source == "default"
                                 ? "the default: the config has no SLA objective setting; it is the objective of the "
                                   "SlamonSlaBudgetBurn alert, override with --objective"
                                 : "set by " + report.objective_source;
  // One push_back per note: adjacent literals inside one braced list read
  // like a missing comma.
  std::vector<std::string> notes;
  notes.push_back("Window: [" + FormatUtc(report.from) + ", " + FormatUtc(report.to) +
                  "): the start is included, the end is not. Everything is evaluated as of " + FormatUtc(report.as_of) +
                  ", the last second of the window; events at or after the end are ignored.");
  notes.push_back(
      "Grouping: every account is reported under its tier and owner as of " + FormatUtc(report.as_of) +
      " (field by field from the latest account.upserted or account.updated setting it; tier 'unknown' and no "
      "owner until one does), in every section.");
  notes.emplace_back(
      "SLA compliance: SLA instances (docs/sla-semantics.md) that started in the window, per metric and for all "
      "metrics "
      "together. met = stopped before reaching its target; breached = elapsed business time reached the target "
      "(running or stopped); open = still running and not breached (no verdict yet). % met = met / (met + "
      "breached); n/a when nothing has a verdict.");
  notes.push_back("SLA objective: " + objective + " % of instances met (" + source +
                  "). A group meets it when % met >= " + objective + ".");
  notes.emplace_back(
      "Breaches: the SLA instances whose breach instant falls in the window, including instances that started "
      "before it (those are not counted in the compliance tables). Elapsed is business time as of the evaluation "
      "instant; it keeps growing while an instance runs.");
  notes.push_back(
      "CSAT: survey answers given in the window; satisfied = score >= 4 of 5; CSAT % = satisfied / answered; "
      "target >= " +
      FormatDecimal(kCsatTargetPercent) + " %; n/a without answers.");
  notes.push_back(
      "Churn rate: accounts churned in the window / accounts live at some instant of the window (upserted or "
      "updated by the evaluation instant and not churned at the window start, or won back by an upsert inside it); "
      "the docs/sla-semantics.md "
      "definition with the report window instead of 365 days; target <= " +
      FormatDecimal(kChurnTargetPercent) + " %.");
  notes.emplace_back(
      "Accounts at risk: live accounts whose health score (docs/sla-semantics.md 'Churn warning', 90-day signals) is "
      "below 50 at the evaluation instant; the reasons are the signals with the largest weighted shortfall. "
      "Accounts = accounts not churned at the evaluation instant.");
  if (!report.by_department.empty()) {
    notes.emplace_back(
        "Department clocks: assignment instances (a group's stay with a ticket, measured against the group's "
        "target) that started in the window, per group. They are internal hand-off targets and are not part of "
        "the tier and owner SLA figures; their breaches are listed with the others.");
  }
  AppendKeyAccountNotes(report.key_accounts, &notes);
  notes.emplace_back(
      "Scorecards: per account owner and per team (every account under its owner and team at the evaluation "
      "instant): first response and resolution % met of the SLA instances that started in the window, the median "
      "business time to first response (nearest rank) of those answered by the evaluation instant, CSAT % and NPS of "
      "the answers given in the window, and the live accounts, those at risk and those with an overdue follow-up at "
      "the evaluation instant.");
  return notes;
}

ReportBuilder::ReportBuilder(std::shared_ptr<const SlaConfig> sla_config, HealthConfig health_config,
                             SlaProjection::Options sla_options)
    : sla_(std::move(sla_config), std::move(sla_options)), health_(std::move(health_config)) {}

void ReportBuilder::Apply(const events::Event& e) {
  sla_.Apply(e);
  health_.Apply(e);
  if (e.IsAccountData() || e.type == events::EventType::kAccountChurned) {
    lifecycles_[e.account_id].Apply(e);
  }
}

// Long on purpose: one pass over the accounts and one over the SLA records
// fill every group of the report, which split functions would pass around.
Report ReportBuilder::Build(const ReportOptions& options) const {
  Report report;
  report.from = options.from;
  report.to = options.to;
  report.as_of = options.to - 1;
  report.objective_percent = options.objective_percent;
  report.objective_source = options.objective_source;
  const int64_t as_of = report.as_of;
  const int64_t window = options.to - options.from;
  auto in_window = [&](int64_t t) { return t >= options.from && t < options.to; };

  const std::vector<SlaRecord> records = sla_.Evaluate(as_of);
  const std::vector<AccountRecord> accounts = health_.EvaluateAccounts(as_of, records);

  using Key = std::pair<std::string, std::string>;  // (tier, owner)
  std::map<Key, GroupStats> groups;
  std::unordered_map<std::string, Key> key_of;
  for (const AccountRecord& a : accounts) {
    const Key key{a.tier, a.owner};
    key_of.emplace(a.account_id, key);
    GroupStats& g = groups[key];
    if (!a.churned) ++g.accounts;
    if (a.level == HealthLevel::kAtRisk && a.health_score && a.signals) {
      ++g.at_risk;
      report.at_risk.push_back(
          {a.account_id, a.tier, a.owner, *a.health_score, *a.signals, a.top_signals, a.renewal_soon});
    }
    g.csat += health_.csat().Counts(a.account_id, as_of, window);
    if (auto it = lifecycles_.find(a.account_id); it != lifecycles_.end()) {
      const ChurnCounts c = it->second.Churn(as_of, window);
      g.churn.churned += c.churned;
      g.churn.live += c.live;
    }
  }

  std::map<std::string, MetricCounts> departments;
  for (const SlaRecord& r : records) {
    auto found = key_of.find(r.account_id);
    // Every ticket's account has an event (its ticket.opened) at or before
    // as-of, so the fallback is only defensive.
    const Key key = found != key_of.end() ? found->second : Key{r.tier, ""};
    if (in_window(r.start)) {
      MetricCounts c;
      c.instances = 1;
      if (r.breached) {
        c.breached = 1;
      } else if (r.state == InstanceState::kStopped) {
        c.met = 1;
      } else {
        c.open = 1;
      }
      if (r.metric == Metric::kAssignment) {
        departments[r.group] += c;
      } else {
        GroupStats& g = groups[key];
        g.metrics[static_cast<size_t>(r.metric)] += c;
        g.all += c;
      }
    }
    if (r.breach_at && in_window(*r.breach_at)) {
      report.breaches.push_back({r.ticket_id, r.account_id, key.first, key.second, r.policy, r.priority, r.metric,
                                 r.cycle, r.start, *r.breach_at, r.target_seconds, r.elapsed_seconds, r.state});
    }
  }

  std::map<std::string, GroupStats> tiers;
  for (auto& [key, g] : groups) {
    g.tier = key.first;
    g.owner = key.second;
    GroupStats& t = tiers[key.first];
    t.tier = key.first;
    t += g;
    report.total += g;
    report.by_owner.push_back(g);
  }
  for (auto& [tier, t] : tiers) report.by_tier.push_back(std::move(t));
  for (auto& [group, c] : departments) report.by_department.push_back({group, c});

  std::sort(report.breaches.begin(), report.breaches.end(), [](const BreachRow& a, const BreachRow& b) {
    return std::tie(a.breach_at, a.ticket_id, a.metric, a.cycle) <
           std::tie(b.breach_at, b.ticket_id, b.metric, b.cycle);
  });
  std::sort(report.at_risk.begin(), report.at_risk.end(), [](const AtRiskRow& a, const AtRiskRow& b) {
    return std::tie(a.score, a.account_id) < std::tie(b.score, b.account_id);
  });
  report.key_accounts = BuildKeyAccountReport(health_, accounts, records, as_of, window);
  report.scorecards = BuildReportScorecards(health_, accounts, records, options.from, options.to);
  return report;
}

std::string FormatPercent(const std::optional<double>& v, int decimals) {
  if (!v) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, *v);
  return buf;
}

std::string FormatDurationShort(int64_t seconds) {
  if (seconds < 0) return "-" + FormatDurationShort(-seconds);
  const int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  std::string out;
  auto part = [&](int64_t n, const char* unit) {
    if (n == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(n) + unit;
  };
  part(d, "d");
  part(h, "h");
  part(m, "m");
  if (seconds < 3600) part(s, "s");
  return out.empty() ? "0s" : out;
}

}  // namespace slamon::projections
