// Why a message was rejected: the `reason` label of
// slamon_events_rejected_total and the reason stored with a quarantined message.
#pragma once

#include <string>
#include <string_view>

namespace slamon::events {

enum class RejectReason : uint8_t {
  kMalformedJson = 0,  ///< not a JSON object
  kInvalidUtf8,        ///< bytes are not valid UTF-8
  kOversize,           ///< larger than the configured limit
  kMissingField,       ///< a required field is absent
  kInvalidField,       ///< a field has the wrong type or an invalid value
  kBadTimestamp,       ///< occurred_at / time is not RFC 3339 with an offset
  kUnknownType,        ///< `type` is not one of docs/events.md
};
inline constexpr int kRejectReasonCount = 7;

std::string_view Name(RejectReason r);

/// A rejected message: the reason, a human-readable detail (which field and
/// why) and the raw bytes exactly as consumed.
struct Rejection {
  RejectReason reason = RejectReason::kMalformedJson;
  std::string detail;
  std::string raw;
};

}  // namespace slamon::events
