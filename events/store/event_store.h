// The RocksDB event store: the source of truth of slamon (docs/architecture.md
// decision 1). Events (each carrying its hash-chain link), quarantined
// messages, the per-partition next offsets and chain heads of one consumed
// batch are written in ONE synced WriteBatch, so a crash at any instant
// neither loses nor duplicates an event. Layout: events/store/store_keys.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "events/common/status.h"
#include "events/event.h"
#include "events/quarantine.h"
#include "events/store/backup.h"
#include "events/store/hash_chain.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Iterator;
}  // namespace rocksdb

namespace slamon::events {

namespace detail {
class DedupeIndex;
}  // namespace detail

/// Column families, one fixed table (see event_store.cc for key layouts).
/// kChain: per-partition chain heads; kPolicy: versioned policy records;
/// kSnapshot: projection snapshots. kDedupe, kByAccount and kByTicket are
/// empty since layout 3 (kept so that stores of every layout open).
enum class Cf : int {
  kDefault = 0,
  kEvents,
  kDedupe,
  kOffsets,
  kQuarantine,
  kByAccount,
  kByTicket,
  kMeta,
  kChain,
  kPolicy,
  kSnapshot,
  kCount
};

/// Where a message came from: the store is partitioned like the topic.
struct SourcePos {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  bool operator<(const SourcePos& o) const {
    return std::tie(topic, partition, offset) < std::tie(o.topic, o.partition, o.offset);
  }
};

/// One consumed message, decoded (event) or rejected (rejection).
struct BatchItem {
  SourcePos pos;
  std::optional<Event> event;
  std::optional<Rejection> rejection;
};

/// What one AppendBatch did.
struct AppendResult {
  int64_t stored = 0;
  int64_t duplicates = 0;
  int64_t quarantined = 0;
  int64_t stored_by_type[kEventTypeCount] = {};
  int64_t rejected_by_reason[kRejectReasonCount] = {};
  int64_t last_occurred_at = 0;      // max occurred_at among stored events, 0 if none
  std::vector<size_t> stored_items;  // indexes into the batch of the events that were stored
};

/// A stored event as read back.
struct StoredEvent {
  SourcePos pos;
  Event event;
};

/// A quarantined message as read back.
struct QuarantinedMessage {
  SourcePos pos;
  Rejection rejection;
  int64_t quarantined_at = 0;  // Unix seconds
};

/// What opening a store of an older layout did to it (events/store/migrate.h).
struct LayoutUpgrade {
  uint32_t from = 0;
  uint32_t to = 0;
  int64_t events = 0;         ///< events rewritten with their chain link
  int64_t missing_links = 0;  ///< layout-2 events that had no link (verify reports them)
  double seconds = 0;
};

/// The store's memory figures as RocksDB reports them (store_stats.cc).
struct StoreMemory {
  uint64_t memtables = 0;    ///< rocksdb.cur-size-all-mem-tables, every column family
  uint64_t block_cache = 0;  ///< rocksdb.block-cache-usage: data blocks plus the memtables' charge
  uint64_t block_cache_capacity = 0;
};

/// What Debian's RocksDB says of its CRC32C (the WAL's and the blocks'
/// checksum): "Supported on x86" when it uses the SSE4.2 instruction, "Not
/// supported on x86" when it computes it in software.
std::string RocksDbFastCrc32c();

struct StoreOptions {
  std::string path;
  bool create_if_missing = true;
  bool read_only = false;
  bool sync = true;  ///< fsync every batch (group commit); tests of crash safety require it
  size_t block_cache_bytes = 32u << 20;
  /// A store of an older layout is upgraded in place when opened writable;
  /// false opens it as it is, for a backup before the upgrade: AppendBatch
  /// then refuses (read-only opens always refuse such a store).
  bool upgrade_layout = true;
};

/// Owner of the RocksDB handle. Thread-safety: AppendBatch is called from one
/// ingest thread; the read methods may be called concurrently with it.
class EventStore {
 public:
  static StatusOr<std::unique_ptr<EventStore>> Open(const StoreOptions& options);
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  /// Appends one consumed batch atomically: new events (duplicates of stored
  /// ids or of earlier items of the same batch are dropped and counted),
  /// each carrying its hash-chain link and previous offset (store_keys.h),
  /// quarantined messages, and for every (topic, partition) in the batch the
  /// next offset = max offset + 1 and the new chain head. The chain follows
  /// offset order: an event at an offset at or below its partition's chain
  /// head (a re-delivered position; storing it would overwrite a stored
  /// event) is dropped and counted as a duplicate. `meta` key/values are put
  /// into the meta column family in the same WriteBatch (a tool's resume
  /// record that must never disagree with the events; keys must not start
  /// with "topic:" nor be "event_count").
  Status AppendBatch(const std::vector<BatchItem>& batch, AppendResult* result,
                     const std::vector<std::pair<std::string, std::string>>& meta = {});

  /// The offset to resume (topic, partition) from, or -1 if never consumed.
  /// Safe concurrently with AppendBatch (the ingest pipeline's writer).
  int64_t NextOffset(std::string_view topic, int32_t partition) const;
  /// All stored next offsets: topic -> partition -> next offset. Safe
  /// concurrently with AppendBatch.
  std::map<std::string, std::map<int32_t, int64_t>> AllOffsets() const;

  /// Calls `fn` for every stored event in store order (topic id, partition,
  /// offset). Stops early and returns OK when `fn` returns false.
  Status ScanEvents(const std::function<bool(const StoredEvent&)>& fn) const;
  /// The same for one account's events (a scan that decodes only that
  /// account's events).
  Status ScanAccount(std::string_view account_id, const std::function<bool(const StoredEvent&)>& fn) const;
  /// Quarantined messages in store order.
  Status ScanQuarantine(const std::function<bool(const QuarantinedMessage&)>& fn) const;

  /// Number of stored events (maintained counter, O(1)).
  int64_t EventCount() const { return event_count_; }
  /// The largest occurred_at among stored events (Unix seconds), 0 when
  /// empty. O(1), but a store written by an older slamon is scanned once.
  /// Not safe concurrently with AppendBatch.
  int64_t NewestOccurredAt() const;
  /// Whether an event id is stored (the in-memory dedupe table; a read-only
  /// store scans its events).
  bool Contains(std::string_view event_id) const;
  /// The layout upgrade this Open performed, if any.
  const std::optional<LayoutUpgrade>& Upgrade() const { return upgrade_; }
  /// Heap bytes of the in-memory dedupe table (0 on a read-only store).
  size_t DedupeMemoryBytes() const;
  /// Memtables and block cache now (RocksDB properties; any thread).
  StoreMemory Memory() const;

  /// Flushes the WAL with sync, destroys column families, closes the DB.
  /// Idempotent; the destructor calls it. After a failed AppendBatch (disk
  /// full, I/O error) the WAL is not synced: what earlier batches stored is
  /// kept and the error is returned ("cannot sync PATH: ...").
  Status Close();

  /// The chain head of (topic, partition): the link and offset of its last
  /// stored event, or nullopt when it has none. Not safe concurrently with
  /// AppendBatch (call it from the ingest thread or on an idle store).
  std::optional<std::pair<ChainHash, int64_t>> ChainHead(std::string_view topic, int32_t partition) const;

  /// Writes an incremental backup of this store into `dir` (created when
  /// missing; events/store/backup.h), safe while AppendBatch runs on another
  /// thread. Memtables are flushed first; the new backup's files are read
  /// back and checked against their checksums before it is reported, and a
  /// backup that does not match is deleted (Corruption). Unavailable while
  /// another backup writes into `dir`. `created` gets the new backup.
  Status Backup(const std::string& dir, const BackupOptions& options = {}, StoreBackup* created = nullptr);

  /// Restores backup `backup_id` (0: the newest) of `backup_dir` into
  /// `store_dir`, checking every file's checksum as it is copied. A store
  /// directory that is not empty is refused (Invalid) unless `replace`, which
  /// deletes its contents first; one a process has open is always refused
  /// (Unavailable). The restored store resumes from its own stored offsets.
  static Status RestoreStore(const std::string& backup_dir, const std::string& store_dir, uint32_t backup_id = 0,
                             bool replace = false);

  /// The topic names by id (for decoding keys in tools).
  const std::vector<std::string>& TopicNames() const { return topic_names_; }

  /// Visits the meta records whose key starts with `prefix`, in key order
  /// (a tool's resume records); stops early when `fn` returns false.
  Status ScanMeta(std::string_view prefix,
                  const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

 private:
  friend struct RawStoreAccess;  // the store's own modules and tamper tests (raw_access.h)
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles_[static_cast<int>(c)]; }
  EventStore() = default;
  StatusOr<uint16_t> TopicId(std::string_view topic, bool create, std::string* meta_put_key);
  Status CheckLayout();
  Status LoadChainHeads();
  Status BuildDedupeIndex();
  /// Whether the event at `ref` has id `id` (a dedupe-table candidate).
  StatusOr<bool> StoredIdAt(uint16_t topic, int32_t partition, int64_t offset, std::string_view id) const;

  struct Head {
    ChainHash hash = kGenesisHash;
    int64_t last_offset = -1;
  };

  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // The topic registry grows only inside AppendBatch (one writer thread),
  // under topics_mu_; other threads' lookups take it shared.
  mutable std::shared_mutex topics_mu_;
  std::map<std::string, uint16_t, std::less<>> topic_ids_;
  std::vector<std::string> topic_names_;  // by id
  StoreOptions options_;
  std::atomic<int64_t> event_count_{0};
  mutable std::atomic<int64_t> newest_occurred_at_{-1};  // -1: not known yet (see NewestOccurredAt)
  std::string write_error_;                              // of the last AppendBatch write, empty when it succeeded
  std::map<std::pair<uint16_t, int32_t>, Head> heads_;   // cache of the chain heads, updated after each write
  ChainHasher hasher_;
  std::unique_ptr<detail::DedupeIndex> dedupe_;  // null on a read-only store
  std::optional<LayoutUpgrade> upgrade_;
  bool old_layout_ = false;  // opened without upgrading (StoreOptions::upgrade_layout)
};

}  // namespace slamon::events
