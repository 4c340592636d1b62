// The satisfaction projection: survey answers per account and CSAT % over
// trailing windows (docs/sla-semantics.md "Satisfaction (CSAT)").
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

namespace slamon::projections {

inline constexpr int64_t kCsatWindow30d = 30 * kDaySeconds;
inline constexpr int64_t kCsatWindow90d = 90 * kDaySeconds;

/// Survey answers counted over one window.
struct CsatCounts {
  int64_t answered = 0;
  int64_t satisfied = 0;  ///< answers with score >= 4

  /// satisfied / answered × 100; undefined (nullopt, never 0) with no answers.
  std::optional<double> Percent() const;
  CsatCounts& operator+=(const CsatCounts& o) {
    answered += o.answered;
    satisfied += o.satisfied;
    return *this;
  }
  bool operator==(const CsatCounts&) const = default;
};

/// Keeps every survey.answered (time, id, satisfied) per account in canonical
/// order, so any window at any as-of time can be asked.
///
/// A window of length L at as_of covers answers with occurred_at in
/// (as_of − L, as_of]. Per tier and per owner, an account's answers count
/// under its tier / owner at as_of (AccountProjection::At: "unknown" / ""
/// until an upsert or update sets them), churned or not: the answers were given.
///
/// Cost: Apply O(n) worst case (sorted insert, usually an append); Counts()
/// O(log n + answers in the window); ByTier()/ByOwner()/Total() visit every
/// account with answers.
///
/// Thread-safety: none for Apply(); the const methods may run concurrently
/// with each other but not with Apply().
class CsatProjection {
 public:
  /// Records a survey.answered (other types are ignored). A second answer
  /// with the same (occurred_at, id) is a duplicate and ignored.
  void Apply(const events::Event& e);

  CsatCounts Counts(std::string_view account_id, int64_t as_of, int64_t window_seconds) const;
  std::optional<double> Percent(std::string_view account_id, int64_t as_of, int64_t window_seconds) const {
    return Counts(account_id, as_of, window_seconds).Percent();
  }

  /// Counts per tier / per account owner at as_of (keys as described above;
  /// a key is present only when it has at least one answer in the window).
  std::map<std::string, CsatCounts> ByTier(int64_t as_of, int64_t window_seconds,
                                           const AccountProjection& accounts) const;
  std::map<std::string, CsatCounts> ByOwner(int64_t as_of, int64_t window_seconds,
                                            const AccountProjection& accounts) const;
  /// All accounts together.
  CsatCounts Total(int64_t as_of, int64_t window_seconds) const;

  size_t answer_count() const { return answer_count_; }

  /// Snapshot support (health_state.cc), as AccountProjection::SaveState/LoadState.
  void SaveState(detail::StateWriter* w) const;
  bool LoadState(detail::StateReader* r);

 private:
  struct Answer {
    int64_t t = 0;
    std::string id;
    bool satisfied = false;
  };
  struct Account {
    std::string id;
    std::vector<Answer> answers;  // canonical order (all have the same type rank)
  };

  static CsatCounts CountWindow(const Account& a, int64_t as_of, int64_t window_seconds);
  template <typename KeyOf>
  std::map<std::string, CsatCounts> Group(int64_t as_of, int64_t window_seconds, const AccountProjection& accounts,
                                          KeyOf key_of) const;

  std::vector<Account> accounts_;
  std::unordered_map<std::string, uint32_t> index_;
  size_t answer_count_ = 0;
};

}  // namespace slamon::projections
