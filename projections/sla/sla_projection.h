// The SLA projection: SLA instances per ticket (docs/sla-semantics.md "Clocks"),
// for replay at an as-of time and for live mode with deadline timers.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/common/status.h"
#include "events/event.h"
#include "projections/core/policy_timeline.h"
#include "projections/core/string_index.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_explain.h"
#include "projections/sla/sla_record.h"
#include "projections/sla/sla_snapshot.h"
#include "projections/sla/ticket_fold.h"

namespace slamon::projections {

/// Keeps every ticket event (compactly) and every account upsert and update
/// of a field it uses (tier, owner, team, calendar), so results never depend
/// on arrival order: a ticket's instances are a fold over its events in
/// canonical order, recomputed on demand, and an account's fields at an
/// instant are, field by field, those of the latest upsert or update at or
/// before it that sets them.
///
/// Replay: Apply() all events, then Evaluate(as_of).
///
/// Live: Apply() events as they are stored and call AdvanceTo(now) with the
/// wall clock (before every Snapshot()). AdvanceTo re-evaluates only the
/// tickets that received events (or whose account changed) since the last
/// call, and the tickets whose next deadline (warning or breach instant, or a
/// future-dated event) the clock passed, taken from a min-heap; it never
/// scans all open tickets. Snapshot() then equals the aggregation of
/// Evaluate(now) (see AggregateRecords).
///
/// Thread-safety: none; one thread applies and advances. Evaluate() and
/// Snapshot() are const and may run concurrently with each other, but not
/// with Apply()/AdvanceTo(). Snapshot() returns a copy the caller may keep.
/// The SLA configs of the recorded policy versions (projections/policy_history.h
/// builds one from the store's policy log).
using SlaPolicyTimeline = PolicyTimeline<std::shared_ptr<const SlaConfig>>;

struct SlaProjectionOptions {
  bool live = false;  ///< maintain the timer heap and aggregated counters
  /// Policy history (replay, `--policy at-open`): when set and not empty, each
  /// ticket is judged under the version in force at its open (policy
  /// selection, re-selection on priority change, calendars, pauses, targets),
  /// the first version for tickets opened before it; records carry that
  /// version. The constructor's config then only sets histogram bounds and
  /// config(). Unset: every ticket uses the constructor's config.
  std::shared_ptr<const SlaPolicyTimeline> history = nullptr;
};

class SlaProjection {
 public:
  using Options = SlaProjectionOptions;

  explicit SlaProjection(std::shared_ptr<const SlaConfig> config, Options options = {});
  ~SlaProjection();
  SlaProjection(const SlaProjection&) = delete;
  SlaProjection& operator=(const SlaProjection&) = delete;

  /// Records one event (any type; types without SLA meaning are ignored).
  /// An event id already applied to the same ticket is ignored.
  void Apply(const events::Event& e);

  /// All SLA instances at `as_of` (events after it ignored), sorted by
  /// ticket_id, metric, cycle; only tickets of `account_filter` when not empty.
  std::vector<SlaRecord> Evaluate(int64_t as_of, std::string_view account_filter = {}) const;

  /// One ticket's instances explained at `as_of` (sla_explain.h,
  /// sla_projection_explain.cc): the ticket's events are folded again as
  /// Evaluate() folds them, so each explanation's record equals Evaluate()'s
  /// and its counted intervals sum to that record's elapsed time. NotFound
  /// when the ticket has no ticket.opened at or before as_of. Costs one
  /// ticket's fold plus O(dates spanned); nothing is kept.
  StatusOr<TicketExplanation> Explain(std::string_view ticket_id, int64_t as_of) const;

  /// Live mode: moves the clock to `now` (never backwards).
  void AdvanceTo(int64_t now);
  /// Live mode: aggregated counters at the last AdvanceTo().
  SlaSnapshot Snapshot() const;
  /// Live mode: called by AdvanceTo() whenever it recomputes a ticket, with
  /// the ticket's index (dense and stable for the projection's life), its
  /// records at `now` (they replace whatever was passed before for that
  /// index) and `now`; for projections derived from the records
  /// (projections/trends/). Set it before the first AdvanceTo().
  using RecordListener = std::function<void(uint32_t ticket, const std::vector<SlaRecord>& records, int64_t now)>;
  void SetRecordListener(RecordListener listener) { listener_ = std::move(listener); }

  /// The account's owner after all its upserts and updates ("" if none sets one).
  const std::string& OwnerOf(std::string_view account_id) const;
  /// The account's team after all its upserts and updates ("" if none sets one).
  const std::string& TeamOf(std::string_view account_id) const;
  /// Histogram bounds used for first-response business seconds.
  const std::vector<int64_t>& histogram_bounds() const { return histogram_bounds_; }

  size_t ticket_count() const { return tickets_.size(); }
  /// Approximate heap bytes held for tickets and accounts (replay state,
  /// excluding live-mode records), for capacity planning.
  size_t MemoryBytes() const;
  size_t account_count() const { return accounts_.size(); }
  /// Accounts whose upserts or updates applied so far name a `calendar` the
  /// config lacks, once per account (never an error: such accounts use their
  /// policies' calendars).
  uint64_t unknown_calendar_count() const { return unknown_calendars_; }
  const SlaConfig& config() const { return *config_; }

  /// Snapshot support (sla_projection_state.cc): appends the replay state
  /// (every applied event's compact record and every upsert and update) to `out`.
  void SaveState(std::string* out) const;
  /// Restores a SaveState() output into this projection, which must be empty
  /// (nothing applied). Afterwards it behaves exactly as if those events had
  /// been applied (live mode: all tickets dirty until the next AdvanceTo()).
  /// Corrupt or truncated input gives an error and leaves it unchanged.
  Status LoadState(std::string_view in);

 private:
  /// The account fields a ticket takes (interned); defaults: no upsert or update yet.
  struct AccountFields {
    uint32_t tier = 0;                // "unknown"
    uint32_t owner = 0;               // ""
    uint32_t team = detail::kNoName;  // interned in names_
    uint32_t calendar = detail::kNoName;
  };
  /// An account.upserted, or an account.updated that sets a field of AccountFields.
  struct AccountChange {
    int64_t t = 0;
    bool update = false;  // ranks after an upsert at the same second
    std::string id;
    events::AccountFieldSet fields = 0;  // of tier, owner, team, calendar: those it sets
    AccountFields own;                   // the values of `fields`
    AccountFields state;                 // derived (ResolveChanges): the fields after it in canonical order
  };
  struct Account {
    std::string id;
    std::vector<AccountChange> changes;  // canonical order
    std::vector<uint32_t> tickets;       // live mode: tickets opened on this account
    bool unknown_calendar_logged = false;
  };
  struct Ticket {
    std::string id;
    std::vector<detail::EventRec> events;  // canonical order
  };
  struct LiveTicket {
    std::vector<SlaRecord> records;  // what is currently counted
    std::string owner;               // the owner label they were counted under
    std::vector<uint32_t> accounts;  // accounts whose tickets list holds this ticket
    uint32_t generation = 0;
    bool dirty = false;
  };
  struct Wake {
    int64_t t;
    uint32_t ticket;
    uint32_t generation;
    bool operator>(const Wake& o) const { return t > o.t; }
  };

  uint32_t InternAccount(std::string_view id);
  uint32_t FindAccount(std::string_view id) const;
  uint32_t InternTier(std::string_view tier);
  uint32_t InternOwner(std::string_view owner);
  uint32_t InternName(std::string_view name);
  static bool ChangeLess(const AccountChange& a, const AccountChange& b);
  /// Recomputes `state` of the changes from `from` on.
  static void ResolveChanges(std::vector<AccountChange>* changes, size_t from);
  /// Records an account.upserted or account.updated.
  void ApplyAccountChange(const events::Event& e);
  /// Counts an upsert or update naming a calendar the config lacks; logs once per account.
  void NoteUnknownCalendar(uint32_t account, const std::string& calendar);
  detail::AccountView AccountAt(uint32_t account, int64_t t) const;
  int SelectPolicy(uint32_t tier, events::Priority p, uint32_t channel, uint32_t team) const;
  /// Fills the name and calendar lookups of a context for `config`.
  void CompleteContext(const SlaConfig* config, detail::FoldContext* ctx) const;
  detail::FoldContext MakeContext() const;
  /// The history version in force at the ticket's open (kNoVersion when there
  /// is no history or the ticket is not open at as_of).
  size_t VersionOf(uint32_t ticket, int64_t as_of) const;
  detail::FoldContext MakeContext(size_t version) const;
  /// Evaluates one ticket at as_of into `out`; returns the earliest future
  /// instant at which the result can change without new events.
  int64_t EvaluateTicket(uint32_t index, int64_t as_of, std::string_view account_filter, detail::TicketFold* fold,
                         std::vector<TimeRange>* scratch, std::vector<SlaRecord>* out) const;
  /// How the policy of `span` was chosen (sla_projection_explain.cc).
  PolicyMatch MatchOf(const detail::TicketFold& fold, const detail::InstanceSpan& span, const SlaConfig& config,
                      int64_t as_of) const;
  void MarkDirty(uint32_t ticket);
  void Refresh(uint32_t ticket);

  std::shared_ptr<const SlaConfig> config_;
  Options options_;
  std::vector<int64_t> histogram_bounds_;

  std::vector<Account> accounts_;
  detail::StringIndex account_index_;
  std::vector<std::string> tiers_;  // interned; [0] = "unknown"
  std::unordered_map<std::string, uint32_t> tier_index_;
  std::vector<std::string> owners_;  // interned; [0] = ""
  std::unordered_map<std::string, uint32_t> owner_index_;
  std::vector<std::array<int16_t, events::kPriorityCount>> policy_cache_;  // by tier, priority
  // Free-text names (channels, groups, teams, calendars); [0] = "".
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> name_index_;
  uint64_t unknown_calendars_ = 0;

  std::vector<Ticket> tickets_;
  detail::StringIndex ticket_index_;

  // Live mode.
  int64_t now_ = std::numeric_limits<int64_t>::min();
  std::vector<LiveTicket> live_;
  std::vector<uint32_t> dirty_;
  std::priority_queue<Wake, std::vector<Wake>, std::greater<Wake>> wakes_;
  SlaAggregator aggregator_;
  RecordListener listener_;
  detail::TicketFold fold_scratch_;
  std::vector<TimeRange> range_scratch_;
  std::vector<SlaRecord> record_scratch_;

  // Policy history: per version, the policy_cache_ rows by tier.
  static constexpr size_t kNoVersion = static_cast<size_t>(-1);
  std::vector<std::vector<std::array<int16_t, events::kPriorityCount>>> history_cache_;
};

}  // namespace slamon::projections
