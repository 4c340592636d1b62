// The in-memory dedupe table of the event store: every stored event id by a
// 64-bit fingerprint, pointing at the event's position. A fingerprint miss
// proves an id new without touching RocksDB; a hit is confirmed by reading
// the one event it points at (EventStore::AppendBatch). Rebuilt from the
// events column family when the store opens. Ids whose fingerprint is taken
// by another id, and positions that do not pack into 64 bits, are kept
// exactly in a side table, so the answer is exact either way.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/store/store_keys.h"

namespace slamon::events::detail {

/// (topic id, partition, offset) of a stored event.
struct EventRef {
  uint16_t topic = 0;
  int32_t partition = 0;
  int64_t offset = 0;

  /// The position an events key (store_keys.h) names.
  static EventRef OfKey(std::string_view key) {
    return {GetBe16(key.data()), static_cast<int32_t>(GetBe32(key.data() + 2)),
            static_cast<int64_t>(GetBe64(key.data() + 6))};
  }
};

class DedupeIndex {
 public:
  static uint64_t Fingerprint(std::string_view id);

  /// The position stored for `fingerprint`, if any: a candidate whose id must
  /// still be compared.
  std::optional<EventRef> Candidate(uint64_t fingerprint) const;
  /// Whether `id` is in the exact side table.
  bool ContainsExact(std::string_view id) const {
    return !exact_.empty() && exact_.contains(absl::string_view(id.data(), id.size()));
  }

  /// Records a stored id. `fingerprint` must be Fingerprint(id); a
  /// fingerprint already taken (by a different id) sends the id to the side table.
  void Insert(std::string_view id, uint64_t fingerprint, const EventRef& ref);

  size_t size() const { return by_fingerprint_.size() + exact_.size(); }
  /// Heap bytes held (table slots and side-table strings), for the memory bench.
  size_t MemoryBytes() const;
  void Reserve(size_t n) { by_fingerprint_.reserve(n); }

 private:
  static std::optional<uint64_t> Pack(const EventRef& ref);
  static EventRef Unpack(uint64_t packed);

  absl::flat_hash_map<uint64_t, uint64_t> by_fingerprint_;
  absl::flat_hash_map<std::string, EventRef> exact_;
};

}  // namespace slamon::events::detail
