#include "projections/sla/sla_snapshot.h"

#include <algorithm>

namespace slamon::projections {
namespace {

template <typename Map, typename Key>
void Bump(Map* m, const Key& key, int64_t delta) {
  auto [it, inserted] = m->try_emplace(key, 0);
  it->second += delta;
  if (it->second == 0) m->erase(it);  // zero series are omitted (filled by the collector)
}

}  // namespace

std::vector<int64_t> FirstResponseBuckets(const std::vector<int64_t>& targets) {
  std::vector<int64_t> b = {60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800};
  b.insert(b.end(), targets.begin(), targets.end());
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

SlaAggregator::SlaAggregator(std::vector<int64_t> histogram_bounds) {
  data_.first_response_seconds[""].bounds = std::move(histogram_bounds);  // template, see Add
}

void SlaAggregator::Add(const SlaRecord& r, const std::string& owner, int sign) {
  Bump(&tier_refs_, r.tier, sign);
  // breached implies breach_at <= the as-of time the record was evaluated at.
  if (r.breached) Bump(&data_.breaches, SlaSnapshot::TierMetric{r.tier, r.metric}, sign);
  if (r.state == InstanceState::kStopped) {
    Bump(&data_.completed, SlaSnapshot::CompletedKey{r.tier, r.metric, r.breached}, sign);
    if (r.metric == Metric::kFirstResponse) {
      auto it = data_.first_response_seconds.find(r.tier);
      if (it == data_.first_response_seconds.end()) {
        it = data_.first_response_seconds.emplace(r.tier, data_.first_response_seconds.at("")).first;
        it->second.counts.assign(it->second.bounds.size() + 1, 0);
      }
      SlaSnapshot::Histogram& h = it->second;
      const size_t bucket =
          static_cast<size_t>(std::lower_bound(h.bounds.begin(), h.bounds.end(), r.elapsed_seconds) - h.bounds.begin());
      h.counts[bucket] += sign;
      h.sum += sign * r.elapsed_seconds;
      h.count += sign;
    }
    return;
  }
  Bump(&data_.open, SlaSnapshot::OpenKey{r.tier, r.priority, r.metric, r.level}, sign);
  if (r.level != RiskLevel::kOk) {
    Bump(&data_.open_by_owner, SlaSnapshot::OwnerKey{r.tier, r.metric, r.level, owner}, sign);
  }
  if (r.metric == Metric::kAssignment)
    Bump(&data_.open_by_group, SlaSnapshot::GroupKey{r.group, r.metric, r.level}, sign);
  if (r.level == RiskLevel::kBreached && r.escalation) {
    Bump(&data_.escalations, SlaSnapshot::EscalationKey{r.tier, r.metric, owner, r.team, *r.escalation}, sign);
  }
  if (r.metric == Metric::kFirstResponse) {
    auto& starts = unanswered_[r.tier];
    if (sign > 0) {
      starts.insert(r.start);
    } else if (auto it = starts.find(r.start); it != starts.end()) {
      starts.erase(it);
    }
  }
}

SlaSnapshot SlaAggregator::Snapshot(int64_t as_of) const {
  SlaSnapshot out = data_;
  out.as_of = as_of;
  out.first_response_seconds.erase("");
  for (auto it = out.first_response_seconds.begin(); it != out.first_response_seconds.end();) {
    it = it->second.count == 0 ? out.first_response_seconds.erase(it) : std::next(it);
  }
  for (const auto& [tier, starts] : unanswered_) {
    if (!starts.empty()) out.oldest_unanswered[tier] = *starts.begin();
  }
  for (const auto& [tier, refs] : tier_refs_) out.tiers.insert(tier);
  return out;
}

}  // namespace slamon::projections
