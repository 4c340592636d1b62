// Raw RocksDB handles of an EventStore, for the store's own modules (scans,
// verify, policy log, snapshot area) and for tamper tests and benchmarks.
// Code outside events/store/ never includes this header: there the store is
// a closed type with a Status-returning API.
#pragma once

#include "events/store/event_store.h"

namespace slamon::events {

struct RawStoreAccess {
  static rocksdb::DB* Db(const EventStore& store) { return store.db_; }
  static rocksdb::ColumnFamilyHandle* Family(const EventStore& store, Cf c) { return store.cf(c); }
  /// Whether the event at (topic id, partition, offset) has id `id`.
  static StatusOr<bool> StoredIdAt(const EventStore& store, uint16_t topic, int32_t partition, int64_t offset,
                                   std::string_view id) {
    return store.StoredIdAt(topic, partition, offset, id);
  }
};

}  // namespace slamon::events
