// `slamon verify`: checks a store's audit hash chain, offsets and counters
// Usable from the CLI, tests and benchmarks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "events/common/status.h"
#include "events/store/event_store.h"

namespace slamon::events {

/// One broken thing in a store. `has_position` is false for store-wide
/// problems (e.g. the event counter); event_id is empty when unreadable.
struct VerifyProblem {
  bool has_position = false;
  SourcePos pos;
  std::string event_id;
  std::string what;
};

/// What VerifyStore checked and the first problem it found, if any.
struct VerifyReport {
  int64_t events = 0;
  int64_t partitions = 0;  ///< partitions holding events
  int64_t links = 0;       ///< chain links compared
  int64_t problems = 0;    ///< all problems found; a broken link can cascade into a few more
  double seconds = 0;
  /// The problem at the lowest store position (topic id, partition, offset);
  /// position-less problems rank after every positioned one.
  std::optional<VerifyProblem> first;

  bool ok() const { return !first.has_value(); }
  double EventsPerSecond() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

/// Verifies `store` (normally opened read-only):
/// - every partition's events, walked in offset order, recompute the hash
///   chain of store_keys.h: each event has its link and the link matches;
///   no link is left without its event; the partition head names the last
///   event and its link; no head without events;
/// - each event names the partition's previous event as its predecessor (a
///   deleted event is reported at its own offset);
/// - no event id is stored twice, and the families layout 3 leaves empty
///   (dedupe, by_account, by_ticket) are empty;
/// - the stored next offset of each partition is past its last event, and
///   the event_count counter equals the number of events.
/// One sequential pass over the events (no per-event Get). Memory: the
/// fingerprint table of the ids, about 16 to 32 bytes per event.
/// Returns a non-OK Status only when the store cannot be read; tampering is
/// reported in the VerifyReport.
StatusOr<VerifyReport> VerifyStore(const EventStore& store);

/// "topic <t> partition <p> offset <o> (event <id>): <what>", or just
/// <what> for a position-less problem.
std::string Describe(const VerifyProblem& problem);

}  // namespace slamon::events
