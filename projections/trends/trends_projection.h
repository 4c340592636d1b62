// The trends projection: weekly counts per (tier, team, account owner) of SLA
// verdicts, CSAT and NPS answers, follow-up verdicts and churned accounts
// over the last 52 ISO weeks (docs/sla-semantics.md "Trends"), kept up to date
// incrementally for the live console and API.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "events/common/status.h"
#include "events/event.h"
#include "projections/accounts/health_projection.h"
#include "projections/sla/sla_projection.h"
#include "projections/trends/trend_types.h"

namespace slamon::projections {

/// Derived from the projections registered before it, never from a state of
/// its own: SLA verdicts come from the SLA projection's live records (its
/// record listener), answers, outbound touches and churns from the health
/// projection's account, value and lifecycle tables. So its replay state is
/// empty (SaveState writes a header only), and after LoadState() or a
/// Rejudged() set it recomputes everything from them at the next AdvanceTo().
///
/// Incremental: each ticket's and each account's contributions (which
/// bucket and week each of its verdicts and answers was counted in) are
/// kept, so a recomputed ticket or account takes its old contributions back
/// and adds the new ones; a late event that rewrites history (a priority
/// change, an owner hand-over dated in the past, an answer from last month)
/// changes exactly the weeks it affects. Accounts are recomputed when one
/// of their events is applied and when the clock reaches their next change
/// (a future-dated event, a follow-up falling due), from a min-heap; the SLA
/// projection does the same for tickets. Hence the counts equal those of a
/// fresh replay advanced to the same instant.
///
/// Memory: one TrendCounts per bucket and week with data, for 52 weeks
/// (older weeks are dropped as the clock moves), plus 16 bytes per kept
/// contribution; tickets and accounts with nothing in the kept weeks hold
/// nothing.
///
/// Only in live mode (`live`); otherwise it ignores everything.
///
/// Thread-safety: none; the owner serializes every call (the queries are
/// const and may run concurrently with each other).
class TrendsProjection {
 public:
  /// `sla` and `health` are the set's projections registered before this
  /// one; they outlive it. Registers itself as `sla`'s record listener.
  TrendsProjection(SlaProjection* sla, const HealthProjection* health, bool live);
  TrendsProjection(const TrendsProjection&) = delete;
  TrendsProjection& operator=(const TrendsProjection&) = delete;

  /// Marks the account of an account.*, survey.answered or outbound
  /// interaction.logged for recomputation; the SLA projection tracks tickets.
  void Apply(const events::Event& e);
  /// Moves the clock to `now` (never backwards): recomputes what changed.
  void AdvanceTo(int64_t now);

  void SaveState(std::string* out) const;
  /// Accepts SaveState()'s header only; then recomputes at the next AdvanceTo().
  Status LoadState(std::string_view in);

  /// The instant of the last AdvanceTo() (INT64_MIN before the first).
  int64_t as_of() const { return now_; }
  /// The last `weeks` (clamped to 1..kMaxTrendWeeks) weeks up to as_of(),
  /// summed over the buckets that `filter` matches; empty before the first
  /// AdvanceTo().
  TrendSeries Series(const TrendFilter& filter, int weeks) const;
  /// The same weeks summed per tier, team or owner (the value of `by` in each
  /// matching bucket); only names with data in those weeks.
  std::map<std::string, TrendCounts> Totals(TrendDimension by, const TrendFilter& filter, int weeks) const;
  /// The tiers, teams or owners with data in any kept week.
  std::set<std::string> Names(TrendDimension by) const;

  /// Every bucket's kept weeks (tests compare live and replayed projections).
  using BucketKey = std::tuple<std::string, std::string, std::string>;  // tier, team, owner
  std::map<BucketKey, std::map<int32_t, TrendCounts>> Aggregates() const;
  /// Approximate heap bytes held, for capacity planning.
  size_t MemoryBytes() const;

 private:
  /// One contribution: +1 to each counter of `mask` (bit i = TrendCount i)
  /// and, with kValueBit, the first-response time `value`.
  struct Contribution {
    uint32_t bucket = 0;
    int32_t week = 0;
    uint32_t value = 0;
    uint16_t mask = 0;
  };
  static constexpr uint16_t kValueBit = 1u << 15;
  struct Bucket {
    std::string tier, team, owner;
    std::map<int32_t, TrendCounts> weeks;
  };
  struct Account {
    std::string id;
    std::vector<Contribution> contributions;
    uint32_t generation = 0;
    bool dirty = false;
  };
  struct Wake {
    int64_t t;
    uint32_t account;
    uint32_t generation;
    bool operator>(const Wake& o) const { return t > o.t; }
  };
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  void SetNow(int64_t now);
  uint32_t BucketOf(std::string_view tier, std::string_view team, std::string_view owner);
  void Add(const std::vector<Contribution>& contributions, int sign);
  void OnTicketRecords(uint32_t ticket, const std::vector<SlaRecord>& records, int64_t now);
  uint32_t AccountIndex(std::string_view id);
  void MarkDirty(uint32_t account);
  void RefreshAccount(uint32_t account);
  /// The account's contributions at now_ into `out`; returns the next
  /// instant at which they can change without a new event (kNever: none).
  int64_t ComputeAccount(const std::string& id, std::vector<Contribution>* out);
  int64_t ComputeFollowups(const std::string& id, std::vector<Contribution>* out);
  template <typename Fn>
  void ForEachWeek(const TrendFilter& filter, int weeks, Fn fn) const;

  SlaProjection* sla_;
  const HealthProjection* health_;
  bool live_;
  int64_t now_ = std::numeric_limits<int64_t>::min();
  int32_t horizon_ = std::numeric_limits<int32_t>::min();  ///< the oldest kept week
  bool rebuild_ = false;                                   ///< LoadState(): recompute every account

  std::vector<Bucket> buckets_;
  std::unordered_map<std::string, uint32_t> bucket_index_;
  std::unordered_map<uint32_t, std::vector<Contribution>> tickets_;  ///< by SLA ticket index; non-empty only
  std::vector<Account> accounts_;
  std::unordered_map<std::string, uint32_t> account_index_;
  std::vector<uint32_t> dirty_;
  std::priority_queue<Wake, std::vector<Wake>, std::greater<Wake>> wakes_;
};

}  // namespace slamon::projections
