// Synthetic event stream for `slamon produce` and the demo: realistic account
// and ticket lifecycles in the wire format of docs/events.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "events/quarantine.h"

namespace slamon::events {

struct GeneratorOptions {
  /// Account ids "acct-0001".. with tiers A/B/C (about 20/30/50 %) and
  /// accounts/8+1 owners ("li.wei", "maria.garcia", ..., numbered when the
  /// name list runs out).
  int accounts = 100;
  uint64_t seed = 1;
  /// Unix seconds of the first event (default 2025-11-20T01:00:00Z).
  int64_t start_time = 1763600400;
  /// Average simulated seconds between two events. Lifecycle delays (reply
  /// times, pauses, jitter, ...) shrink with it below 30 s and, below 100
  /// accounts, with the account count, so the mix of event types depends on
  /// neither; at >= 30 s with >= 100 accounts they are realistic helpdesk
  /// delays (first replies in minutes to hours, some late enough to breach).
  /// E.g. 50 events/s (0.02 s) with 60 accounts compresses them 2500-fold.
  double seconds_per_event = 30;
  /// Overrides the automatic factor applied to lifecycle delays (1 = the
  /// realistic ones; 0 = automatic, see seconds_per_event). A factor much
  /// larger than the automatic one fills the per-account cap of open tickets,
  /// and the stream then shifts towards interactions.
  double lifecycle_scale = 0;
  /// Fraction of messages that are deliberately invalid, cycling through
  /// malformed JSON, missing field, unknown type, bad timestamp, invalid UTF-8
  /// and invalid field value.
  double malformed_fraction = 0;
  /// Fraction of messages that re-send a recent valid message verbatim.
  double duplicate_fraction = 0;
  /// About 10 % of valid events use the CloudEvents structured envelope.
  bool cloudevents_mix = true;
};

struct GeneratedMessage {
  std::string key;    ///< account_id, the Kafka key (plausible even for malformed messages)
  std::string value;  ///< the JSON bytes
  std::string id;     ///< event id "e-<seed>-<n>"; empty for malformed messages without an id
  bool valid = true;  ///< false for deliberately malformed messages
  bool duplicate = false;
  std::optional<RejectReason> expected_reason;  ///< set for malformed messages
};

/// A deterministic stream: the same options give the same messages on every
/// platform (mt19937_64 with integer-only distributions). Valid events come in
/// simulated-time order except for a deliberate jitter: about 5 % have their
/// occurred_at moved back by up to a few minutes. Memory is O(accounts + open
/// tickets), independent of the stream length. Not thread-safe.
class Generator {
 public:
  explicit Generator(GeneratorOptions options);
  ~Generator();
  Generator(Generator&&) noexcept;
  Generator& operator=(Generator&&) noexcept;

  /// The next message of the (endless) stream.
  GeneratedMessage Next();
  /// Simulated time (Unix seconds) of the last event, before jitter.
  int64_t now() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slamon::events
