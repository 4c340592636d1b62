// The store's memory figures and RocksDB's checksum path, for the memory
// accounting of the ingest loop and the benchmarks.
#include <rocksdb/db.h>

#include <string>

#include "events/store/event_store.h"

// Exported by librocksdb (util/crc32c.h), but the header is not installed by
// Debian's librocksdb-dev: declared here with the signature of RocksDB 7.8.
namespace rocksdb::crc32c {
std::string IsFastCrc32Supported();
}  // namespace rocksdb::crc32c

namespace slamon::events {

std::string RocksDbFastCrc32c() { return rocksdb::crc32c::IsFastCrc32Supported(); }

StoreMemory EventStore::Memory() const {
  StoreMemory m;
  if (db_ == nullptr) return m;
  // The block cache is shared by every column family: one family's figure is the whole.
  uint64_t v = 0;
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &v)) m.memtables = v;
  if (db_->GetIntProperty(cf(Cf::kEvents), rocksdb::DB::Properties::kBlockCacheUsage, &v)) m.block_cache = v;
  if (db_->GetIntProperty(cf(Cf::kEvents), rocksdb::DB::Properties::kBlockCacheCapacity, &v)) {
    m.block_cache_capacity = v;
  }
  return m;
}

}  // namespace slamon::events
