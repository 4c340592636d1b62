#include "projections/trends/trends_projection.h"

#include <algorithm>
#include <utility>

#include "projections/core/state_codec.h"

namespace slamon::projections {
namespace {

using events::EventType;

constexpr std::string_view kMagic = "SLTR";
constexpr uint8_t kFormat = 1;

constexpr uint16_t Bit(TrendCount c) { return static_cast<uint16_t>(1u << static_cast<unsigned>(c)); }

// The trend metric of an SLA metric (first_response 0, next_response 1,
// resolution 2), -1 for department clocks, which the trends leave out.
int TrendMetricOf(Metric m) {
  switch (m) {
    case Metric::kFirstResponse:
      return 0;
    case Metric::kNextResponse:
      return 1;
    case Metric::kResolution:
      return 2;
    case Metric::kAssignment:
      break;
  }
  return -1;
}

// A length-prefixed key, so that no tier, team or owner text can collide.
std::string BucketKeyText(std::string_view tier, std::string_view team, std::string_view owner) {
  std::string key;
  for (std::string_view part : {tier, team, owner}) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  }
  return key;
}

}  // namespace

TrendsProjection::TrendsProjection(SlaProjection* sla, const HealthProjection* health, bool live)
    : sla_(sla), health_(health), live_(live) {
  if (live_) {
    sla_->SetRecordListener([this](uint32_t ticket, const std::vector<SlaRecord>& records, int64_t now) {
      OnTicketRecords(ticket, records, now);
    });
  }
}

void TrendsProjection::SetNow(int64_t now) {
  if (now <= now_) return;
  now_ = now;
  const int32_t horizon = WeekOf(now) - (kMaxTrendWeeks - 1);
  if (horizon <= horizon_) return;
  horizon_ = horizon;
  // Contributions to the dropped weeks stay in the ticket and account lists
  // until those are recomputed; Add() skips weeks before the horizon.
  for (Bucket& b : buckets_) b.weeks.erase(b.weeks.begin(), b.weeks.lower_bound(horizon_));
}

uint32_t TrendsProjection::BucketOf(std::string_view tier, std::string_view team, std::string_view owner) {
  auto [it, inserted] =
      bucket_index_.try_emplace(BucketKeyText(tier, team, owner), static_cast<uint32_t>(buckets_.size()));
  if (inserted) buckets_.push_back(Bucket{std::string(tier), std::string(team), std::string(owner), {}});
  return it->second;
}

void TrendsProjection::Add(const std::vector<Contribution>& contributions, int sign) {
  for (const Contribution& c : contributions) {
    if (c.week < horizon_) continue;  // a dropped week: added before, pruned since
    auto& weeks = buckets_[c.bucket].weeks;
    TrendCounts& counts = weeks[c.week];
    for (int i = 0; i < kTrendCountCount; ++i) {
      if ((c.mask & (1u << static_cast<unsigned>(i))) != 0) counts.n[static_cast<size_t>(i)] += sign;
    }
    if ((c.mask & kValueBit) != 0) {
      auto& v = counts.first_response_seconds;
      const auto value = static_cast<int64_t>(c.value);
      if (sign > 0) {
        v.insert(std::upper_bound(v.begin(), v.end(), value), value);
      } else if (auto pos = std::lower_bound(v.begin(), v.end(), value); pos != v.end() && *pos == value) {
        v.erase(pos);
      }
    }
    if (sign < 0 && counts.empty()) weeks.erase(c.week);
  }
}

// Long on purpose: one pass over a ticket's records classifies every verdict
// and first-response time, which split functions would pass around.
void TrendsProjection::OnTicketRecords(uint32_t ticket, const std::vector<SlaRecord>& records, int64_t now) {
  SetNow(now);
  if (auto it = tickets_.find(ticket); it != tickets_.end()) {
    Add(it->second, -1);
    tickets_.erase(it);
  }
  const int64_t from = WeekStart(horizon_);
  const AccountProjection& accounts = health_->accounts();
  std::vector<Contribution> out;
  for (const SlaRecord& r : records) {
    const int metric = TrendMetricOf(r.metric);
    if (metric < 0) continue;
    // The verdict instant: the breach instant of a breached clock, the stop
    // of a met one; a running clock below its target has none yet.
    int64_t verdict = 0;
    TrendCount count = MetCount(metric);
    if (r.breached && r.breach_at) {
      verdict = *r.breach_at;
      count = BreachedCount(metric);
    } else if (r.state == InstanceState::kStopped && r.stop) {
      verdict = *r.stop;
    } else {
      continue;
    }
    // Tier at the ticket's open (the record's), owner and team at the instant.
    if (verdict >= from) {
      const auto key = accounts.KeyAt(r.account_id, verdict);
      out.push_back({BucketOf(r.tier, key.team, key.owner), WeekOf(verdict), 0, Bit(count)});
    }
    if (metric == 0 && r.state == InstanceState::kStopped && r.stop && *r.stop >= from) {
      const auto key = accounts.KeyAt(r.account_id, *r.stop);
      const auto seconds = static_cast<uint32_t>(std::clamp<int64_t>(r.elapsed_seconds, 0, UINT32_MAX));
      out.push_back({BucketOf(r.tier, key.team, key.owner), WeekOf(*r.stop), seconds, kValueBit});
    }
  }
  if (out.empty()) return;
  Add(out, +1);
  tickets_.emplace(ticket, std::move(out));
}

uint32_t TrendsProjection::AccountIndex(std::string_view id) {
  auto [it, inserted] = account_index_.try_emplace(std::string(id), static_cast<uint32_t>(accounts_.size()));
  if (inserted) accounts_.push_back(Account{std::string(id), {}, 0, false});
  return it->second;
}

void TrendsProjection::MarkDirty(uint32_t account) {
  if (accounts_[account].dirty) return;
  accounts_[account].dirty = true;
  dirty_.push_back(account);
}

void TrendsProjection::Apply(const events::Event& e) {
  if (!live_ || e.account_id.empty()) return;
  switch (e.type) {
    case EventType::kAccountUpserted:
    case EventType::kAccountUpdated:
    case EventType::kAccountChurned:
    case EventType::kSurveyAnswered:
      break;
    case EventType::kInteractionLogged:
      if (e.direction != events::Direction::kOutbound) return;
      break;
    default:
      return;
  }
  MarkDirty(AccountIndex(e.account_id));
}

void TrendsProjection::RefreshAccount(uint32_t index) {
  Account& a = accounts_[index];
  a.dirty = false;
  Add(a.contributions, -1);
  a.contributions.clear();
  const int64_t next = ComputeAccount(a.id, &a.contributions);
  Add(a.contributions, +1);
  if (a.contributions.empty()) a.contributions.shrink_to_fit();
  ++a.generation;
  if (next != kNever) wakes_.push(Wake{next, index, a.generation});
}

int64_t TrendsProjection::ComputeAccount(const std::string& id, std::vector<Contribution>* out) {
  const int64_t from = WeekStart(horizon_);
  const AccountProjection& accounts = health_->accounts();
  int64_t next = kNever;
  // Counted under the tier, team and owner at the instant.
  auto count = [&](int64_t t, uint16_t mask) {
    const auto key = accounts.KeyAt(id, t);
    out->push_back({BucketOf(key.tier, key.team, key.owner), WeekOf(t), 0, mask});
  };
  if (const ValueProjection::Account* v = health_->value().FindAccount(id)) {
    auto first = std::partition_point(v->answers.begin(), v->answers.end(),
                                      [&](const ValueProjection::Answer& x) { return x.t < from; });
    for (auto it = first; it != v->answers.end(); ++it) {
      if (it->t > now_) {
        next = std::min(next, it->t);
        break;
      }
      uint16_t mask = 0;
      if (it->nps) {
        mask = Bit(TrendCount::kNpsAnswers);
        if (it->score >= 9) mask |= Bit(TrendCount::kNpsPromoters);
        if (it->score <= 6) mask |= Bit(TrendCount::kNpsDetractors);
      } else {
        mask = Bit(TrendCount::kCsatAnswers);
        if (it->score >= 4) mask |= Bit(TrendCount::kCsatSatisfied);
      }
      count(it->t, mask);
    }
    next = std::min(next, ComputeFollowups(id, out));
  }
  for (int64_t t : accounts.ChurnTimes(id)) {
    if (t < from) continue;
    if (t > now_) {
      next = std::min(next, t);
      break;
    }
    count(t, Bit(TrendCount::kChurned));  // a churn sets no field: those set before it
  }
  return next;
}

// Long on purpose: the follow-up periods of docs/sla-semantics.md "Trends",
// start to verdict, in one loop.
int64_t TrendsProjection::ComputeFollowups(const std::string& id, std::vector<Contribution>* out) {
  const ValueProjection::Account& v = *health_->value().FindAccount(id);
  const auto& cadences = health_->config().value.followup;
  if (!v.first_known || cadences.empty()) return kNever;
  // The reference instant changes (docs/sla-semantics.md "Follow-up
  // cadence") at every outbound touch, and at the first upsert or update
  // when no touch precedes it: each change starts a follow-up period.
  std::vector<int64_t> starts;
  starts.reserve(v.outbound.size() + 1);
  for (const auto& s : v.outbound) starts.push_back(s.t);
  if (starts.empty() || starts.front() > v.first_known->t) starts.push_back(v.first_known->t);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());

  const int64_t from = WeekStart(horizon_);
  const AccountProjection& accounts = health_->accounts();
  // A period's verdict comes at or before the next period's start, so the
  // periods whose successor starts before the kept weeks are skipped.
  auto succ = std::lower_bound(starts.begin() + 1, starts.end(), from);
  int64_t next = kNever;
  for (size_t i = static_cast<size_t>(succ - starts.begin()) - 1; i < starts.size(); ++i) {
    const int64_t start = starts[i];
    if (start > now_) {
      next = std::min(next, start);
      break;
    }
    const auto at_start = accounts.KeyAt(id, start);
    auto cadence = cadences.find(std::string(at_start.tier));
    if (!at_start.known || cadence == cadences.end()) continue;
    const int64_t due = start + cadence->second;
    const bool touched = i + 1 < starts.size() && starts[i + 1] <= now_;
    int64_t verdict = 0;
    TrendCount outcome = TrendCount::kFollowupsOnTime;
    if (touched && starts[i + 1] <= due) {
      verdict = starts[i + 1];
    } else if (due < now_) {
      verdict = due;  // overdue from the next second on
      outcome = TrendCount::kFollowupsLate;
    } else {
      next = std::min(next, due + 1);
      continue;
    }
    if (verdict < from) continue;
    const auto at_verdict = accounts.KeyAt(id, verdict);
    if (at_verdict.churned) continue;  // a churned account owes no follow-up
    out->push_back({BucketOf(at_start.tier, at_verdict.team, at_verdict.owner), WeekOf(verdict), 0, Bit(outcome)});
  }
  return next;
}

void TrendsProjection::AdvanceTo(int64_t now) {
  if (!live_) return;
  SetNow(now);
  if (rebuild_) {
    rebuild_ = false;
    for (const std::string& id : health_->accounts().AccountIds(std::numeric_limits<int64_t>::max())) {
      MarkDirty(AccountIndex(id));
    }
  }
  std::vector<uint32_t> dirty;
  dirty.swap(dirty_);
  for (uint32_t a : dirty) RefreshAccount(a);
  while (!wakes_.empty() && wakes_.top().t <= now_) {
    const Wake w = wakes_.top();
    wakes_.pop();
    // Stale entries (the account was recomputed since) are skipped.
    if (w.generation == accounts_[w.account].generation) RefreshAccount(w.account);
  }
}

void TrendsProjection::SaveState(std::string* out) const { detail::StateWriter(out).Header(kMagic, kFormat); }

Status TrendsProjection::LoadState(std::string_view in) {
  detail::StateReader r(in);
  if (!r.Header(kMagic, kFormat) || !r.done()) return Status::Corruption("trends state: unexpected format");
  rebuild_ = true;
  return Status::OK();
}

template <typename Fn>
void TrendsProjection::ForEachWeek(const TrendFilter& filter, int weeks, Fn fn) const {
  if (now_ == std::numeric_limits<int64_t>::min()) return;
  const int32_t last = WeekOf(now_);
  const int32_t first = last - (std::clamp(weeks, 1, kMaxTrendWeeks) - 1);
  for (const Bucket& b : buckets_) {
    if (!filter.Matches(b.tier, b.team, b.owner)) continue;
    for (auto it = b.weeks.lower_bound(first); it != b.weeks.end() && it->first <= last; ++it) {
      fn(b, it->first, it->second);
    }
  }
}

TrendSeries TrendsProjection::Series(const TrendFilter& filter, int weeks) const {
  TrendSeries s;
  if (now_ == std::numeric_limits<int64_t>::min()) return s;
  s.as_of = now_;
  const int32_t last = WeekOf(now_);
  const int n = std::clamp(weeks, 1, kMaxTrendWeeks);
  for (int32_t w = last - (n - 1); w <= last; ++w) s.weeks.push_back(TrendWeek{w, WeekStart(w), w == last, {}});
  ForEachWeek(filter, n, [&](const Bucket&, int32_t week, const TrendCounts& c) {
    s.weeks[static_cast<size_t>(week - s.weeks.front().week)].counts += c;
  });
  return s;
}

std::map<std::string, TrendCounts> TrendsProjection::Totals(TrendDimension by, const TrendFilter& filter,
                                                            int weeks) const {
  std::map<std::string, TrendCounts> out;
  ForEachWeek(filter, weeks, [&](const Bucket& b, int32_t, const TrendCounts& c) {
    const std::string& name = by == TrendDimension::kTier ? b.tier : by == TrendDimension::kTeam ? b.team : b.owner;
    out[name] += c;
  });
  return out;
}

std::set<std::string> TrendsProjection::Names(TrendDimension by) const {
  std::set<std::string> out;
  for (const Bucket& b : buckets_) {
    if (b.weeks.empty()) continue;
    out.insert(by == TrendDimension::kTier ? b.tier : by == TrendDimension::kTeam ? b.team : b.owner);
  }
  return out;
}

std::map<TrendsProjection::BucketKey, std::map<int32_t, TrendCounts>> TrendsProjection::Aggregates() const {
  std::map<BucketKey, std::map<int32_t, TrendCounts>> out;
  for (const Bucket& b : buckets_) {
    if (!b.weeks.empty()) out[{b.tier, b.team, b.owner}] = b.weeks;
  }
  return out;
}

size_t TrendsProjection::MemoryBytes() const {
  size_t bytes = buckets_.capacity() * sizeof(Bucket) + accounts_.capacity() * sizeof(Account);
  for (const Bucket& b : buckets_) {
    for (const auto& [week, c] : b.weeks) {
      bytes += 48 + sizeof(TrendCounts) + c.first_response_seconds.capacity() * sizeof(int64_t);
    }
  }
  for (const auto& [ticket, list] : tickets_) bytes += 48 + list.capacity() * sizeof(Contribution);
  for (const Account& a : accounts_) bytes += a.id.capacity() + a.contributions.capacity() * sizeof(Contribution);
  return bytes;
}

}  // namespace slamon::projections
