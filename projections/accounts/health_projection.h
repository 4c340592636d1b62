// The account health projection: churn-warning scores per account
// (docs/sla-semantics.md "Churn warning (account health)"), built on the account
// and CSAT projections plus each account's inbound activity and
// resolve/reopen history.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/common/status.h"
#include "events/event.h"
#include "projections/accounts/account_projection.h"
#include "projections/accounts/csat_projection.h"
#include "projections/accounts/health_config.h"
#include "projections/accounts/value_projection.h"
#include "projections/sla/sla_record.h"

namespace slamon::projections {

inline constexpr int64_t kHealthWindowSeconds = 90 * kDaySeconds;  ///< csat, sla and reopen signals
inline constexpr double kSilenceFullDays = 14;                     ///< silence <= 14 d scores 100
inline constexpr double kSilenceZeroDays = 60;                     ///< silence >= 60 d scores 0
inline constexpr double kCsatNoAnswersScore = 75;
inline constexpr double kHealthyAtLeast = 70;
inline constexpr double kWatchAtLeast = 50;
inline constexpr int64_t kRenewalSoonDays = 90;

/// Health level. Churned accounts get kChurned and no score.
enum class HealthLevel : uint8_t { kHealthy = 0, kWatch = 1, kAtRisk = 2, kChurned = 3 };
inline constexpr int kHealthLevelCount = 4;
/// "healthy", "watch", "at_risk", "churned".
std::string_view HealthLevelName(HealthLevel l);

/// Signal scores 0–100, indexed by HealthSignal.
struct HealthSignals {
  std::array<double, kHealthSignalCount> score{};
  double operator[](HealthSignal s) const { return score[static_cast<size_t>(s)]; }
  double& operator[](HealthSignal s) { return score[static_cast<size_t>(s)]; }
  bool operator==(const HealthSignals&) const = default;
};

/// One account at an as-of time.
struct AccountRecord {
  std::string account_id;
  std::string tier;   ///< at as-of (AccountProjection::At), "unknown" until an upsert or update sets one
  std::string owner;  ///< likewise, "" until one is set
  std::string team;   ///< likewise, "" until one is set (scorecards per team; not in the JSONL record)
  std::optional<double> csat_30d, csat_90d;  ///< undefined without answers in the window
  std::optional<double> health_score;        ///< 0–100; undefined for churned accounts
  HealthLevel level = HealthLevel::kHealthy;
  std::optional<HealthSignals> signals;  ///< undefined for churned accounts
  /// Up to two signals with the largest weighted shortfall weight × (100 − score),
  /// largest first (ties in signal order), only those with a shortfall > 0.
  std::vector<HealthSignal> top_signals;
  bool renewal_soon = false;  ///< renewal_date 0–90 days after the as-of UTC date; false when churned
  bool churned = false;
  /// Value (RFM, lifetime value), NPS, mean CSAT score and follow-up cadence.
  ValueRecord value;

  bool operator==(const AccountRecord&) const = default;
};

// The signal formulas, exposed for tests and for callers that hold counts.
/// csat: the 90-day CSAT %, 75 without answers.
double CsatSignal(const std::optional<double>& csat_90d);
/// sla: 100 × (1 − breached / total), 100 when total is 0.
double SlaSignal(int64_t breached, int64_t total);
/// silence: days d = (as_of − last) / 86400 (fractional); d <= 14 → 100,
/// d >= 60 → 0, linear between; no activity ever → 0.
double SilenceSignal(const std::optional<int64_t>& last_inbound, int64_t as_of);
/// reopen: 100 × (1 − reopens / resolves) clamped to [0, 100]; 100 when both
/// are 0. More reopens than resolves in the window (the resolves happened
/// before it, or a ticket was reopened several times) clamps to 0, including
/// reopens with no resolve at all.
double ReopenSignal(int64_t reopens, int64_t resolves);
/// Level of a score. A score within 1e-9 of a threshold counts as reaching
/// it, so weighted means that are exactly 70 or 50 in decimal are not demoted
/// by binary rounding (0.35 × 100 + … can come out as 69.99999999999999).
HealthLevel LevelForScore(double score);
/// Whether `renewal_date` (YYYY-MM-DD) is 0 to 90 days after the UTC date of
/// `as_of`; false for an empty or malformed date.
bool RenewalSoon(std::string_view renewal_date, int64_t as_of);

/// Account health over all accounts, at any as-of time.
///
/// Feed every event to Apply() (it forwards to the account and CSAT
/// projections it owns, so one HealthProjection is all a caller needs), then
/// call EvaluateAccounts(as_of, sla.Evaluate(as_of)).
///
/// Signal inputs (windows are (as_of − 90 d, as_of]):
/// - inbound activity: ticket.opened, ticket.replied by the customer (public
///   or internal), survey.answered, interaction.logged inbound; all counted for
///   the event's account_id.
/// - resolves / reopens: ticket.resolved / ticket.reopened events of the
///   account in the window (events, not tickets: a ticket resolved twice counts twice).
/// - sla: SLA records of the account whose start is in the window and that are
///   stopped or breached (breached ones count in both numerator and total).
///
/// Live mode: EvaluateAccounts is a full recomputation, cost
/// O(accounts × log(events per account) + survey answers, resolves and reopens
/// in the 90-day window + sla_records) plus the result's allocation. Measured:
/// 10k accounts, 400k events over 260 days, 97k SLA records: about 50 ms on one
/// core (SlaProjection::Evaluate of the same state takes about 100 ms). Call
/// it periodically from one thread (e.g. every 10–30 s) and cache the result;
/// silence decays continuously, so a cached result is exact only at the
/// as-of it was computed for (silence alone moves a score by up to
/// 0.2 × 100/46 ≈ 0.43 points per day with default weights; window expiries
/// move it in steps).
///
/// Thread-safety: none for Apply(); the const methods may run concurrently
/// with each other but not with Apply().
class HealthProjection {
 public:
  explicit HealthProjection(HealthConfig config = {});

  /// Records one event of any type. Verbatim duplicates (same occurred_at,
  /// type and id) are ignored.
  void Apply(const events::Event& e);

  /// One record per account with an event at or before `as_of`, sorted by
  /// account_id (only `account_filter` when not empty). `sla_records` must be
  /// the SLA instances evaluated at the same `as_of` (SlaProjection::Evaluate).
  std::vector<AccountRecord> EvaluateAccounts(int64_t as_of, const std::vector<SlaRecord>& sla_records,
                                              std::string_view account_filter = {}) const;

  /// Churn over (as_of − 365 d, as_of] (see AccountProjection::Churn).
  ChurnCounts Churn(int64_t as_of) const { return accounts_.Churn(as_of); }
  /// The same by tier (at the churn) and reason (raw; see ValueConfig::ReasonLabel).
  ChurnBreakdown ChurnDetail(int64_t as_of) const { return accounts_.ChurnDetail(as_of); }

  /// The last inbound activity at or before as_of, if any.
  std::optional<int64_t> LastInbound(std::string_view account_id, int64_t as_of) const;

  const AccountProjection& accounts() const { return accounts_; }
  const CsatProjection& csat() const { return csat_; }
  const ValueProjection& value() const { return value_; }
  const HealthConfig& config() const { return config_; }

  /// Snapshot support (health_state.cc): appends the replay state (account,
  /// CSAT and activity tables; not the config) to `out`.
  void SaveState(std::string* out) const;
  /// Restores a SaveState() output into this projection, which must be empty
  /// (nothing applied); afterwards it behaves as if those events had been
  /// applied. Corrupt or truncated input gives an error and leaves it unchanged.
  Status LoadState(std::string_view in);

 private:
  struct Stamp {
    int64_t t = 0;
    std::string id;
  };
  struct Activity {
    std::vector<Stamp> inbound;  // sorted by (t, id)
    std::vector<Stamp> resolves;
    std::vector<Stamp> reopens;
  };

  static void InsertStamp(std::vector<Stamp>* v, const events::Event& e);
  static int64_t CountWindow(const std::vector<Stamp>& v, int64_t as_of, int64_t window_seconds);
  AccountRecord Evaluate(const AccountState& state, int64_t as_of, int64_t sla_breached, int64_t sla_total) const;

  HealthConfig config_;
  AccountProjection accounts_;
  CsatProjection csat_;
  std::unordered_map<std::string, Activity> activity_;
  ValueProjection value_;
};

/// Formats a score or percentage for output: rounded to 6 decimals, trailing
/// zeros dropped ("100", "66.666667", "73.25").
std::string FormatDecimal(double v);

/// Appends the record as one JSON line (with '\n'), the `slamon accounts
/// --format jsonl` shape: {"account_id","tier","owner","csat_30d","csat_90d",
/// "health_score","level","signals":{"csat","sla","silence","reopen","engagement"},
/// "renewal_soon","churned","lifetime_value","value_12m","other_currencies",
/// "rfm":{"recency_days","frequency","monetary","r","f","m"},"nps_90d",
/// "csat_mean_30d","csat_mean_90d","followup_overdue_days"}, null for
/// undefined values.
void AppendJsonl(const AccountRecord& r, std::string* out);

}  // namespace slamon::projections
