// The key-account value projection: orders (RFM and lifetime value), NPS and
// CSAT-score answers, outbound touches (follow-up cadence) and ticket
// categories (complaint handling), per account, at any as-of time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/event.h"
#include "projections/accounts/account_projection.h"
#include "projections/accounts/value_config.h"
#include "projections/sla/sla_record.h"

namespace slamon::events {
class JsonWriter;
}

namespace slamon::projections {

inline constexpr int64_t kValueWindowSeconds = 365 * kDaySeconds;  ///< frequency and monetary
inline constexpr int64_t kNpsWindowSeconds = 90 * kDaySeconds;
inline constexpr int64_t kComplaintWindowSeconds = 90 * kDaySeconds;  ///< default complaint-handling window

/// NPS answers counted over one window.
struct NpsCounts {
  int64_t answered = 0;
  int64_t promoters = 0;   ///< scores 9–10
  int64_t detractors = 0;  ///< scores 0–6
  /// % promoters − % detractors (−100…100); undefined without answers.
  std::optional<double> Score() const;
  NpsCounts& operator+=(const NpsCounts& o) {
    answered += o.answered;
    promoters += o.promoters;
    detractors += o.detractors;
    return *this;
  }
  bool operator==(const NpsCounts&) const = default;
};

/// CSAT answers (kind csat) summed: the mean score is sum / answered.
struct CsatScoreSum {
  int64_t answered = 0;
  int64_t sum = 0;
  std::optional<double> Mean() const;
  CsatScoreSum& operator+=(const CsatScoreSum& o) {
    answered += o.answered;
    sum += o.sum;
    return *this;
  }
  bool operator==(const CsatScoreSum&) const = default;
};

/// Orders of one currency other than the configured one (listed, never scored or converted).
struct CurrencyValue {
  std::string currency;
  double lifetime_value = 0;
  double value_12m = 0;
  int64_t orders_12m = 0;
  bool operator==(const CurrencyValue&) const = default;
};

/// Value, engagement and NPS of one account at an as-of time.
struct ValueRecord {
  double lifetime_value = 0;           ///< all orders in the configured currency up to as-of
  double value_12m = 0;                ///< = monetary: orders in (as-of − 365 d, as-of]
  int64_t orders_12m = 0;              ///< = frequency
  std::optional<double> recency_days;  ///< since the latest order; undefined without one
  std::optional<int> r_score;          ///< undefined without an order
  int f_score = 1;
  int m_score = 1;
  std::vector<CurrencyValue> other_currencies;  ///< sorted by currency
  NpsCounts nps_90d;
  CsatScoreSum csat_30d, csat_90d;
  /// Follow-up: undefined for churned accounts and tiers without a cadence.
  std::optional<double> followup_overdue_days;
  std::optional<int64_t> followup_reference;  ///< latest outbound touch, else the account's first upsert or update
  std::optional<int64_t> cadence_seconds;     ///< the tier's cadence, when it has one
  bool operator==(const ValueRecord&) const = default;
};

/// Handling times (business seconds) of one category.
struct ResolutionStats {
  int64_t count = 0;
  double mean = 0;
  int64_t p50 = 0;  ///< nearest rank; 0 when count is 0
  int64_t p90 = 0;
  bool operator==(const ResolutionStats&) const = default;
};

/// Nearest-rank percentile of sorted `v` (p in (0, 100]); v must not be empty.
int64_t NearestRank(const std::vector<int64_t>& sorted, double p);
/// engagement signal: 100 while days since the reference <= cadence, 0 at
/// twice the cadence or more, linear between; 100 without a cadence.
double EngagementSignal(const std::optional<int64_t>& reference, const std::optional<int64_t>& cadence_seconds,
                        int64_t as_of);

/// Keeps the value-related events of every account in canonical order, so
/// any as-of time can be asked and arrival order never matters.
/// Thread-safety: none for Apply(); const methods may run concurrently.
class ValueProjection {
 public:
  struct Order {
    int64_t t = 0;
    std::string id;
    double amount = 0;
    std::string currency;  // "" = the configured currency
  };
  struct Answer {
    int64_t t = 0;
    std::string id;
    bool nps = false;
    int score = 0;
  };
  struct Stamp {
    int64_t t = 0;
    std::string id;
  };
  /// What the projection keeps of one account.
  struct Account {
    std::vector<Order> orders;         ///< canonical order
    std::vector<Answer> answers;       ///< survey answers of both kinds, canonical order
    std::vector<Stamp> outbound;       ///< outbound interaction.logged, canonical order
    std::optional<Stamp> first_known;  ///< the first account.upserted or account.updated (t, id)
  };

  /// Records order.placed, survey.answered, outbound interaction.logged, the
  /// first account.upserted or account.updated of each account and
  /// ticket.opened (category).
  /// Verbatim duplicates (same occurred_at and id) are ignored.
  void Apply(const events::Event& e);

  /// The account at as_of; `state` from AccountProjection::At(as_of).
  ValueRecord Evaluate(const AccountState& state, int64_t as_of, const ValueConfig& config) const;

  NpsCounts Nps(std::string_view account_id, int64_t as_of, int64_t window_seconds) const;
  CsatScoreSum CsatScores(std::string_view account_id, int64_t as_of, int64_t window_seconds) const;
  /// Summed per tier / owner at as_of (the account's attributes then, as for CSAT);
  /// a key is present only with at least one answer in the window.
  std::map<std::string, NpsCounts> NpsByTier(int64_t as_of, int64_t window, const AccountProjection& a) const;
  std::map<std::string, NpsCounts> NpsByOwner(int64_t as_of, int64_t window, const AccountProjection& a) const;
  std::map<std::string, CsatScoreSum> CsatScoresByTier(int64_t as_of, int64_t window, const AccountProjection& a) const;

  /// The account's events as kept (null when it has none): for projections
  /// derived from them (projections/trends/). Valid until the next Apply().
  const Account* FindAccount(std::string_view account_id) const;

  /// The category of a ticket's first ticket.opened ("" when none or unknown ticket).
  std::string_view CategoryOf(std::string_view ticket_id) const;
  /// Complaint handling: the first resolution cycle of each ticket in
  /// `records` (evaluated at as_of) that stopped in (as_of − window, as_of],
  /// grouped by category label; every label of the config is present.
  std::map<std::string, ResolutionStats> ComplaintHandling(const std::vector<SlaRecord>& records, int64_t as_of,
                                                           int64_t window_seconds, const ValueConfig& config) const;

  /// Snapshot support (health_state.cc).
  void SaveState(detail::StateWriter* w) const;
  bool LoadState(detail::StateReader* r);
  bool empty() const { return accounts_.empty() && tickets_.empty(); }

 private:
  struct TicketOpen {
    int64_t t = 0;
    std::string id;
    std::string category;
  };

  template <typename Fn>
  void ForAnswers(std::string_view account_id, int64_t as_of, int64_t window, Fn fn) const;
  template <typename Counts, typename CountOf, typename KeyOf>
  std::map<std::string, Counts> Group(int64_t as_of, const AccountProjection& a, CountOf count_of, KeyOf key_of) const;

  std::unordered_map<std::string, Account> accounts_;
  std::unordered_map<std::string, TicketOpen> tickets_;
};

/// Writes the value fields as members of the JSON object open in `w`:
/// "lifetime_value","value_12m","other_currencies":{CUR:{...}},"rfm":{...},
/// "nps_90d","csat_mean_30d","csat_mean_90d",
/// "followup_overdue_days", null for undefined values.
void AppendValueJson(const ValueRecord& v, events::JsonWriter& w);

}  // namespace slamon::projections
