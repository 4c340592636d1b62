#include "projections/report/report_value.h"

#include <algorithm>

namespace slamon::projections {

KeyAccountReport BuildKeyAccountReport(const HealthProjection& health, const std::vector<AccountRecord>& accounts,
                                       const std::vector<SlaRecord>& records, int64_t as_of, int64_t window) {
  const ValueConfig& config = health.config().value;
  KeyAccountReport r;
  r.currency = config.currency;
  std::map<std::string, KeyAccountReport::TierValue> tiers;
  std::map<std::pair<std::string, std::string>, KeyAccountReport::OwnerFollowup> owners;
  for (const AccountRecord& a : accounts) {
    auto& t = tiers[a.tier];
    t.tier = a.tier;
    ++t.accounts;
    t.lifetime_value += a.value.lifetime_value;
    t.value_12m += a.value.value_12m;
    for (const auto& c : a.value.other_currencies) t.other_currencies_12m[c.currency] += c.value_12m;
    if (a.churned || !a.value.cadence_seconds) continue;
    auto& o = owners[{a.tier, a.owner}];
    o.tier = a.tier;
    o.owner = a.owner;
    ++o.with_cadence;
    if (a.value.followup_overdue_days && *a.value.followup_overdue_days > 0) {
      ++o.overdue;
      o.max_overdue_days = std::max(o.max_overdue_days, *a.value.followup_overdue_days);
    }
  }
  for (auto& [tier, t] : tiers) r.value_by_tier.push_back(std::move(t));
  for (auto& [key, o] : owners) r.followup.push_back(std::move(o));
  r.nps_by_tier = health.value().NpsByTier(as_of, window, health.accounts());
  for (const auto& [tier, c] : r.nps_by_tier) r.nps_total += c;
  for (const auto& label : config.ReasonLabels()) r.churn_reasons[label] = 0;
  for (const auto& [reason, n] : health.accounts().ChurnDetail(as_of, window).by_reason) {
    r.churn_reasons[std::string(config.ReasonLabel(reason))] += n;
  }
  r.complaints = health.value().ComplaintHandling(records, as_of, window, config);
  return r;
}

void AppendKeyAccountNotes(const KeyAccountReport& r, std::vector<std::string>* notes) {
  notes->push_back("Value: order.placed amounts in " + r.currency + " (orders without a currency count as " +
                   r.currency +
                   "); lifetime = every order up to the evaluation instant, 12 months = the 365 days ending at it; "
                   "every account of the tier, churned ones too. Other currencies are listed, never converted.");
  notes->emplace_back(
      "Follow-up: live accounts whose tier has a follow-up cadence; overdue = more days since the latest outbound "
      "interaction (or the account's first account.upserted or account.updated without one) than the cadence, at "
      "the evaluation instant.");
  notes->emplace_back(
      "NPS: answers of kind nps given in the window; % promoters (9-10) - % detractors (0-6); n/a without answers.");
  notes->emplace_back(
      "Churn reasons: the accounts counted as churned in the churn rate, by the reason of their churn (reasons not "
      "in the configured list, and churns without one, as other).");
  notes->emplace_back(
      "Complaint handling: tickets whose first resolution cycle stopped in the window, by category (not in the "
      "configured list or none: other); business time on the ticket's SLA calendar, pauses excluded; p50 and p90 "
      "by nearest rank. Tickets without a resolution target have no resolution clock and are not counted.");
}

}  // namespace slamon::projections
