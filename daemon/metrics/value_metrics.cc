// Key-account value metrics of BusinessMetrics, from the ready aggregates of
// the latest health snapshot (no per-scrape loop over accounts or tickets).
// Labels: tier, account_owner, category and reason from the config lists
// (others as "other"); fixed combinations are all present from start-up.
#include <prometheus/metric_family.h>

#include <algorithm>
#include <limits>

#include "daemon/metrics/business_metrics.h"
#include "daemon/metrics/families.h"

namespace slamon::daemon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric Gauge(std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  return m;
}

}  // namespace

ValueAggregates BusinessMetrics::FoldValue(const ValueAggregates& v) const {
  ValueAggregates f;
  for (const auto& [key, n] : v.followup_overdue)
    f.followup_overdue[{bounds_.Tier(key.first), bounds_.Owner(key.second)}] += n;
  for (const auto& [tier, c] : v.nps_90d_by_tier) f.nps_90d_by_tier[bounds_.Tier(tier)] += c;
  for (const auto& [tier, c] : v.csat_score_30d_by_tier) f.csat_score_30d_by_tier[bounds_.Tier(tier)] += c;
  for (const auto& [tier, c] : v.churn_by_tier) {
    auto& to = f.churn_by_tier[bounds_.Tier(tier)];
    to.churned += c.churned;
    to.live += c.live;
  }
  for (const auto& [key, n] : v.churned_by_tier_reason)
    f.churned_by_tier_reason[{bounds_.Tier(key.first), key.second}] += n;
  for (const auto& [tier, sum] : v.value_12m_by_tier) f.value_12m_by_tier[bounds_.Tier(tier)] += sum;
  for (const auto& [key, n] : v.rfm) {
    const auto& [tier, dim, score] = key;
    f.rfm[{bounds_.Tier(tier), dim, score}] += n;
  }
  f.resolution_bounds = v.resolution_bounds;
  f.resolution_by_category = v.resolution_by_category;  // categories are bounded by the config list
  return f;
}

// Long on purpose: one pass emitting every key-account value family in the
// order of docs/metrics.md.
void BusinessMetrics::CollectValue(const std::set<std::string>& tiers, const HealthSnapshot& h, MetricFamily* churn,
                                   std::vector<MetricFamily>* out) const {
  const ValueAggregates v = FoldValue(h.value);
  const auto health = views_->health_config();  // kept: a reload may swap the host's
  const auto& config = health->value;

  auto overdue = Family("slamon_accounts_followup_overdue",
                        "Live accounts whose follow-up cadence is overdue, per account owner (0 included for every "
                        "owner with a cadence).",
                        MetricType::Gauge);
  const auto emails = views_->owner_emails();
  for (const auto& [key, n] : v.followup_overdue) {
    overdue.metric.push_back(Gauge({{"tier", key.first},
                                    {"account_owner", key.second},
                                    {"account_owner_email", OwnerEmailLabel(key.second, emails.get())}},
                                   static_cast<double>(n)));
  }
  out->push_back(std::move(overdue));

  // Undefined NPS / mean CSAT (no answers in the window) is absent, never 0.
  auto nps =
      Family("slamon_nps", "Net promoter score (% promoters − % detractors) over the window.", MetricType::Gauge);
  for (const auto& [tier, counts] : v.nps_90d_by_tier) {
    if (auto score = counts.Score()) nps.metric.push_back(Gauge({{"tier", tier}, {"window", "90d"}}, *score));
  }
  out->push_back(std::move(nps));
  auto mean = Family("slamon_csat_score_mean", "Mean CSAT score (1-5) over the window.", MetricType::Gauge);
  for (const auto& [tier, sum] : v.csat_score_30d_by_tier) {
    if (auto m = sum.Mean()) mean.metric.push_back(Gauge({{"tier", tier}, {"window", "30d"}}, *m));
  }
  out->push_back(std::move(mean));

  for (const auto& [tier, counts] : v.churn_by_tier) {
    if (auto pct = counts.Percent()) churn->metric.push_back(Gauge({{"tier", tier}, {"window", "365d"}}, *pct));
  }
  auto churned = Family("slamon_accounts_churned_total",
                        "Accounts churned, by the tier at the churn and the reason (config list, others as other).",
                        MetricType::Counter);
  for (const auto& tier : tiers) {
    for (const auto& reason : config.ReasonLabels()) {
      auto it = v.churned_by_tier_reason.find({tier, reason});
      const int64_t n = it == v.churned_by_tier_reason.end() ? 0 : it->second;
      // Never down, like the SLA counters (a win-back and a second churn under another tier moves the account).
      double& kept = counter_max_["churned/" + tier + "/" + reason];
      kept = std::max(kept, static_cast<double>(n));
      ClientMetric m;
      m.label = {{"tier", tier}, {"reason", reason}};
      m.counter.value = kept;
      churned.metric.push_back(std::move(m));
    }
  }
  out->push_back(std::move(churned));

  auto value = Family("slamon_account_value", "Sum of the accounts' 12-month order value in the configured currency.",
                      MetricType::Gauge);
  for (const auto& tier : tiers) {
    auto it = v.value_12m_by_tier.find(tier);
    value.metric.push_back(
        Gauge({{"tier", tier}, {"currency", config.currency}}, it == v.value_12m_by_tier.end() ? 0 : it->second));
  }
  out->push_back(std::move(value));

  auto rfm = Family("slamon_accounts_rfm", "Accounts by RFM score (dimension r, f or m; score 1-5, r also none).",
                    MetricType::Gauge);
  for (const auto& tier : tiers) {
    for (const char* dim : {"r", "f", "m"}) {
      for (const char* score : {"1", "2", "3", "4", "5", "none"}) {
        if (std::string(score) == "none" && std::string(dim) != "r") continue;
        auto it = v.rfm.find({tier, dim, score});
        rfm.metric.push_back(Gauge({{"tier", tier}, {"dimension", dim}, {"score", score}},
                                   it == v.rfm.end() ? 0 : static_cast<double>(it->second)));
      }
    }
  }
  out->push_back(std::move(rfm));

  auto hist = Family("slamon_ticket_resolution_business_seconds",
                     "Business seconds to the first resolution of tickets, by ticket category.", MetricType::Histogram);
  for (const auto& [category, histogram] : v.resolution_by_category) {
    ClientMetric m;
    m.label = {{"category", category}};
    uint64_t cumulative = 0;
    for (size_t i = 0; i < v.resolution_bounds.size(); ++i) {
      cumulative += static_cast<uint64_t>(histogram.counts[i]);
      ClientMetric::Bucket b;
      b.upper_bound = static_cast<double>(v.resolution_bounds[i]);
      b.cumulative_count = cumulative;
      m.histogram.bucket.push_back(b);
    }
    ClientMetric::Bucket inf;
    inf.upper_bound = std::numeric_limits<double>::infinity();
    inf.cumulative_count = static_cast<uint64_t>(histogram.count);
    m.histogram.bucket.push_back(inf);
    m.histogram.sample_count = inf.cumulative_count;
    m.histogram.sample_sum = histogram.sum;
    hist.metric.push_back(std::move(m));
  }
  out->push_back(std::move(hist));
}

}  // namespace slamon::daemon
