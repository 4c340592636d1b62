#include "events/store/snapshot_area.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "events/store/raw_access.h"
#include "events/store/rocks_status.h"

namespace slamon::events {

namespace {

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace

SnapshotCursor::SnapshotCursor(const EventStore& store, bool fill_cache) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = fill_cache;
  it_.reset(RawStoreAccess::Db(store)->NewIterator(ro, RawStoreAccess::Family(store, Cf::kSnapshot)));
}

SnapshotCursor::~SnapshotCursor() = default;

void SnapshotCursor::SeekToFirst() { it_->SeekToFirst(); }
void SnapshotCursor::SeekToLast() { it_->SeekToLast(); }
void SnapshotCursor::Seek(std::string_view key) { it_->Seek(ToSlice(key)); }
void SnapshotCursor::Next() { it_->Next(); }
bool SnapshotCursor::Valid() const { return it_->Valid(); }
std::string_view SnapshotCursor::key() const { return it_->key().ToStringView(); }
std::string_view SnapshotCursor::value() const { return it_->value().ToStringView(); }
Status SnapshotCursor::status(std::string_view what) const { return FromRocks(it_->status(), what); }

StatusOr<std::optional<std::string>> GetSnapshotValue(const EventStore& store, std::string_view key) {
  std::string value;
  const rocksdb::Status s = RawStoreAccess::Db(store)->Get(
      rocksdb::ReadOptions(), RawStoreAccess::Family(store, Cf::kSnapshot), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  SLAMON_RETURN_IF_ERROR(FromRocks(s, "reading a snapshot"));
  return std::optional<std::string>(std::move(value));
}

Status ApplySnapshotWrite(const EventStore& store, const SnapshotWrite& write) {
  rocksdb::ColumnFamilyHandle* cf = RawStoreAccess::Family(store, Cf::kSnapshot);
  rocksdb::WriteBatch wb;
  for (const auto& [key, value] : write.puts) {
    SLAMON_RETURN_IF_ERROR(FromRocks(wb.Put(cf, ToSlice(key), ToSlice(value)), "writing a snapshot"));
  }
  for (const auto& [begin, end] : write.delete_ranges) {
    SLAMON_RETURN_IF_ERROR(FromRocks(wb.DeleteRange(cf, ToSlice(begin), ToSlice(end)), "deleting an old snapshot"));
  }
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  SLAMON_RETURN_IF_ERROR(FromRocks(RawStoreAccess::Db(store)->Write(wo, &wb), "writing a snapshot"));
  rocksdb::FlushOptions fo;
  fo.allow_write_stall = true;
  return FromRocks(RawStoreAccess::Db(store)->Flush(fo, cf), "flushing a snapshot");
}

}  // namespace slamon::events
