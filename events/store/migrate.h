// In-place upgrade of event stores written by older slamon releases
// (internal to events/store; EventStore::Open calls it). Layouts are in
// store_keys.h.
//
// Layout 2 -> 3: each event's chain link moves from its own key in the chain
// family into the first 32 bytes of the event's value, and the per-event
// dedupe, by_account and by_ticket keys are deleted. Events, offsets, heads,
// quarantined messages, policy versions and snapshots are kept as they are.
// The links are carried over, not recomputed, so tampering done before the
// upgrade is still reported by `slamon verify` after it. An event that had no
// link gets 32 zero bytes, which verify reports as a mismatched link.
//
// Crash safety: events are rewritten in synced chunks, each recording in the
// same WriteBatch where the next chunk starts; a restarted upgrade resumes
// there. The layout record is written last.
#pragma once

#include <string>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace slamon::events::detail {

/// How the upgrade proceeds; tests interrupt it after a number of chunks
/// (it then returns Aborted, as a crash would leave it).
struct UpgradeSteps {
  size_t chunk_events = 20000;
  int64_t stop_after_chunks = -1;  ///< -1: run to the end
};

/// `families` are indexed by Cf.
Status UpgradeLayout2(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& families,
                      const std::string& path, LayoutUpgrade* report, const UpgradeSteps& steps = {});

}  // namespace slamon::events::detail
