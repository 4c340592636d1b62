// The snapshot column family seen as ordered, opaque key/values. Projection
// snapshots are bytes to the store: their key layout, chunking and checksums
// belong to projections/snapshot.cc, which reads and writes them through this
// narrow API instead of RocksDB handles.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/common/status.h"
#include "events/store/event_store.h"

namespace slamon::events {

/// A forward cursor over the snapshot area (a RocksDB iterator underneath).
class SnapshotCursor {
 public:
  /// `fill_cache` false: a one-off bulk read that should not evict hot blocks.
  explicit SnapshotCursor(const EventStore& store, bool fill_cache = true);
  ~SnapshotCursor();
  SnapshotCursor(const SnapshotCursor&) = delete;
  SnapshotCursor& operator=(const SnapshotCursor&) = delete;

  void SeekToFirst();
  void SeekToLast();
  void Seek(std::string_view key);
  void Next();
  bool Valid() const;
  std::string_view key() const;
  std::string_view value() const;
  /// The iteration error, if one ended it; `what` says what was being read.
  Status status(std::string_view what) const;

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

/// The value at `key`, nullopt when absent.
StatusOr<std::optional<std::string>> GetSnapshotValue(const EventStore& store, std::string_view key);

/// One atomic change of the snapshot area.
struct SnapshotWrite {
  std::vector<std::pair<std::string, std::string>> puts;
  std::vector<std::pair<std::string, std::string>> delete_ranges;  ///< [begin, end)
};

/// Applies `write` atomically and flushes the area, so the snapshot is on
/// disk when this returns (the WAL is bypassed: a snapshot is derived data
/// and re-creatable from the events).
Status ApplySnapshotWrite(const EventStore& store, const SnapshotWrite& write);

}  // namespace slamon::events
