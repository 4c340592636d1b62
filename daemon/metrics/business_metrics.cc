#include "daemon/metrics/business_metrics.h"

#include <prometheus/metric_family.h>

#include <algorithm>

#include "daemon/metrics/families.h"

namespace slamon::daemon {
namespace {

using projections::Metric;
using projections::RiskLevel;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr Metric kMetrics[] = {Metric::kFirstResponse, Metric::kNextResponse, Metric::kResolution, Metric::kAssignment};
constexpr RiskLevel kLevels[] = {RiskLevel::kOk, RiskLevel::kWarning, RiskLevel::kBreached};
constexpr events::Priority kPriorities[] = {events::Priority::kUrgent, events::Priority::kHigh,
                                            events::Priority::kNormal, events::Priority::kLow};

ClientMetric Sample(std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  return m;
}

std::string M(Metric m) { return std::string(projections::MetricName(m)); }
std::string L(RiskLevel l) { return std::string(projections::RiskLevelName(l)); }

template <typename Map, typename Key>
int64_t Get(const Map& map, const Key& key) {
  auto it = map.find(key);
  return it == map.end() ? 0 : it->second;
}

}  // namespace

namespace {

std::vector<std::string> PolicyTiers(const SlaView* views) {
  std::vector<std::string> out;
  const auto config = views->sla_config();  // kept while iterating: a reload may swap it
  for (const auto& p : config->policies) out.insert(out.end(), p.match_tiers.begin(), p.match_tiers.end());
  return out;
}

}  // namespace

BusinessMetrics::BusinessMetrics(const ProjectionViews* views, const LabelBoundSettings& bounds)
    : views_(views), bounds_(bounds, PolicyTiers(views)), groups_(views->sla_config()->AllGroups()) {}

BusinessMetrics::Folded BusinessMetrics::Fold(const projections::SlaSnapshot& snap) const {
  Folded f;
  f.tiers = bounds_.tiers();
  for (const auto& t : snap.tiers) f.tiers.insert(bounds_.Tier(t));
  for (const auto& [key, n] : snap.open) {
    const auto& [tier, p, m, l] = key;
    f.open[{bounds_.Tier(tier), p, m, l}] += n;
  }
  for (const auto& [key, n] : snap.open_by_owner) {
    const auto& [tier, m, l, owner] = key;
    // Owners are bounded only where they become labels (warning and breached).
    if (n == 0 || l == RiskLevel::kOk) continue;
    f.open_by_owner[{bounds_.Tier(tier), m, l, bounds_.Owner(owner)}] += n;
  }
  for (const auto& [key, n] : snap.breaches) f.breaches[{bounds_.Tier(std::get<0>(key)), std::get<1>(key)}] += n;
  for (const auto& [key, n] : snap.completed) {
    f.completed[{bounds_.Tier(std::get<0>(key)), std::get<1>(key), std::get<2>(key)}] += n;
  }
  for (const auto& [tier, h] : snap.first_response_seconds) {
    auto [it, inserted] = f.first_response_seconds.try_emplace(bounds_.Tier(tier), h);
    if (inserted) continue;
    // Every tier's histogram has the same bounds (one aggregator template).
    auto& merged = it->second;
    for (size_t i = 0; i < merged.counts.size() && i < h.counts.size(); ++i) merged.counts[i] += h.counts[i];
    merged.sum += h.sum;
    merged.count += h.count;
  }
  for (const auto& [tier, t] : snap.oldest_unanswered) {
    auto [it, inserted] = f.oldest_unanswered.try_emplace(bounds_.Tier(tier), t);
    if (!inserted) it->second = std::min(it->second, t);
  }
  return f;
}

// Long on purpose: one pass over the projections' snapshot emitting every
// business family in the order of docs/metrics.md.
std::vector<MetricFamily> BusinessMetrics::Collect() const {
  std::vector<MetricFamily> out;
  auto [snap, generation] = views_->sla_snapshot_and_generation();
  if (!snap) return out;
  std::lock_guard<std::mutex> lock(mu_);
  // Rebuilt projections (a partition moved to or from this instance) start
  // the counters afresh: a counter reset, so that sums across instances
  // never count a moved partition twice.
  if (generation != counter_generation_) {
    counter_max_.clear();
    counter_generation_ = generation;
  }
  auto monotonic = [this](const std::string& key, int64_t v) {
    double& m = counter_max_[key];
    m = std::max(m, static_cast<double>(v));
    return m;
  };
  // Tier and owner come from event data: fold them into their bounds first.
  const Folded f = Fold(*snap);
  const std::set<std::string>& tiers = f.tiers;

  auto open = Family("slamon_sla_open", "Running SLA instances by risk level.", MetricType::Gauge);
  for (const auto& tier : tiers) {
    for (auto p : kPriorities) {
      for (auto m : kMetrics) {
        for (auto l : kLevels) {
          auto s = Sample({{"tier", tier},
                           {"priority", std::string(projections::PriorityName(p))},
                           {"metric", M(m)},
                           {"level", L(l)}});
          s.gauge.value = static_cast<double>(Get(f.open, std::make_tuple(tier, p, m, l)));
          open.metric.push_back(std::move(s));
        }
      }
    }
  }
  out.push_back(std::move(open));

  auto by_owner = Family("slamon_sla_open_by_owner",
                         "Running SLA instances in warning or breached state per account owner (non-zero only).",
                         MetricType::Gauge);
  const auto emails = views_->owner_emails();  // the breach alerts' account_owner_email
  for (const auto& [key, n] : f.open_by_owner) {
    const auto& [tier, metric, level, owner] = key;
    if (n == 0 || level == RiskLevel::kOk) continue;
    auto s = Sample({{"tier", tier},
                     {"metric", M(metric)},
                     {"level", L(level)},
                     {"account_owner", owner},
                     {"account_owner_email", OwnerEmailLabel(owner, emails.get())}});
    s.gauge.value = static_cast<double>(n);
    by_owner.metric.push_back(std::move(s));
  }
  out.push_back(std::move(by_owner));

  auto breaches = Family("slamon_sla_breaches_total", "SLA instances that crossed their target (at breach_at).",
                         MetricType::Counter);
  auto completed = Family("slamon_sla_completed_total", "SLA instances that stopped, by outcome.", MetricType::Counter);
  for (const auto& tier : tiers) {
    for (auto m : kMetrics) {
      auto b = Sample({{"tier", tier}, {"metric", M(m)}});
      b.counter.value = monotonic("b/" + tier + "/" + M(m), Get(f.breaches, std::make_tuple(tier, m)));
      breaches.metric.push_back(std::move(b));
      for (bool breached : {false, true}) {
        auto c = Sample({{"tier", tier}, {"metric", M(m)}, {"outcome", breached ? "breached" : "met"}});
        c.counter.value = monotonic("c/" + tier + "/" + M(m) + (breached ? "/b" : "/m"),
                                    Get(f.completed, std::make_tuple(tier, m, breached)));
        completed.metric.push_back(std::move(c));
      }
    }
  }
  out.push_back(std::move(breaches));
  out.push_back(std::move(completed));

  auto hist =
      Family("slamon_first_response_business_seconds",
             "Business seconds elapsed at first response (stopped first-response instances).", MetricType::Histogram);
  const auto& bounds = views_->histogram_bounds();
  for (const auto& tier : tiers) {
    auto it = f.first_response_seconds.find(tier);
    auto s = Sample({{"tier", tier}});
    const auto& b = it != f.first_response_seconds.end() ? it->second.bounds : bounds;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < b.size(); ++i) {
      if (it != f.first_response_seconds.end()) cumulative += static_cast<uint64_t>(it->second.counts[i]);
      prometheus::ClientMetric::Bucket bucket;
      bucket.upper_bound = static_cast<double>(b[i]);
      bucket.cumulative_count = cumulative;
      s.histogram.bucket.push_back(bucket);
    }
    prometheus::ClientMetric::Bucket inf;
    inf.upper_bound = std::numeric_limits<double>::infinity();
    inf.cumulative_count = it != f.first_response_seconds.end() ? static_cast<uint64_t>(it->second.count) : 0;
    s.histogram.bucket.push_back(inf);
    s.histogram.sample_count = inf.cumulative_count;
    s.histogram.sample_sum = it != f.first_response_seconds.end() ? static_cast<double>(it->second.sum) : 0;
    hist.metric.push_back(std::move(s));
  }
  out.push_back(std::move(hist));

  auto targets = Family("slamon_sla_target_seconds", "Configured SLA targets (config as a metric).", MetricType::Gauge);
  const auto sla_config = views_->sla_config();  // kept while iterating: a reload may swap it
  for (const auto& p : sla_config->policies) {
    for (auto m : kMetrics) {
      if (!p.targets[static_cast<size_t>(m)]) continue;
      auto s = Sample({{"policy", p.name}, {"metric", M(m)}});
      s.gauge.value = static_cast<double>(*p.targets[static_cast<size_t>(m)]);
      targets.metric.push_back(std::move(s));
    }
  }
  out.push_back(std::move(targets));

  auto oldest = Family("slamon_oldest_unanswered_ticket_timestamp_seconds",
                       "Open time of the oldest ticket still waiting for a first response (absent when none).",
                       MetricType::Gauge);
  for (const auto& [tier, t] : f.oldest_unanswered) {
    auto s = Sample({{"tier", tier}});
    s.gauge.value = static_cast<double>(t);
    oldest.metric.push_back(std::move(s));
  }
  out.push_back(std::move(oldest));
  CollectDepartments(*snap, &out);
  CollectHealth(tiers, &out);

  auto overflow = Family("slamon_label_overflow_total",
                         "Distinct label values from event data reported as \"other\" because they are beyond the "
                         "configured bound (metrics.tiers, metrics.max_account_owners).",
                         MetricType::Counter);
  auto tier_overflow = Sample({{"label", "tier"}});
  tier_overflow.counter.value = static_cast<double>(bounds_.tier_overflow());
  overflow.metric.push_back(std::move(tier_overflow));
  auto owner_overflow = Sample({{"label", "account_owner"}});
  owner_overflow.counter.value = static_cast<double>(bounds_.owner_overflow());
  overflow.metric.push_back(std::move(owner_overflow));
  out.push_back(std::move(overflow));
  return out;
}

void BusinessMetrics::CollectDepartments(const projections::SlaSnapshot& snap, std::vector<MetricFamily>* out) const {
  // Groups are bounded by the config: only those some policy gives a target.
  auto by_group = Family("slamon_sla_open_by_group",
                         "Running department (assignment) SLA instances by group and level.", MetricType::Gauge);
  for (const auto& group : groups_) {
    for (auto l : kLevels) {
      auto s = Sample({{"group", group}, {"metric", M(Metric::kAssignment)}, {"level", L(l)}});
      s.gauge.value = static_cast<double>(Get(snap.open_by_group, std::make_tuple(group, Metric::kAssignment, l)));
      by_group.metric.push_back(std::move(s));
    }
  }
  out->push_back(std::move(by_group));

  auto escalations =
      Family("slamon_sla_escalations",
             "Running breached SLA instances by the escalation step they reached (non-zero only).", MetricType::Gauge);
  // Tier and owner fold into their label bounds like every other series.
  std::map<std::tuple<std::string, Metric, std::string, std::string, std::string>, int64_t> folded;
  for (const auto& [key, n] : snap.escalations) {
    const auto& [tier, metric, owner, team, step] = key;
    if (n == 0) continue;
    folded[{bounds_.Tier(tier), metric, bounds_.Owner(owner), team, step}] += n;
  }
  for (const auto& [key, n] : folded) {
    const auto& [tier, metric, owner, team, step] = key;
    auto s = Sample({{"tier", tier}, {"metric", M(metric)}, {"account_owner", owner}, {"team", team}, {"step", step}});
    s.gauge.value = static_cast<double>(n);
    escalations.metric.push_back(std::move(s));
  }
  out->push_back(std::move(escalations));

  auto unknown = Family(
      "slamon_sla_unknown_calendar_total",
      "Accounts whose upserts or updates name a calendar the config lacks, counted once per account (the policy's "
      "calendar is used).",
      MetricType::Counter);
  auto s = Sample({});
  s.counter.value = static_cast<double>(snap.unknown_calendars);
  unknown.metric.push_back(std::move(s));
  out->push_back(std::move(unknown));
}

void BusinessMetrics::CollectHealth(const std::set<std::string>& tiers, std::vector<MetricFamily>* out) const {
  auto h = views_->health_snapshot();
  if (!h) return;
  auto responses =
      Family("slamon_csat_responses_total", "Survey answers, by the account's tier and owner.", MetricType::Counter);
  std::map<std::tuple<std::string, std::string, bool>, int64_t> csat_responses;
  for (const auto& [key, n] : h->csat_responses) {
    const auto& [tier, owner, satisfied] = key;
    csat_responses[{bounds_.Tier(tier), bounds_.Owner(owner), satisfied}] += n;
  }
  for (const auto& [key, n] : csat_responses) {
    const auto& [tier, owner, satisfied] = key;
    auto s = Sample({{"tier", tier}, {"account_owner", owner}, {"satisfied", satisfied ? "true" : "false"}});
    s.counter.value = static_cast<double>(n);
    responses.metric.push_back(std::move(s));
  }
  out->push_back(std::move(responses));

  // Undefined CSAT (no answers in the window) is absent, never 0.
  auto csat = Family("slamon_csat_percent", "CSAT % (satisfied / answered) over the window.", MetricType::Gauge);
  std::map<std::string, projections::CsatCounts> csat_30d;
  for (const auto& [tier, counts] : h->csat_30d_by_tier) csat_30d[bounds_.Tier(tier)] += counts;
  for (const auto& [tier, counts] : csat_30d) {
    if (auto pct = counts.Percent()) {
      auto s = Sample({{"tier", tier}, {"window", "30d"}});
      s.gauge.value = *pct;
      csat.metric.push_back(std::move(s));
    }
  }
  out->push_back(std::move(csat));

  constexpr projections::HealthLevel kHealthLevels[] = {
      projections::HealthLevel::kHealthy, projections::HealthLevel::kWatch, projections::HealthLevel::kAtRisk,
      projections::HealthLevel::kChurned};
  // Counted at the health refresh (the projection host): a scrape does not
  // visit the accounts, it folds the per-tier counts into the label bounds.
  std::set<std::string> all_tiers = tiers;
  std::map<std::pair<std::string, projections::HealthLevel>, int64_t> by_level;
  std::map<std::pair<std::string, std::string>, int64_t> at_risk;
  for (const auto& [key, n] : h->accounts_by_level) {
    const std::string& tier = bounds_.Tier(key.first);
    all_tiers.insert(tier);
    by_level[{tier, key.second}] += n;
  }
  for (const auto& [key, n] : h->at_risk_by_owner) at_risk[{bounds_.Tier(key.first), bounds_.Owner(key.second)}] += n;
  auto accounts = Family("slamon_accounts", "Accounts by health level.", MetricType::Gauge);
  for (const auto& tier : all_tiers) {
    for (auto level : kHealthLevels) {
      auto s = Sample({{"tier", tier}, {"level", std::string(projections::HealthLevelName(level))}});
      s.gauge.value = static_cast<double>(Get(by_level, std::make_pair(tier, level)));
      accounts.metric.push_back(std::move(s));
    }
  }
  out->push_back(std::move(accounts));
  auto risk =
      Family("slamon_accounts_at_risk", "At-risk accounts per account owner (non-zero only).", MetricType::Gauge);
  const auto emails = views_->owner_emails();
  for (const auto& [key, n] : at_risk) {
    auto s = Sample({{"tier", key.first},
                     {"account_owner", key.second},
                     {"account_owner_email", OwnerEmailLabel(key.second, emails.get())}});
    s.gauge.value = static_cast<double>(n);
    risk.metric.push_back(std::move(s));
  }
  out->push_back(std::move(risk));
  auto churn = Family("slamon_churn_rate_percent", "Accounts churned in the window / accounts live in it × 100.",
                      MetricType::Gauge);
  if (auto pct = h->churn.Percent()) {
    auto s = Sample({{"window", "365d"}});
    s.gauge.value = *pct;
    churn.metric.push_back(std::move(s));
  }
  CollectValue(all_tiers, *h, &churn, out);
  out->push_back(std::move(churn));
}

}  // namespace slamon::daemon
