// `slamon verify`: checks a store's audit hash chain and its indexes
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
  int64_t dedupe_entries = 0;
  int64_t account_entries = 0;
  int64_t ticket_entries = 0;
  int64_t problems = 0;  ///< all problems found; a broken link can cascade into a few more
  double seconds = 0;
  /// The problem at the lowest store position (topic id, partition, offset);
  /// position-less problems rank after every positioned one.
  std::optional<VerifyProblem> first;

  bool ok() const { return !first.has_value(); }
  int64_t IndexEntries() const { return dedupe_entries + account_entries + ticket_entries; }
  double EventsPerSecond() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

/// Verifies `store` (normally opened read-only):
/// - every partition's events, walked in offset order, recompute the hash
///   chain of store_keys.h: each event has its link and the link matches;
///   no link is left without its event; the partition head names the last
///   event and its link; no head without events;
/// - every event has its dedupe entry (id -> events key), its by_account
///   entry and, with a ticket, its by_ticket entry, and every such entry
///   points at an existing event with the same id / account / ticket;
/// - the stored next offset of each partition is past its last event, and
///   the event_count counter equals the number of events.
/// One sequential pass per column family (iterators, no per-event Get).
/// Memory: about 40 bytes per event (offset and 64-bit fingerprints of id,
/// account and ticket), e.g. 80 MB for 2 million events.
/// Returns a non-OK Status only when the store cannot be read; tampering is
/// reported in the VerifyReport.
StatusOr<VerifyReport> VerifyStore(const EventStore& store);

/// "topic <t> partition <p> offset <o> (event <id>): <what>", or just
/// <what> for a position-less problem.
std::string Describe(const VerifyProblem& problem);

}  // namespace slamon::events
