// The compliance report (`slamon report`): SLA compliance, satisfaction,
// churn and accounts at risk over a reporting window, per tier and account
// owner. Pure aggregation of the SLA, CSAT, account and health projections;
// the renderers (markdown, CSV, HTML) live in daemon/.
//
// Every definition the report uses is here, and ReportNotes() states them in
// words for the report itself, so the numbers and their explanation cannot
// drift apart.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "events/event.h"
#include "projections/accounts/account_projection.h"
#include "projections/accounts/csat_projection.h"
#include "projections/accounts/health_config.h"
#include "projections/accounts/health_projection.h"
#include "projections/report/report_value.h"
#include "projections/report/scorecard.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "projections/sla/sla_record.h"
#include "projections/sla/sla_types.h"

namespace slamon::projections {

/// The SLA objective when none is given: the share of met instances the
/// SlamonSlaBudgetBurn alert uses (docs/metrics.md: "objective (default 95 % met)").
inline constexpr double kDefaultSlaObjectivePercent = 95;
/// KPI targets of docs/sla-semantics.md: CSAT >= 90, churn rate <= 5.
inline constexpr double kCsatTargetPercent = 90;
inline constexpr double kChurnTargetPercent = 5;

struct ReportOptions {
  int64_t from = 0;  ///< window start, inclusive (Unix seconds)
  int64_t to = 0;    ///< window end, exclusive; must be > from
  double objective_percent = kDefaultSlaObjectivePercent;
  /// Where the objective came from, printed in the report header
  /// (e.g. "default", "--objective").
  std::string objective_source = "default";
};

/// SLA instances of one metric (or of all metrics) that started in the window,
/// classified at the report's as-of time.
struct MetricCounts {
  int64_t instances = 0;
  int64_t met = 0;       ///< stopped and not breached
  int64_t breached = 0;  ///< elapsed reached the target (running or stopped)
  int64_t open = 0;      ///< still running and not breached: no verdict yet

  /// met / (met + breached) × 100; undefined (nullopt) without a verdict.
  std::optional<double> PercentMet() const;
  MetricCounts& operator+=(const MetricCounts& o);
  bool operator==(const MetricCounts&) const = default;
};

/// One row of the report: a (tier, owner) group, a tier, or everything.
struct GroupStats {
  std::string tier;                                  ///< "" for the total
  std::string owner;                                 ///< "" for tier rows, the total, and accounts without an owner
  std::array<MetricCounts, kMetricCount> metrics{};  ///< indexed by Metric
  MetricCounts all;                                  ///< all metrics together
  CsatCounts csat;                                   ///< survey answers in the window
  ChurnCounts churn;                                 ///< churn over the window
  int64_t accounts = 0;                              ///< accounts not churned at as-of
  int64_t at_risk = 0;                               ///< of them, health level at_risk at as-of

  GroupStats& operator+=(const GroupStats& o);  ///< adds the counts (keeps tier/owner)
};

/// Department (OLA) clocks of one group: its `assignment` instances that
/// started in the window. Kept apart from the tier/owner SLA figures, which
/// are about customers, not internal hand-offs.
struct DepartmentStats {
  std::string group;
  MetricCounts counts;
};

/// An SLA instance whose breach_at falls inside the window.
struct BreachRow {
  std::string ticket_id, account_id, tier, owner, policy;
  events::Priority priority = events::Priority::kNormal;
  Metric metric = Metric::kFirstResponse;
  int cycle = 1;
  int64_t start = 0;
  int64_t breach_at = 0;
  int64_t target_seconds = 0;
  int64_t elapsed_seconds = 0;  ///< at as-of (keeps counting while running)
  InstanceState state = InstanceState::kStopped;
};

/// An account whose health level is at_risk at as-of.
struct AtRiskRow {
  std::string account_id, tier, owner;
  double score = 0;
  HealthSignals signals;
  std::vector<HealthSignal> top_signals;  ///< the reasons, largest weighted shortfall first
  bool renewal_soon = false;
};

struct Report {
  int64_t from = 0, to = 0;
  int64_t as_of = 0;  ///< to − 1: the last second of the window
  double objective_percent = kDefaultSlaObjectivePercent;
  std::string objective_source;
  std::vector<GroupStats> by_owner;  ///< (tier, owner) groups, sorted by tier then owner
  std::vector<GroupStats> by_tier;   ///< sorted by tier
  GroupStats total;
  std::vector<BreachRow> breaches;             ///< sorted by breach_at, ticket_id, metric, cycle
  std::vector<AtRiskRow> at_risk;              ///< sorted by score (lowest first), then account_id
  std::vector<DepartmentStats> by_department;  ///< sorted by group; empty without group targets
  /// Value per tier, follow-up per owner, NPS, churn reasons, complaint handling.
  KeyAccountReport key_accounts;
  /// Per owner and per team (BuildReportScorecards).
  ReportScorecards scorecards;

  /// Whether the SLA / CSAT / churn figure meets its target; nullopt when the
  /// figure is undefined. Compared on the exact counts, never on rounded text.
  std::optional<bool> MeetsObjective(const MetricCounts& c) const;
  static std::optional<bool> MeetsCsat(const CsatCounts& c);
  static std::optional<bool> MeetsChurn(const ChurnCounts& c);
};

/// The definitions behind the figures, one sentence each, in the order the
/// renderers print them (header notes of every format).
std::vector<std::string> ReportNotes(const Report& report);

/// Builds reports from the event stream: feed every event (any order) to
/// Apply(), then Build() for any window. Owns the SLA and health projections
/// and, per account, its lifecycle (upserts, updates and churns) for per-group churn.
///
/// Definitions (see ReportNotes for the wording in the report):
/// - Everything is evaluated as of `to − 1` (the last second of [from, to)):
///   no event at or after `to` counts.
/// - Each account is reported under its tier and owner as of that instant
///   ("unknown" / "" until an upsert or update sets them), for every section.
/// - SLA: instances that started in [from, to); met / breached / open at
///   as-of; % met = met / (met + breached).
/// - Breach list: instances whose breach_at is in [from, to), wherever they
///   started (so it can list instances that started before the window).
/// - CSAT: survey answers in [from, to) (docs/sla-semantics.md CSAT with the
///   report window instead of 30 days).
/// - Churn: AccountProjection::Churn with the report window instead of 365
///   days: accounts churned in the window ÷ accounts live at some instant of it.
/// - At risk: health level at_risk at as-of (the usual 90-day signals).
///
/// Thread-safety: none for Apply(); Build() is const.
class ReportBuilder {
 public:
  /// sla_options.history (`--policy at-open`) judges each ticket under the
  /// policy version in force at its open, as `replay` does.
  ReportBuilder(std::shared_ptr<const SlaConfig> sla_config, HealthConfig health_config,
                SlaProjection::Options sla_options = {});

  void Apply(const events::Event& e);
  /// Requires options.to > options.from.
  Report Build(const ReportOptions& options) const;

  const SlaProjection& sla() const { return sla_; }
  const HealthProjection& health() const { return health_; }

 private:
  SlaProjection sla_;
  HealthProjection health_;
  std::unordered_map<std::string, AccountProjection> lifecycles_;  // per account: upserts, updates and churns only
};

/// "66.7" (rounded to `decimals`), or "n/a" when undefined.
std::string FormatPercent(const std::optional<double>& v, int decimals = 1);
/// A duration for people: "45s", "1h", "8h 30m", "2d 3h 5m" (seconds shown
/// only below one hour).
std::string FormatDurationShort(int64_t seconds);

}  // namespace slamon::projections
