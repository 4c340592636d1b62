#include "projections/accounts/csat_projection.h"

#include <algorithm>
#include <tuple>

namespace slamon::projections {

std::optional<double> CsatCounts::Percent() const {
  if (answered == 0) return std::nullopt;
  return static_cast<double>(satisfied) / static_cast<double>(answered) * 100.0;
}

void CsatProjection::Apply(const events::Event& e) {
  if (!e.IsCsatAnswer()) return;
  auto [it, inserted] = index_.try_emplace(e.account_id, static_cast<uint32_t>(accounts_.size()));
  if (inserted) accounts_.push_back(Account{e.account_id, {}});
  auto& answers = accounts_[it->second].answers;
  Answer answer{e.occurred_at, e.id, e.score >= 4};
  auto less = [](const Answer& a, const Answer& b) { return std::tie(a.t, a.id) < std::tie(b.t, b.id); };
  auto pos = std::lower_bound(answers.begin(), answers.end(), answer, less);
  if (pos != answers.end() && pos->t == answer.t && pos->id == answer.id) return;  // duplicate
  answers.insert(pos, std::move(answer));
  ++answer_count_;
}

CsatCounts CsatProjection::CountWindow(const Account& a, int64_t as_of, int64_t window_seconds) {
  // (as_of − L, as_of]: the first answer strictly after as_of − L up to the last at or before as_of.
  const int64_t after = as_of - window_seconds;
  auto by_time = [](const Answer& x, int64_t t) { return x.t <= t; };
  auto first =
      std::partition_point(a.answers.begin(), a.answers.end(), [&](const Answer& x) { return by_time(x, after); });
  auto last = std::partition_point(first, a.answers.end(), [&](const Answer& x) { return by_time(x, as_of); });
  CsatCounts c;
  for (auto it = first; it != last; ++it) {
    ++c.answered;
    if (it->satisfied) ++c.satisfied;
  }
  return c;
}

CsatCounts CsatProjection::Counts(std::string_view account_id, int64_t as_of, int64_t window_seconds) const {
  auto found = index_.find(std::string(account_id));
  if (found == index_.end()) return {};
  return CountWindow(accounts_[found->second], as_of, window_seconds);
}

template <typename KeyOf>
std::map<std::string, CsatCounts> CsatProjection::Group(int64_t as_of, int64_t window_seconds,
                                                        const AccountProjection& accounts, KeyOf key_of) const {
  std::map<std::string, CsatCounts> out;
  for (const Account& a : accounts_) {
    const CsatCounts c = CountWindow(a, as_of, window_seconds);
    if (c.answered == 0) continue;
    const auto state = accounts.At(a.id, as_of);
    const AccountAttributes attributes = state ? state->attributes : AccountAttributes{};
    out[key_of(attributes)] += c;
  }
  return out;
}

std::map<std::string, CsatCounts> CsatProjection::ByTier(int64_t as_of, int64_t window_seconds,
                                                         const AccountProjection& accounts) const {
  return Group(as_of, window_seconds, accounts, [](const AccountAttributes& a) { return a.tier; });
}

std::map<std::string, CsatCounts> CsatProjection::ByOwner(int64_t as_of, int64_t window_seconds,
                                                          const AccountProjection& accounts) const {
  return Group(as_of, window_seconds, accounts, [](const AccountAttributes& a) { return a.owner; });
}

CsatCounts CsatProjection::Total(int64_t as_of, int64_t window_seconds) const {
  CsatCounts total;
  for (const Account& a : accounts_) total += CountWindow(a, as_of, window_seconds);
  return total;
}

}  // namespace slamon::projections
