#include "daemon/api/scorecards.h"

#include <set>
#include <utility>

namespace slamon::daemon {

using projections::Scorecard;
using projections::TrendCount;

bool AccountMatches(const projections::AccountRecord& account, const projections::TrendFilter& filter) {
  return filter.Matches(account.tier, account.team, account.owner);
}

std::vector<Scorecard> LiveScorecards(projections::TrendDimension by,
                                      const std::map<std::string, projections::TrendCounts>& totals,
                                      const std::vector<projections::AccountRecord>& accounts,
                                      const projections::TrendFilter& filter) {
  const bool by_owner = by == projections::TrendDimension::kOwner;
  std::map<std::string, Scorecard> cards;
  std::map<std::string, std::set<std::string>> related;
  auto at = [&](const std::string& name) -> Scorecard& {
    Scorecard& c = cards[name];
    c.name = name;
    return c;
  };
  for (const auto& [name, c] : totals) {
    Scorecard& card = at(name);
    card.first_response_met = c[projections::MetCount(0)];
    card.first_response_breached = c[projections::BreachedCount(0)];
    card.resolution_met = c[projections::MetCount(2)];
    card.resolution_breached = c[projections::BreachedCount(2)];
    card.first_responses = static_cast<int64_t>(c.first_response_seconds.size());
    card.median_first_response_seconds = c.MedianFirstResponse();
    card.csat = {c[TrendCount::kCsatAnswers], c[TrendCount::kCsatSatisfied]};
    card.nps = {c[TrendCount::kNpsAnswers], c[TrendCount::kNpsPromoters], c[TrendCount::kNpsDetractors]};
  }
  for (const projections::AccountRecord& a : accounts) {
    if (!AccountMatches(a, filter)) continue;
    const std::string& name = by_owner ? a.owner : a.team;
    projections::AddAccountState(a, &at(name));
    const std::string& other = by_owner ? a.team : a.owner;
    if (!other.empty()) related[name].insert(other);
  }
  std::vector<Scorecard> out;
  out.reserve(cards.size());
  for (auto& [name, card] : cards) {
    card.related.assign(related[name].begin(), related[name].end());
    out.push_back(std::move(card));
  }
  return out;
}

}  // namespace slamon::daemon
