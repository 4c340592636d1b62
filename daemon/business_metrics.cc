#include "daemon/business_metrics.h"

#include <prometheus/metric_family.h>

#include <algorithm>

namespace slamon::daemon {
namespace {

using projections::Metric;
using projections::RiskLevel;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr Metric kMetrics[] = {Metric::kFirstResponse, Metric::kNextResponse, Metric::kResolution};
constexpr RiskLevel kLevels[] = {RiskLevel::kOk, RiskLevel::kWarning, RiskLevel::kBreached};
constexpr events::Priority kPriorities[] = {events::Priority::kUrgent, events::Priority::kHigh,
                                            events::Priority::kNormal, events::Priority::kLow};

MetricFamily Family(const std::string& name, const std::string& help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

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

BusinessMetrics::BusinessMetrics(const ProjectionHost* host) : host_(host) {
  config_tiers_ = {"A", "B", "C", "unknown"};
  for (const auto& p : host_->sla_config().policies) {
    for (const auto& t : p.match_tiers) config_tiers_.insert(t);
  }
}

std::vector<MetricFamily> BusinessMetrics::Collect() const {
  std::vector<MetricFamily> out;
  auto [snap, generation] = host_->sla_snapshot_and_generation();
  if (!snap) return out;
  std::set<std::string> tiers = config_tiers_;
  tiers.insert(snap->tiers.begin(), snap->tiers.end());
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

  auto open = Family("slamon_sla_open", "Running SLA instances by risk level.", MetricType::Gauge);
  for (const auto& tier : tiers) {
    for (auto p : kPriorities) {
      for (auto m : kMetrics) {
        for (auto l : kLevels) {
          auto s = Sample({{"tier", tier},
                           {"priority", std::string(projections::PriorityName(p))},
                           {"metric", M(m)},
                           {"level", L(l)}});
          s.gauge.value = static_cast<double>(Get(snap->open, std::make_tuple(tier, p, m, l)));
          open.metric.push_back(std::move(s));
        }
      }
    }
  }
  out.push_back(std::move(open));

  auto by_owner = Family("slamon_sla_open_by_owner",
                         "Running SLA instances in warning or breached state per account owner (non-zero only).",
                         MetricType::Gauge);
  for (const auto& [key, n] : snap->open_by_owner) {
    const auto& [tier, metric, level, owner] = key;
    if (n == 0 || level == RiskLevel::kOk) continue;
    auto s = Sample({{"tier", tier}, {"metric", M(metric)}, {"level", L(level)}, {"account_owner", owner}});
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
      b.counter.value = monotonic("b/" + tier + "/" + M(m), Get(snap->breaches, std::make_tuple(tier, m)));
      breaches.metric.push_back(std::move(b));
      for (bool breached : {false, true}) {
        auto c = Sample({{"tier", tier}, {"metric", M(m)}, {"outcome", breached ? "breached" : "met"}});
        c.counter.value = monotonic("c/" + tier + "/" + M(m) + (breached ? "/b" : "/m"),
                                    Get(snap->completed, std::make_tuple(tier, m, breached)));
        completed.metric.push_back(std::move(c));
      }
    }
  }
  out.push_back(std::move(breaches));
  out.push_back(std::move(completed));

  auto hist =
      Family("slamon_first_response_business_seconds",
             "Business seconds elapsed at first response (stopped first-response instances).", MetricType::Histogram);
  const auto& bounds = host_->histogram_bounds();
  for (const auto& tier : tiers) {
    auto it = snap->first_response_seconds.find(tier);
    auto s = Sample({{"tier", tier}});
    const auto& b = it != snap->first_response_seconds.end() ? it->second.bounds : bounds;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < b.size(); ++i) {
      if (it != snap->first_response_seconds.end()) cumulative += static_cast<uint64_t>(it->second.counts[i]);
      prometheus::ClientMetric::Bucket bucket;
      bucket.upper_bound = static_cast<double>(b[i]);
      bucket.cumulative_count = cumulative;
      s.histogram.bucket.push_back(bucket);
    }
    prometheus::ClientMetric::Bucket inf;
    inf.upper_bound = std::numeric_limits<double>::infinity();
    inf.cumulative_count = it != snap->first_response_seconds.end() ? static_cast<uint64_t>(it->second.count) : 0;
    s.histogram.bucket.push_back(inf);
    s.histogram.sample_count = inf.cumulative_count;
    s.histogram.sample_sum = it != snap->first_response_seconds.end() ? static_cast<double>(it->second.sum) : 0;
    hist.metric.push_back(std::move(s));
  }
  out.push_back(std::move(hist));

  auto targets = Family("slamon_sla_target_seconds", "Configured SLA targets (config as a metric).", MetricType::Gauge);
  for (const auto& p : host_->sla_config().policies) {
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
  for (const auto& [tier, t] : snap->oldest_unanswered) {
    auto s = Sample({{"tier", tier}});
    s.gauge.value = static_cast<double>(t);
    oldest.metric.push_back(std::move(s));
  }
  out.push_back(std::move(oldest));
  CollectHealth(tiers, &out);
  return out;
}

void BusinessMetrics::CollectHealth(const std::set<std::string>& tiers, std::vector<MetricFamily>* out) const {
  auto h = host_->health_snapshot();
  if (!h) return;
  auto responses =
      Family("slamon_csat_responses_total", "Survey answers, by the account's tier and owner.", MetricType::Counter);
  for (const auto& [key, n] : h->csat_responses) {
    const auto& [tier, owner, satisfied] = key;
    auto s = Sample({{"tier", tier}, {"account_owner", owner}, {"satisfied", satisfied ? "true" : "false"}});
    s.counter.value = static_cast<double>(n);
    responses.metric.push_back(std::move(s));
  }
  out->push_back(std::move(responses));

  // Undefined CSAT (no answers in the window) is absent, never 0.
  auto csat = Family("slamon_csat_percent", "CSAT % (satisfied / answered) over the window.", MetricType::Gauge);
  for (const auto& [tier, counts] : h->csat_30d_by_tier) {
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
  // Counted at the health refresh (projection_host.cc): a scrape does not visit the accounts.
  const auto& by_level = h->accounts_by_level;
  const auto& at_risk = h->at_risk_by_owner;
  std::set<std::string> all_tiers = tiers;
  for (const auto& [key, n] : by_level) all_tiers.insert(key.first);
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
  for (const auto& [key, n] : at_risk) {
    auto s = Sample({{"tier", key.first}, {"account_owner", key.second}});
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
