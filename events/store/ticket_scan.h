// Reads the events of one ticket from the event store: a scan of the events
// column family that looks at each value's ticket id (without decoding the
// rest) and decodes only that ticket's events. For `slamon explain`.
#pragma once

#include <functional>
#include <string_view>

#include "events/common/status.h"
#include "events/store/event_store.h"

namespace slamon::events {

/// Calls `fn` for every stored event whose ticket_id is `ticket_id`, in store
/// order (topic id, partition, offset); stops early when `fn` returns false.
/// O(stored events) iteration, O(the ticket's events) decoding.
Status ScanStoredTicket(const EventStore& store, std::string_view ticket_id,
                        const std::function<bool(const StoredEvent&)>& fn);

}  // namespace slamon::events
