#include "events/store/partition_scan.h"

#include <rocksdb/db.h>

#include <memory>
#include <string>

#include "events/store/raw_access.h"
#include "events/store/rocks_status.h"
#include "events/store/store_keys.h"
#include "events/store/stored_format.h"

namespace slamon::events {

Status ScanStoredPartition(const EventStore& store, std::string_view topic, int32_t partition, int64_t from,
                           const std::function<bool(const StoredEvent&)>& fn) {
  // The topic's id, as the store assigned it (meta "topic:<name>" -> u16).
  std::string id_value;
  const std::string meta_key = "topic:" + std::string(topic);
  rocksdb::Status s = RawStoreAccess::Db(store)->Get(rocksdb::ReadOptions(), RawStoreAccess::Family(store, Cf::kMeta),
                                                     meta_key, &id_value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return FromRocks(s, "reading the topic id of " + std::string(topic));
  if (id_value.size() < 2) return Status::Corruption("topic id of " + std::string(topic) + " is truncated");
  const uint16_t topic_id = detail::GetBe16(id_value.data());

  const std::string prefix = detail::OffsetKey(topic_id, partition);  // [topic u16][partition u32]
  const std::string start = detail::EventKey(topic_id, partition, from < 0 ? 0 : from);
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2u << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      RawStoreAccess::Db(store)->NewIterator(ro, RawStoreAccess::Family(store, Cf::kEvents)));
  StoredEvent se;
  detail::EventValue value;
  se.pos.topic.assign(topic);
  se.pos.partition = partition;
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != detail::kEventKeySize) return Status::Corruption("event key has the wrong size");
    se.pos.offset = static_cast<int64_t>(detail::GetBe64(it->key().data() + 6));
    SLAMON_RETURN_IF_ERROR(detail::SplitEventValue(it->value().ToStringView(), &value));
    SLAMON_RETURN_IF_ERROR(DecodeStoredEvent(value.stored, &se.event));
    if (!fn(se)) return Status::OK();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning partition events");
  return Status::OK();
}

}  // namespace slamon::events
