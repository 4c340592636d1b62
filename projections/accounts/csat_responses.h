// The daemon's survey-answer counters: CSAT answers ever, by the tier and
// account owner in force when each was answered and by satisfied (score >= 4)
// or not. A counter, not an evaluation at an as-of time: the answers are
// counted as they are applied, under the account attributes known then.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "events/common/status.h"
#include "events/event.h"
#include "projections/accounts/account_projection.h"

namespace slamon::projections {

/// Answers by (tier, owner, satisfied).
using CsatResponseCounts = std::map<std::tuple<std::string, std::string, bool>, int64_t>;

/// Encodes / decodes the counters (the `csat_responses` snapshot section).
void SaveCsatResponses(const CsatResponseCounts& counts, std::string* out);
/// Corrupt or truncated input gives an error and leaves `*counts` unchanged.
Status LoadCsatResponses(std::string_view in, CsatResponseCounts* counts);

/// Counts CSAT answers under the attributes `accounts` holds for the
/// answer's account at its time. `accounts` must have applied each event
/// before this counter does (it outlives the counter).
///
/// Thread-safety: none for Apply()/LoadState(); counts() is const.
class CsatResponseCounter {
 public:
  explicit CsatResponseCounter(const AccountProjection* accounts) : accounts_(accounts) {}

  /// Counts `e` when it is a CSAT answer; ignores every other event.
  void Apply(const events::Event& e);
  const CsatResponseCounts& counts() const { return counts_; }

  void SaveState(std::string* out) const { SaveCsatResponses(counts_, out); }
  /// Replaces the counts by a SaveState() output; unchanged on error.
  Status LoadState(std::string_view in) { return LoadCsatResponses(in, &counts_); }

 private:
  const AccountProjection* accounts_;
  CsatResponseCounts counts_;
};

}  // namespace slamon::projections
