#include "events/store/ticket_scan.h"

#include <rocksdb/db.h>

#include <memory>

#include "events/store/raw_access.h"
#include "events/store/rocks_status.h"
#include "events/store/store_keys.h"
#include "events/store/stored_format.h"

namespace slamon::events {

Status ScanStoredTicket(const EventStore& store, std::string_view ticket_id,
                        const std::function<bool(const StoredEvent&)>& fn) {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2u << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      RawStoreAccess::Db(store)->NewIterator(ro, RawStoreAccess::Family(store, Cf::kEvents)));
  StoredEvent se;
  detail::EventValue value;
  std::string_view ticket;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SLAMON_RETURN_IF_ERROR(detail::SplitEventValue(it->value().ToStringView(), &value));
    SLAMON_RETURN_IF_ERROR(PeekStoredTicketId(value.stored, &ticket));
    if (ticket != ticket_id) continue;
    SLAMON_RETURN_IF_ERROR(detail::DecodeEventKey(it->key().ToStringView(), store.TopicNames(), &se.pos));
    SLAMON_RETURN_IF_ERROR(DecodeStoredEvent(value.stored, &se.event));
    if (!fn(se)) return Status::OK();
  }
  return FromRocks(it->status(), "scanning the events of a ticket");
}

}  // namespace slamon::events
