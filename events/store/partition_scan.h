// Reads one (topic, partition) of the event store in offset order, with raw
// iterators over the events column family (key layout in store_keys.h). Used
// to rebuild the projections of the partitions a daemon owns after a
// consumer-group rebalance.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "events/common/status.h"
#include "events/store/event_store.h"

namespace slamon::events {

/// Calls `fn` for every stored event of (topic, partition) from offset
/// `from` on, in offset order; stops early when `fn` returns false. A topic
/// the store has never seen has no events (OK, no call).
Status ScanStoredPartition(const EventStore& store, std::string_view topic, int32_t partition, int64_t from,
                           const std::function<bool(const StoredEvent&)>& fn);

}  // namespace slamon::events
