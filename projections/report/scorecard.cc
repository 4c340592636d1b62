#include "projections/report/scorecard.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

namespace slamon::projections {
namespace {

std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  return 100.0 * static_cast<double>(num) / static_cast<double>(den);
}

// The cards of one dimension (owner or team) being built, with the
// first-response times and the related names still open.
struct Builder {
  std::map<std::string, Scorecard> cards;
  std::map<std::string, std::vector<int64_t>> first_responses;
  std::map<std::string, std::set<std::string>> related;

  Scorecard& At(const std::string& name) {
    Scorecard& c = cards[name];
    c.name = name;
    return c;
  }
  std::vector<Scorecard> Take() {
    std::vector<Scorecard> out;
    for (auto& [name, card] : cards) {
      auto& times = first_responses[name];
      std::sort(times.begin(), times.end());
      card.first_responses = static_cast<int64_t>(times.size());
      if (!times.empty()) card.median_first_response_seconds = NearestRank(times, 50);
      card.related.assign(related[name].begin(), related[name].end());
      out.push_back(std::move(card));
    }
    return out;
  }
};

}  // namespace

std::optional<double> Scorecard::FirstResponsePercent() const {
  return Ratio(first_response_met, first_response_met + first_response_breached);
}

std::optional<double> Scorecard::ResolutionPercent() const {
  return Ratio(resolution_met, resolution_met + resolution_breached);
}

void AddAccountState(const AccountRecord& account, Scorecard* card) {
  if (account.churned) return;
  ++card->accounts;
  if (account.level == HealthLevel::kAtRisk) ++card->at_risk;
  const auto& overdue = account.value.followup_overdue_days;
  if (overdue && *overdue > 0) ++card->followups_overdue;
}

ReportScorecards BuildReportScorecards(const HealthProjection& health, const std::vector<AccountRecord>& accounts,
                                       const std::vector<SlaRecord>& records, int64_t from, int64_t to) {
  const int64_t as_of = to - 1;
  const int64_t window = to - from;
  Builder owners, teams;
  std::unordered_map<std::string, const AccountRecord*> by_id;
  for (const AccountRecord& a : accounts) {
    by_id.emplace(a.account_id, &a);
    const CsatCounts csat = health.csat().Counts(a.account_id, as_of, window);
    const NpsCounts nps = health.value().Nps(a.account_id, as_of, window);
    for (auto [builder, name, other] :
         {std::tuple{&owners, &a.owner, &a.team}, std::tuple{&teams, &a.team, &a.owner}}) {
      Scorecard& card = builder->At(*name);
      AddAccountState(a, &card);
      card.csat += csat;
      card.nps += nps;
      if (!other->empty()) builder->related[*name].insert(*other);
    }
  }
  for (const SlaRecord& r : records) {
    if (r.start < from || r.start >= to) continue;
    if (r.metric != Metric::kFirstResponse && r.metric != Metric::kResolution) continue;
    auto found = by_id.find(r.account_id);
    // Every ticket's account has an event at or before as_of; defensive only.
    if (found == by_id.end()) continue;
    const AccountRecord& a = *found->second;
    const bool met = !r.breached && r.state == InstanceState::kStopped;
    if (!met && !r.breached) continue;  // open: no verdict yet
    for (auto [builder, name] : {std::pair{&owners, &a.owner}, std::pair{&teams, &a.team}}) {
      Scorecard& card = builder->At(*name);
      if (r.metric == Metric::kFirstResponse) {
        (met ? card.first_response_met : card.first_response_breached)++;
        if (r.state == InstanceState::kStopped) builder->first_responses[*name].push_back(r.elapsed_seconds);
      } else {
        (met ? card.resolution_met : card.resolution_breached)++;
      }
    }
  }
  return {owners.Take(), teams.Take()};
}

}  // namespace slamon::projections
