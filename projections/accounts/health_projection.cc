#include "projections/accounts/health_projection.h"

#include <date/date.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>

#include "events/common/json_writer.h"

namespace slamon::projections {
namespace {

using events::EventType;

constexpr double kLevelEpsilon = 1e-9;
constexpr std::array<std::string_view, kHealthLevelCount> kLevelNames = {"healthy", "watch", "at_risk", "churned"};

bool IsInbound(const events::Event& e) {
  switch (e.type) {
    case EventType::kTicketOpened:
    case EventType::kSurveyAnswered:
      return true;
    case EventType::kTicketReplied:
      return e.author == events::Author::kCustomer;  // public or internal: the customer spoke
    case EventType::kInteractionLogged:
      return e.direction == events::Direction::kInbound;
    default:
      return false;
  }
}

// Days since 1970-01-01 of a YYYY-MM-DD date.
std::optional<int64_t> ParseDays(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const size_t parts[3][2] = {{0, 4}, {5, 7}, {8, 10}};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = parts[p][0]; i < parts[p][1]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v[p] = v[p] * 10 + (s[i] - '0');
    }
  }
  const date::year_month_day ymd{date::year{v[0]}, date::month{static_cast<unsigned>(v[1])},
                                 date::day{static_cast<unsigned>(v[2])}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days(ymd).time_since_epoch().count();
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::string_view HealthLevelName(HealthLevel l) { return kLevelNames[static_cast<size_t>(l)]; }

double CsatSignal(const std::optional<double>& csat_90d) { return csat_90d ? *csat_90d : kCsatNoAnswersScore; }

double SlaSignal(int64_t breached, int64_t total) {
  if (total <= 0) return 100;
  return 100.0 * (1.0 - static_cast<double>(breached) / static_cast<double>(total));
}

double SilenceSignal(const std::optional<int64_t>& last_inbound, int64_t as_of) {
  if (!last_inbound) return 0;
  const double days = static_cast<double>(as_of - *last_inbound) / static_cast<double>(kDaySeconds);
  if (days <= kSilenceFullDays) return 100;
  if (days >= kSilenceZeroDays) return 0;
  return 100.0 * (kSilenceZeroDays - days) / (kSilenceZeroDays - kSilenceFullDays);
}

double ReopenSignal(int64_t reopens, int64_t resolves) {
  if (reopens <= 0) return 100;
  if (reopens >= resolves) return 0;  // also covers resolves == 0 with reopens > 0
  return 100.0 * (1.0 - static_cast<double>(reopens) / static_cast<double>(resolves));
}

HealthLevel LevelForScore(double score) {
  if (score + kLevelEpsilon >= kHealthyAtLeast) return HealthLevel::kHealthy;
  if (score + kLevelEpsilon >= kWatchAtLeast) return HealthLevel::kWatch;
  return HealthLevel::kAtRisk;
}

bool RenewalSoon(std::string_view renewal_date, int64_t as_of) {
  const auto renewal = ParseDays(renewal_date);
  if (!renewal) return false;
  const int64_t days = *renewal - FloorDiv(as_of, kDaySeconds);
  return days >= 0 && days <= kRenewalSoonDays;
}

std::string FormatDecimal(double v) { return events::FormatFixed(v, 6); }

HealthProjection::HealthProjection(HealthConfig config) : config_(std::move(config)) {}

void HealthProjection::InsertStamp(std::vector<Stamp>* v, const events::Event& e) {
  Stamp stamp{e.occurred_at, e.id};
  auto less = [](const Stamp& a, const Stamp& b) { return std::tie(a.t, a.id) < std::tie(b.t, b.id); };
  auto pos = std::lower_bound(v->begin(), v->end(), stamp, less);
  if (pos != v->end() && pos->t == stamp.t && pos->id == stamp.id) return;  // duplicate
  v->insert(pos, std::move(stamp));
}

void HealthProjection::Apply(const events::Event& e) {
  accounts_.Apply(e);
  csat_.Apply(e);
  value_.Apply(e);
  if (IsInbound(e)) {
    InsertStamp(&activity_[e.account_id].inbound, e);
  } else if (e.type == EventType::kTicketResolved) {
    InsertStamp(&activity_[e.account_id].resolves, e);
  } else if (e.type == EventType::kTicketReopened) {
    InsertStamp(&activity_[e.account_id].reopens, e);
  }
}

int64_t HealthProjection::CountWindow(const std::vector<Stamp>& v, int64_t as_of, int64_t window_seconds) {
  const int64_t after = as_of - window_seconds;
  auto first = std::partition_point(v.begin(), v.end(), [&](const Stamp& s) { return s.t <= after; });
  auto last = std::partition_point(first, v.end(), [&](const Stamp& s) { return s.t <= as_of; });
  return last - first;
}

std::optional<int64_t> HealthProjection::LastInbound(std::string_view account_id, int64_t as_of) const {
  auto found = activity_.find(std::string(account_id));
  if (found == activity_.end()) return std::nullopt;
  const auto& v = found->second.inbound;
  auto it = std::partition_point(v.begin(), v.end(), [&](const Stamp& s) { return s.t <= as_of; });
  if (it == v.begin()) return std::nullopt;
  return std::prev(it)->t;
}

AccountRecord HealthProjection::Evaluate(const AccountState& state, int64_t as_of, int64_t sla_breached,
                                         int64_t sla_total) const {
  AccountRecord r;
  r.account_id = state.account_id;
  r.tier = state.attributes.tier;
  r.owner = state.attributes.owner;
  r.team = state.attributes.team;
  r.csat_30d = csat_.Percent(state.account_id, as_of, kCsatWindow30d);
  r.csat_90d = csat_.Percent(state.account_id, as_of, kCsatWindow90d);
  r.churned = state.churned;
  r.value = value_.Evaluate(state, as_of, config_.value);
  if (state.churned) {
    r.level = HealthLevel::kChurned;
    return r;
  }
  HealthSignals s;
  s[HealthSignal::kCsat] = CsatSignal(r.csat_90d);
  s[HealthSignal::kSla] = SlaSignal(sla_breached, sla_total);
  s[HealthSignal::kSilence] = SilenceSignal(LastInbound(state.account_id, as_of), as_of);
  int64_t reopens = 0, resolves = 0;
  if (auto found = activity_.find(state.account_id); found != activity_.end()) {
    reopens = CountWindow(found->second.reopens, as_of, kHealthWindowSeconds);
    resolves = CountWindow(found->second.resolves, as_of, kHealthWindowSeconds);
  }
  s[HealthSignal::kReopen] = ReopenSignal(reopens, resolves);
  s[HealthSignal::kEngagement] = EngagementSignal(r.value.followup_reference, r.value.cadence_seconds, as_of);

  double weighted = 0;
  std::array<std::pair<double, int>, kHealthSignalCount> shortfall;
  for (int i = 0; i < kHealthSignalCount; ++i) {
    weighted += config_.weights[i] * s.score[i];
    shortfall[i] = {config_.weights[i] * (100.0 - s.score[i]), i};
  }
  r.health_score = weighted / config_.WeightSum();
  r.level = LevelForScore(*r.health_score);
  r.signals = s;
  // Largest shortfall first; stable so that ties keep the documented signal order.
  std::stable_sort(shortfall.begin(), shortfall.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int i = 0; i < 2; ++i) {
    if (shortfall[i].first > 0) r.top_signals.push_back(static_cast<HealthSignal>(shortfall[i].second));
  }
  r.renewal_soon = RenewalSoon(state.attributes.renewal_date, as_of);
  return r;
}

std::vector<AccountRecord> HealthProjection::EvaluateAccounts(int64_t as_of, const std::vector<SlaRecord>& sla_records,
                                                              std::string_view account_filter) const {
  // Per account: {breached, total} over instances started in the window that are stopped or breached.
  std::unordered_map<std::string_view, std::pair<int64_t, int64_t>> sla;
  const int64_t after = as_of - kHealthWindowSeconds;
  for (const SlaRecord& rec : sla_records) {
    if (rec.start <= after || rec.start > as_of) continue;
    if (rec.state != InstanceState::kStopped && !rec.breached) continue;
    auto& counts = sla[rec.account_id];
    if (rec.breached) ++counts.first;
    ++counts.second;
  }
  std::vector<AccountRecord> out;
  auto add = [&](const AccountState& state) {
    auto found = sla.find(state.account_id);
    const auto counts = found == sla.end() ? std::pair<int64_t, int64_t>{0, 0} : found->second;
    out.push_back(Evaluate(state, as_of, counts.first, counts.second));
  };
  if (!account_filter.empty()) {
    if (auto state = accounts_.At(account_filter, as_of)) add(*state);
    return out;
  }
  const std::vector<std::string> ids = accounts_.AccountIds(as_of);
  out.reserve(ids.size());
  for (const std::string& id : ids) add(*accounts_.At(id, as_of));
  return out;
}

void AppendJsonl(const AccountRecord& r, std::string* out) {
  events::JsonWriter w(out);
  auto optional = [&w](std::string_view key, const std::optional<double>& v) {
    w.Key(key);
    if (v) {
      w.Fixed(*v, 6);
    } else {
      w.Null();
    }
  };
  w.BeginObject().Field("account_id", r.account_id).Field("tier", r.tier).Field("owner", r.owner);
  optional("csat_30d", r.csat_30d);
  optional("csat_90d", r.csat_90d);
  optional("health_score", r.health_score);
  w.Field("level", HealthLevelName(r.level)).Key("signals");
  if (r.signals) {
    w.BeginObject();
    for (int i = 0; i < kHealthSignalCount; ++i) {
      w.Key(HealthSignalName(static_cast<HealthSignal>(i))).Fixed(r.signals->score[i], 6);
    }
    w.EndObject();
  } else {
    w.Null();
  }
  w.Field("renewal_soon", r.renewal_soon).Field("churned", r.churned);
  AppendValueJson(r.value, w);
  w.EndObject();
  out->push_back('\n');
}

}  // namespace slamon::projections
