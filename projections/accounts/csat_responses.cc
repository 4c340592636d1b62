#include "projections/accounts/csat_responses.h"

#include <utility>

#include "projections/core/state_codec.h"

namespace slamon::projections {
namespace {
constexpr std::string_view kCsatMagic = "SLAC";
}  // namespace

void CsatResponseCounter::Apply(const events::Event& e) {
  if (!e.IsCsatAnswer()) return;
  // A counter of answers by the tier and owner in force when answered.
  auto state = accounts_->At(e.account_id, e.occurred_at);
  std::string tier = state ? state->attributes.tier : "unknown";
  std::string owner = state ? state->attributes.owner : "";
  ++counts_[{std::move(tier), std::move(owner), e.score >= 4}];
}

void SaveCsatResponses(const CsatResponseCounts& counts, std::string* out) {
  detail::StateWriter w(out);
  w.Header(kCsatMagic, 1);
  w.Varint(counts.size());
  for (const auto& [key, n] : counts) {
    w.String(std::get<0>(key));
    w.String(std::get<1>(key));
    w.Byte(std::get<2>(key) ? 1 : 0);
    w.Signed(n);
  }
}

Status LoadCsatResponses(std::string_view in, CsatResponseCounts* counts) {
  detail::StateReader r(in);
  CsatResponseCounts out;
  uint64_t n = 0;
  if (!r.Header(kCsatMagic, 1) || !r.Count(&n, 4)) return Status::Corruption("csat_responses section malformed");
  for (uint64_t i = 0; i < n; ++i) {
    std::string tier, owner;
    uint8_t satisfied = 0;
    int64_t count = 0;
    if (!r.String(&tier) || !r.String(&owner) || !r.Byte(&satisfied) || satisfied > 1 || !r.Signed(&count)) {
      return Status::Corruption("csat_responses section malformed");
    }
    out[{std::move(tier), std::move(owner), satisfied == 1}] = count;
  }
  if (!r.done()) return Status::Corruption("csat_responses section has trailing bytes");
  *counts = std::move(out);
  return Status::OK();
}

}  // namespace slamon::projections
