#include "projections/accounts/value_projection.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "events/common/json_writer.h"
#include "projections/accounts/health_projection.h"

namespace slamon::projections {
namespace {

using events::EventType;

template <typename T>
bool StampLess(const T& a, const T& b) {
  return std::tie(a.t, a.id) < std::tie(b.t, b.id);
}

// Sorted insert by (t, id); false for a verbatim duplicate.
template <typename T>
bool InsertSorted(std::vector<T>* v, T item) {
  auto pos = std::lower_bound(v->begin(), v->end(), item, StampLess<T>);
  if (pos != v->end() && pos->t == item.t && pos->id == item.id) return false;
  v->insert(pos, std::move(item));
  return true;
}

// [first, last) of the items with t in (after, as_of].
template <typename T>
std::pair<typename std::vector<T>::const_iterator, typename std::vector<T>::const_iterator> Window(
    const std::vector<T>& v, int64_t after, int64_t as_of) {
  auto first = std::partition_point(v.begin(), v.end(), [&](const T& x) { return x.t <= after; });
  auto last = std::partition_point(first, v.end(), [&](const T& x) { return x.t <= as_of; });
  return {first, last};
}

}  // namespace

std::optional<double> NpsCounts::Score() const {
  if (answered == 0) return std::nullopt;
  return 100.0 * static_cast<double>(promoters - detractors) / static_cast<double>(answered);
}

std::optional<double> CsatScoreSum::Mean() const {
  if (answered == 0) return std::nullopt;
  return static_cast<double>(sum) / static_cast<double>(answered);
}

int64_t NearestRank(const std::vector<int64_t>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

double EngagementSignal(const std::optional<int64_t>& reference, const std::optional<int64_t>& cadence_seconds,
                        int64_t as_of) {
  if (!reference || !cadence_seconds || *cadence_seconds <= 0) return 100;
  const auto since = static_cast<double>(as_of - *reference);
  const auto cadence = static_cast<double>(*cadence_seconds);
  if (since <= cadence) return 100;
  if (since >= 2 * cadence) return 0;
  return 100.0 * (2 * cadence - since) / cadence;
}

void ValueProjection::Apply(const events::Event& e) {
  switch (e.type) {
    case EventType::kOrderPlaced:
      InsertSorted(&accounts_[e.account_id].orders, Order{e.occurred_at, e.id, e.amount, e.currency});
      break;
    case EventType::kSurveyAnswered:
      InsertSorted(&accounts_[e.account_id].answers,
                   Answer{e.occurred_at, e.id, e.survey_kind == events::SurveyKind::kNps, e.score});
      break;
    case EventType::kInteractionLogged:
      if (e.direction == events::Direction::kOutbound) {
        InsertSorted(&accounts_[e.account_id].outbound, Stamp{e.occurred_at, e.id});
      }
      break;
    case EventType::kAccountUpserted:
    case EventType::kAccountUpdated: {
      auto& first = accounts_[e.account_id].first_known;
      Stamp s{e.occurred_at, e.id};
      if (!first || StampLess(s, *first)) first = std::move(s);
      break;
    }
    case EventType::kTicketOpened: {
      if (e.ticket_id.empty()) break;
      // The first ticket.opened in canonical order counts; a second one is ignored.
      TicketOpen open{e.occurred_at, e.id, e.category};
      auto [it, inserted] = tickets_.try_emplace(e.ticket_id, open);
      if (!inserted && StampLess(open, it->second)) it->second = std::move(open);
      break;
    }
    default:
      break;
  }
}

ValueRecord ValueProjection::Evaluate(const AccountState& state, int64_t as_of, const ValueConfig& config) const {
  ValueRecord v;
  const int64_t after_12m = as_of - kValueWindowSeconds;
  auto found = accounts_.find(state.account_id);
  const Account* a = found == accounts_.end() ? nullptr : &found->second;
  if (a != nullptr) {
    std::map<std::string, CurrencyValue> others;
    std::optional<int64_t> latest;
    for (const Order& o : a->orders) {
      if (o.t > as_of) break;
      const bool in_window = o.t > after_12m;
      if (o.currency.empty() || o.currency == config.currency) {
        v.lifetime_value += o.amount;
        if (in_window) {
          v.value_12m += o.amount;
          ++v.orders_12m;
        }
        latest = o.t;
      } else {
        CurrencyValue& c = others[o.currency];
        c.currency = o.currency;
        c.lifetime_value += o.amount;
        if (in_window) {
          c.value_12m += o.amount;
          ++c.orders_12m;
        }
      }
    }
    for (auto& [code, c] : others) v.other_currencies.push_back(std::move(c));
    if (latest) {
      v.recency_days = static_cast<double>(as_of - *latest) / static_cast<double>(kDaySeconds);
      v.r_score = RecencyScore(config, *v.recency_days);
    }
  }
  v.f_score = FrequencyScore(config, static_cast<double>(v.orders_12m));
  v.m_score = MonetaryScore(config, v.value_12m);
  v.nps_90d = Nps(state.account_id, as_of, kNpsWindowSeconds);
  v.csat_30d = CsatScores(state.account_id, as_of, 30 * kDaySeconds);
  v.csat_90d = CsatScores(state.account_id, as_of, 90 * kDaySeconds);

  auto cadence = config.followup.find(state.attributes.tier);
  if (cadence != config.followup.end() && state.known) v.cadence_seconds = cadence->second;
  if (a != nullptr) {
    auto [first, last] = Window(a->outbound, INT64_MIN, as_of);
    if (last != first) {
      v.followup_reference = std::prev(last)->t;
    } else if (a->first_known && a->first_known->t <= as_of) {
      v.followup_reference = a->first_known->t;
    }
  }
  if (!state.churned && v.cadence_seconds && v.followup_reference) {
    const double since = static_cast<double>(as_of - *v.followup_reference) / static_cast<double>(kDaySeconds);
    const double cadence_days = static_cast<double>(*v.cadence_seconds) / static_cast<double>(kDaySeconds);
    v.followup_overdue_days = std::max(0.0, since - cadence_days);
  }
  return v;
}

const ValueProjection::Account* ValueProjection::FindAccount(std::string_view account_id) const {
  auto found = accounts_.find(std::string(account_id));
  return found == accounts_.end() ? nullptr : &found->second;
}

template <typename Fn>
void ValueProjection::ForAnswers(std::string_view account_id, int64_t as_of, int64_t window, Fn fn) const {
  auto found = accounts_.find(std::string(account_id));
  if (found == accounts_.end()) return;
  auto [first, last] = Window(found->second.answers, as_of - window, as_of);
  for (auto it = first; it != last; ++it) fn(*it);
}

NpsCounts ValueProjection::Nps(std::string_view account_id, int64_t as_of, int64_t window_seconds) const {
  NpsCounts c;
  ForAnswers(account_id, as_of, window_seconds, [&](const Answer& x) {
    if (!x.nps) return;
    ++c.answered;
    if (x.score >= 9) ++c.promoters;
    if (x.score <= 6) ++c.detractors;
  });
  return c;
}

CsatScoreSum ValueProjection::CsatScores(std::string_view account_id, int64_t as_of, int64_t window_seconds) const {
  CsatScoreSum c;
  ForAnswers(account_id, as_of, window_seconds, [&](const Answer& x) {
    if (x.nps) return;
    ++c.answered;
    c.sum += x.score;
  });
  return c;
}

template <typename Counts, typename CountOf, typename KeyOf>
std::map<std::string, Counts> ValueProjection::Group(int64_t as_of, const AccountProjection& accounts, CountOf count_of,
                                                     KeyOf key_of) const {
  std::map<std::string, Counts> out;
  for (const auto& [id, account] : accounts_) {
    if (account.answers.empty()) continue;
    const Counts c = count_of(id);
    if (c.answered == 0) continue;
    const auto state = accounts.At(id, as_of);
    out[key_of(state ? state->attributes : AccountAttributes{})] += c;
  }
  return out;
}

std::map<std::string, NpsCounts> ValueProjection::NpsByTier(int64_t as_of, int64_t window,
                                                            const AccountProjection& a) const {
  return Group<NpsCounts>(
      as_of, a, [&](const std::string& id) { return Nps(id, as_of, window); },
      [](const AccountAttributes& at) { return at.tier; });
}

std::map<std::string, NpsCounts> ValueProjection::NpsByOwner(int64_t as_of, int64_t window,
                                                             const AccountProjection& a) const {
  return Group<NpsCounts>(
      as_of, a, [&](const std::string& id) { return Nps(id, as_of, window); },
      [](const AccountAttributes& at) { return at.owner; });
}

std::map<std::string, CsatScoreSum> ValueProjection::CsatScoresByTier(int64_t as_of, int64_t window,
                                                                      const AccountProjection& a) const {
  return Group<CsatScoreSum>(
      as_of, a, [&](const std::string& id) { return CsatScores(id, as_of, window); },
      [](const AccountAttributes& at) { return at.tier; });
}

std::string_view ValueProjection::CategoryOf(std::string_view ticket_id) const {
  auto found = tickets_.find(std::string(ticket_id));
  return found == tickets_.end() ? std::string_view() : std::string_view(found->second.category);
}

std::map<std::string, ResolutionStats> ValueProjection::ComplaintHandling(const std::vector<SlaRecord>& records,
                                                                          int64_t as_of, int64_t window_seconds,
                                                                          const ValueConfig& config) const {
  std::map<std::string, std::vector<int64_t>> elapsed;
  for (const std::string& label : config.CategoryLabels()) elapsed[label];
  const int64_t after = as_of - window_seconds;
  for (const SlaRecord& r : records) {
    if (r.metric != Metric::kResolution || r.cycle != 1 || r.state != InstanceState::kStopped || !r.stop) continue;
    if (*r.stop <= after || *r.stop > as_of) continue;
    elapsed[std::string(config.CategoryLabel(CategoryOf(r.ticket_id)))].push_back(r.elapsed_seconds);
  }
  std::map<std::string, ResolutionStats> out;
  for (auto& [label, v] : elapsed) {
    ResolutionStats& s = out[label];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    s.count = static_cast<int64_t>(v.size());
    double sum = 0;
    for (int64_t x : v) sum += static_cast<double>(x);
    s.mean = sum / static_cast<double>(v.size());
    s.p50 = NearestRank(v, 50);
    s.p90 = NearestRank(v, 90);
  }
  return out;
}

void AppendValueJson(const ValueRecord& v, events::JsonWriter& w) {
  auto number = [&w](std::string_view key, const std::optional<double>& x) {
    w.Key(key);
    if (x) {
      w.Fixed(*x, 6);
    } else {
      w.Null();
    }
  };
  w.Key("lifetime_value").Fixed(v.lifetime_value, 6).Key("value_12m").Fixed(v.value_12m, 6);
  w.Key("other_currencies").BeginObject();
  for (const CurrencyValue& c : v.other_currencies) {
    w.Key(c.currency).BeginObject();
    w.Key("lifetime_value").Fixed(c.lifetime_value, 6).Key("value_12m").Fixed(c.value_12m, 6);
    w.Field("orders_12m", int64_t{c.orders_12m}).EndObject();
  }
  w.EndObject().Key("rfm").BeginObject();
  number("recency_days", v.recency_days);
  w.Field("frequency", int64_t{v.orders_12m}).Key("monetary").Fixed(v.value_12m, 6).Key("r");
  if (v.r_score) {
    w.Int(*v.r_score);
  } else {
    w.Null();
  }
  w.Field("f", int64_t{v.f_score}).Field("m", int64_t{v.m_score}).EndObject();
  number("nps_90d", v.nps_90d.Score());
  number("csat_mean_30d", v.csat_30d.Mean());
  number("csat_mean_90d", v.csat_90d.Mean());
  number("followup_overdue_days", v.followup_overdue_days);
}

}  // namespace slamon::projections
