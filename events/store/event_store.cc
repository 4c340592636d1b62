// Over 400 lines on purpose: AppendBatch's single WriteBatch (events with
// their chain links, offsets, heads, quarantine), its dedupe, and the reads of
// the same key layout; scans of one partition are in partition_scan.cc, the
// upgrade of older layouts in migrate.cc.
#include "events/store/event_store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <numeric>
#include <unordered_set>

#include "events/common/logging.h"
#include "events/store/dedupe_index.h"
#include "events/store/migrate.h"
#include "events/store/rocks_status.h"
#include "events/store/store_keys.h"
#include "events/store/stored_format.h"

namespace slamon::events {
namespace {

// Column family names, in the order of enum Cf.
constexpr const char* kCfNames[] = {"default",   "events", "dedupe", "offsets",  "quarantine", "by_account",
                                    "by_ticket", "meta",   "chain",  "policies", "snapshots"};
static_assert(std::size(kCfNames) == static_cast<size_t>(Cf::kCount));

constexpr std::string_view kMetaEventCount = "event_count";
// The largest occurred_at among stored events, written in the batch that
// raised it: read at open for the gauges, instead of a scan.
constexpr std::string_view kMetaNewestOccurredAt = "newest_occurred_at";
constexpr std::string_view kMetaTopicPrefix = "topic:";
constexpr uint16_t kMaxTopics = 65535;
// Memtables of all families together, charged to the block cache.
constexpr size_t kWriteBuffers = 48u << 20;
constexpr size_t kEventsWriteBuffer = 32u << 20;

// Routes RocksDB's info log into spdlog's [rocksdb] logger.
class SpdlogRocksLogger : public rocksdb::Logger {
 public:
  SpdlogRocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), log_(Log("rocksdb")) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    char buf[1024];
    vsnprintf(buf, sizeof(buf), format, ap);
    // A backup nests RocksDB's own file-deletion pauses and 7.8 warns about
    // the nesting counter on every backup: harmless, not worth a log line.
    if (std::strstr(buf, "File Deletions ") != nullptr) return;
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      log_->error("{}", buf);
    } else if (level >= rocksdb::InfoLogLevel::WARN_LEVEL) {
      log_->warn("{}", buf);
    } else {
      log_->debug("{}", buf);
    }
  }
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }

 private:
  std::shared_ptr<spdlog::logger> log_;
};

rocksdb::ColumnFamilyOptions CfOptions(Cf cf, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  // Memtable inserts dominate ingest CPU. Keys of one partition arrive in
  // increasing offset order, so a per-partition insert hint makes their
  // skiplist inserts O(1).
  if (cf == Cf::kEvents || cf == Cf::kQuarantine) {
    o.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(6));
  }
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  if (cf == Cf::kOffsets || cf == Cf::kMeta) {
    // Point lookups: whole-key bloom filters make misses cheap.
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    t.whole_key_filtering = true;
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // No compression on the young levels (rewritten soon), LZ4 below. ZSTD
  // cost about a tenth of ingest CPU for a few percent of disk.
  o.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, rocksdb::kLZ4Compression};
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kLZ4Compression;
  o.write_buffer_size = cf == Cf::kEvents ? kEventsWriteBuffer : 4u << 20;
  if (cf == Cf::kEvents) {
    // Every flush of the events spans all partitions' key ranges, so each
    // L0->L1 compaction rewrites most of L1. Fewer, larger compactions: let
    // L0 collect more files (a scan merges them) and L1 grow larger.
    o.level0_file_num_compaction_trigger = 12;
    o.level0_slowdown_writes_trigger = 36;
    o.level0_stop_writes_trigger = 48;
    o.max_bytes_for_level_base = 1u << 30;
    o.target_file_size_base = 64u << 20;
  }
  return o;
}

}  // namespace

StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const StoreOptions& options) {
  std::unique_ptr<EventStore> store(new EventStore());
  store->options_ = options;
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.info_log = std::make_shared<SpdlogRocksLogger>();
  db_options.keep_log_file_num = 4;
  db_options.IncreaseParallelism(2);
  // Several column families share one WAL; flush them together so that no
  // family's data can get ahead of another's after a crash.
  db_options.atomic_flush = true;
  // One writer (the ingest thread).
  db_options.allow_concurrent_memtable_write = false;
  // All memtables are bounded together and charged to the block cache, so
  // the store's memory is one figure: block cache + write buffers.
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes + kWriteBuffers);
  db_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(kWriteBuffers, cache);
  // No wal_compression: RocksDB 7.8 (Debian) fails to re-read compressed WAL
  // records that span blocks ("Corruption: bad WriteBatch Put"), and synced
  // batches measured no faster with it.
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(static_cast<size_t>(Cf::kCount));
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) {
    descriptors.emplace_back(kCfNames[i], CfOptions(static_cast<Cf>(i), cache));
  }
  if (options.create_if_missing && !options.read_only) {
    // RocksDB logs a scary "NotFound" error for a missing directory it then creates.
    std::error_code ec;
    std::filesystem::create_directories(options.path, ec);
  }
  rocksdb::Status s;
  if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &store->handles_, &store->db_);
  } else {
    s = rocksdb::DB::Open(db_options, options.path, descriptors, &store->handles_, &store->db_);
  }
  if (!s.ok()) return FromRocks(s, "cannot open event store at " + options.path);

  // Load the topic registry and the event counter.
  std::unique_ptr<rocksdb::Iterator> it(store->db_->NewIterator(rocksdb::ReadOptions(), store->cf(Cf::kMeta)));
  for (it->Seek(kMetaTopicPrefix); it->Valid() && it->key().starts_with(kMetaTopicPrefix); it->Next()) {
    std::string name = it->key().ToString().substr(kMetaTopicPrefix.size());
    if (it->value().size() != 2) return Status::Corruption("bad topic id record for " + name);
    uint16_t id = detail::GetBe16(it->value().data());
    if (store->topic_names_.size() <= id) store->topic_names_.resize(id + 1);
    store->topic_names_[id] = name;
    store->topic_ids_.emplace(name, id);
  }
  std::string count;
  s = store->db_->Get(rocksdb::ReadOptions(), store->cf(Cf::kMeta), kMetaEventCount, &count);
  if (s.ok() && count.size() == 8) store->event_count_ = static_cast<int64_t>(detail::GetBe64(count.data()));
  std::string newest;
  s = store->db_->Get(rocksdb::ReadOptions(), store->cf(Cf::kMeta), kMetaNewestOccurredAt, &newest);
  if (s.ok() && newest.size() == 8) {
    store->newest_occurred_at_ = static_cast<int64_t>(detail::GetBe64(newest.data()));
  } else if (store->event_count_ == 0) {
    store->newest_occurred_at_ = 0;
  }  // else a store written before the record existed: computed on first use
  SLAMON_RETURN_IF_ERROR(store->CheckLayout());
  SLAMON_RETURN_IF_ERROR(store->LoadChainHeads());
  if (!options.read_only && !store->old_layout_) SLAMON_RETURN_IF_ERROR(store->BuildDedupeIndex());
  return store;
}

Status EventStore::CheckLayout() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(Cf::kMeta), detail::kMetaStoreLayout, &v);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the store layout of " + options_.path);
  if (s.ok()) {
    if (v.size() != 4) return Status::Corruption("bad store layout record in " + options_.path);
    const uint32_t layout = detail::GetBe32(v.data());
    if (layout == detail::kStoreLayoutVersion) return Status::OK();
    return Status::Invalid("event store at " + options_.path + " has layout " + std::to_string(layout) +
                           ", written by a newer slamon (this one reads layouts 2 and " +
                           std::to_string(detail::kStoreLayoutVersion) + ")");
  }
  // No record: a new store, or one written by a slamon before layouts were recorded (layout 2).
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(Cf::kEvents)));
  it->SeekToFirst();
  SLAMON_RETURN_IF_ERROR(FromRocks(it->status(), "reading the event store " + options_.path));
  const bool has_events = it->Valid();
  it.reset();
  if (options_.read_only) {
    if (!has_events) return Status::OK();
    return Status::Invalid("event store at " + options_.path + " has layout " + std::to_string(detail::kStoreLayoutV2) +
                           " (written by an older slamon): upgrade it with `slamon migrate --store " + options_.path +
                           "` (`slamon run` also upgrades it when it opens it)");
  }
  if (has_events && !options_.upgrade_layout) {
    old_layout_ = true;  // opened as it is (a backup before an upgrade): nothing can be appended
    return Status::OK();
  }
  if (has_events) {
    LayoutUpgrade up;
    SLAMON_RETURN_IF_ERROR(detail::UpgradeLayout2(db_, handles_, options_.path, &up));
    upgrade_ = up;
    return Status::OK();
  }
  char layout[4];
  detail::PutBe32(detail::kStoreLayoutVersion, layout);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, cf(Cf::kMeta), detail::kMetaStoreLayout, rocksdb::Slice(layout, 4)),
                   "recording the store layout of " + options_.path);
}

Status EventStore::BuildDedupeIndex() {
  dedupe_ = std::make_unique<detail::DedupeIndex>();
  dedupe_->Reserve(static_cast<size_t>(std::max<int64_t>(event_count_.load(), 0)));
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2u << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(Cf::kEvents)));
  std::string_view id;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    if (key.size() != detail::kEventKeySize) return Status::Corruption("event key has the wrong size");
    SLAMON_RETURN_IF_ERROR(detail::IdOfEventValue(it->value().ToStringView(), &id));
    dedupe_->Insert(id, detail::DedupeIndex::Fingerprint(id), detail::EventRef::OfKey(key));
  }
  return FromRocks(it->status(), "loading the event ids of " + options_.path);
}

StatusOr<bool> EventStore::StoredIdAt(uint16_t topic, int32_t partition, int64_t offset, std::string_view id) const {
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(Cf::kEvents), detail::EventKey(topic, partition, offset), &v);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "dedupe lookup");
  std::string_view stored_id;
  SLAMON_RETURN_IF_ERROR(detail::IdOfEventValue(v.ToStringView(), &stored_id));
  return stored_id == id;
}

size_t EventStore::DedupeMemoryBytes() const { return dedupe_ ? dedupe_->MemoryBytes() : 0; }

Status EventStore::LoadChainHeads() {
  const rocksdb::Slice prefix(detail::kChainHeadPrefix.data(), detail::kChainHeadPrefix.size());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(Cf::kChain)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != detail::kChainHeadKeySize || it->value().size() != detail::kChainHeadValueSize) {
      return Status::Corruption("bad hash-chain head record in the event store");
    }
    const uint16_t topic = detail::GetBe16(it->key().data() + 6);
    const auto partition = static_cast<int32_t>(detail::GetBe32(it->key().data() + 8));
    Head& head = heads_[{topic, partition}];
    std::memcpy(head.hash.data(), it->value().data(), head.hash.size());
    head.last_offset = static_cast<int64_t>(detail::GetBe64(it->value().data() + 32));
  }
  return FromRocks(it->status(), "loading the hash-chain heads");
}

std::optional<std::pair<ChainHash, int64_t>> EventStore::ChainHead(std::string_view topic, int32_t partition) const {
  auto t = topic_ids_.find(topic);
  if (t == topic_ids_.end()) return std::nullopt;
  auto it = heads_.find({t->second, partition});
  if (it == heads_.end()) return std::nullopt;
  return std::make_pair(it->second.hash, it->second.last_offset);
}

int64_t EventStore::NewestOccurredAt() const {
  if (newest_occurred_at_ >= 0) return newest_occurred_at_;
  int64_t newest = 0;
  Status s = ScanEvents([&newest](const StoredEvent& e) {
    newest = std::max(newest, e.event.occurred_at);
    return true;
  });
  if (!s.ok()) return 0;  // a gauge, not worth failing for: the next batch sets it
  newest_occurred_at_ = newest;
  return newest;
}

EventStore::~EventStore() {
  Status s = Close();
  if (!s.ok()) Log("store")->error("{}", s.message());
}

Status EventStore::Close() {
  if (db_ == nullptr) return Status::OK();
  Status result;
  if (!options_.read_only) {
    if (!write_error_.empty()) {
      // After a failed write RocksDB is in a background-error state in which
      // syncing the WAL trips its own assertions (an abort): do not try. What
      // earlier synced batches wrote is on disk already; the failed batch is
      // not, and its offsets were not either.
      result = Status::IoError("cannot sync " + options_.path + ": " + write_error_);
    } else if (rocksdb::Status s = db_->FlushWAL(/*sync=*/true); !s.ok()) {
      result = FromRocks(s, "cannot sync " + options_.path);
    }
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  rocksdb::Status s = db_->Close();
  // With a write already failed, Close() repeats that error: reported above.
  if (!s.ok() && result.ok()) result = FromRocks(s, "closing the event store " + options_.path);
  delete db_;
  db_ = nullptr;
  return result;
}

StatusOr<uint16_t> EventStore::TopicId(std::string_view topic, bool create, std::string* meta_put_key) {
  if (auto it = topic_ids_.find(topic); it != topic_ids_.end()) return it->second;
  if (!create) return Status::NotFound("unknown topic " + std::string(topic));
  if (topic_names_.size() >= kMaxTopics) return Status::Invalid("too many topics in one store");
  auto id = static_cast<uint16_t>(topic_names_.size());
  std::unique_lock<std::shared_mutex> lock(topics_mu_);
  topic_names_.emplace_back(topic);
  topic_ids_.emplace(std::string(topic), id);
  *meta_put_key = std::string(kMetaTopicPrefix) + std::string(topic);
  return id;
}

Status EventStore::AppendBatch(const std::vector<BatchItem>& batch, AppendResult* result,
                               const std::vector<std::pair<std::string, std::string>>& meta) {
  if (options_.read_only) return Status::Invalid("event store is open read-only");
  if (old_layout_) {
    return Status::Invalid("event store at " + options_.path +
                           " has an older layout: upgrade it with `slamon migrate`");
  }
  *result = AppendResult{};
  rocksdb::WriteBatch wb;

  // Resolve topic ids; new topics are registered in the same batch.
  // Topics registered by this batch are forgotten unless it is written, so
  // that a retry registers them again.
  struct TopicRollback {
    EventStore* store;
    size_t before;
    bool written = false;
    ~TopicRollback() {
      if (written) return;
      std::unique_lock<std::shared_mutex> lock(store->topics_mu_);
      for (size_t id = before; id < store->topic_names_.size(); ++id) store->topic_ids_.erase(store->topic_names_[id]);
      store->topic_names_.resize(before);
    }
  } rollback{this, topic_names_.size()};
  std::vector<uint16_t> topic_of(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    std::string new_key;
    GET_OR_RET(topic_of[i], TopicId(batch[i].pos.topic, true, &new_key));
    if (!new_key.empty()) {
      char id[2];
      detail::PutBe16(topic_of[i], id);
      wb.Put(cf(Cf::kMeta), new_key, rocksdb::Slice(id, 2));
    }
  }

  // Dedupe: the in-memory table proves most ids new; a fingerprint hit is
  // confirmed by reading the one event it names. Then in-batch duplicates.
  std::vector<bool> is_duplicate(batch.size(), false);
  std::vector<uint64_t> fingerprints(batch.size(), 0);
  std::unordered_set<std::string_view> seen;
  seen.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].event) continue;
    const std::string& id = batch[i].event->id;
    fingerprints[i] = detail::DedupeIndex::Fingerprint(id);
    bool stored = dedupe_->ContainsExact(id);
    if (!stored) {
      if (auto ref = dedupe_->Candidate(fingerprints[i])) {
        GET_OR_RET(stored, StoredIdAt(ref->topic, ref->partition, ref->offset, id));
      }
    }
    if (stored || !seen.insert(id).second) is_duplicate[i] = true;
  }

  // Per (topic, partition): the next offset, and the chain head advanced on
  // a copy (the cache is updated only once the batch is written).
  struct Partition {
    int64_t next = 0;
    int64_t last_seen = -1;
    Head head;
    bool head_changed = false;
  };
  std::map<std::pair<uint16_t, int32_t>, Partition> partitions;
  std::vector<Partition*> partition_of(batch.size());
  bool in_offset_order = true;
  for (size_t i = 0; i < batch.size(); ++i) {
    const std::pair<uint16_t, int32_t> tp{topic_of[i], batch[i].pos.partition};
    auto [it, inserted] = partitions.try_emplace(tp);
    Partition& p = it->second;
    if (inserted) {
      if (auto h = heads_.find(tp); h != heads_.end()) p.head = h->second;
    }
    const int64_t offset = batch[i].pos.offset;
    in_offset_order = in_offset_order && offset > p.last_seen;
    p.last_seen = offset;
    p.next = std::max(p.next, offset + 1);
    partition_of[i] = &p;
  }
  // The chain follows offset order. Consumed batches are in offset order per
  // partition; other callers' batches are put in it here.
  std::vector<size_t> order(batch.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (!in_offset_order) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::tie(topic_of[a], batch[a].pos.partition, batch[a].pos.offset) <
             std::tie(topic_of[b], batch[b].pos.partition, batch[b].pos.offset);
    });
  }

  std::string value;
  const auto now = static_cast<int64_t>(std::time(nullptr));
  for (size_t i : order) {
    const BatchItem& item = batch[i];
    const std::string key = detail::EventKey(topic_of[i], item.pos.partition, item.pos.offset);
    Partition& part = *partition_of[i];
    if (item.event) {
      if (is_duplicate[i] || item.pos.offset <= part.head.last_offset) {
        ++result->duplicates;
        continue;
      }
      const Event& e = *item.event;
      // [link][previous offset][stored event]: the link covers the key and the stored bytes.
      detail::StartEventValue(part.head.last_offset, &value);
      EncodeStoredEvent(e, &value);
      part.head.hash = hasher_.Link(part.head.hash, key, std::string_view(value).substr(detail::kEnvelopeSize));
      std::memcpy(value.data(), part.head.hash.data(), detail::kLinkSize);
      wb.Put(cf(Cf::kEvents), key, value);
      part.head.last_offset = item.pos.offset;
      part.head_changed = true;
      ++result->stored;
      result->stored_items.push_back(i);
      ++result->stored_by_type[static_cast<int>(e.type)];
      result->last_occurred_at = std::max(result->last_occurred_at, e.occurred_at);
    } else if (item.rejection) {
      value.clear();
      detail::EncodeQuarantine(*item.rejection, now, &value);
      wb.Put(cf(Cf::kQuarantine), key, value);
      ++result->quarantined;
      ++result->rejected_by_reason[static_cast<int>(item.rejection->reason)];
    }
  }
  if (!in_offset_order) std::sort(result->stored_items.begin(), result->stored_items.end());
  for (const auto& [tp, part] : partitions) {
    // A re-delivered position never moves the resume point behind the chain.
    char v[8];
    detail::PutBe64(static_cast<uint64_t>(std::max(part.next, part.head.last_offset + 1)), v);
    wb.Put(cf(Cf::kOffsets), detail::OffsetKey(tp.first, tp.second), rocksdb::Slice(v, 8));
    if (part.head_changed) {
      char h[detail::kChainHeadValueSize];
      std::memcpy(h, part.head.hash.data(), part.head.hash.size());
      detail::PutBe64(static_cast<uint64_t>(part.head.last_offset), h + 32);
      wb.Put(cf(Cf::kChain), detail::ChainHeadKey(tp.first, tp.second), rocksdb::Slice(h, sizeof(h)));
    }
  }
  const int64_t new_count = event_count_.load() + result->stored;
  char c[8];
  detail::PutBe64(static_cast<uint64_t>(new_count), c);
  wb.Put(cf(Cf::kMeta), kMetaEventCount, rocksdb::Slice(c, 8));
  for (const auto& [k, v] : meta) wb.Put(cf(Cf::kMeta), k, v);
  // Unknown (an older store not scanned yet) stays unknown: a batch's own
  // maximum could be below what is stored.
  const int64_t newest = newest_occurred_at_.load();
  const bool newer = newest >= 0 && result->last_occurred_at > newest;
  if (newer) {
    char t[8];
    detail::PutBe64(static_cast<uint64_t>(result->last_occurred_at), t);
    wb.Put(cf(Cf::kMeta), kMetaNewestOccurredAt, rocksdb::Slice(t, 8));
  }

  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  if (rocksdb::Status w = db_->Write(wo, &wb); !w.ok()) {
    write_error_ = w.ToString();
    return FromRocks(w, "appending a batch to the event store");
  }
  write_error_.clear();
  rollback.written = true;
  event_count_ = new_count;
  if (newer) newest_occurred_at_ = result->last_occurred_at;
  for (const auto& [tp, part] : partitions) {
    if (part.head_changed) heads_[tp] = part.head;
  }
  for (size_t i : result->stored_items) {
    const BatchItem& item = batch[i];
    dedupe_->Insert(item.event->id, fingerprints[i], {topic_of[i], item.pos.partition, item.pos.offset});
  }
  return Status::OK();
}

int64_t EventStore::NextOffset(std::string_view topic, int32_t partition) const {
  uint16_t id = 0;
  {
    std::shared_lock<std::shared_mutex> lock(topics_mu_);
    auto it = topic_ids_.find(topic);
    if (it == topic_ids_.end()) return -1;
    id = it->second;
  }
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(Cf::kOffsets), detail::OffsetKey(id, partition), &v);
  if (!s.ok() || v.size() != 8) return -1;
  return static_cast<int64_t>(detail::GetBe64(v.data()));
}

std::map<std::string, std::map<int32_t, int64_t>> EventStore::AllOffsets() const {
  std::map<std::string, std::map<int32_t, int64_t>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(Cf::kOffsets)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 6 || it->value().size() != 8) continue;
    uint16_t topic = detail::GetBe16(it->key().data());
    auto partition = static_cast<int32_t>(detail::GetBe32(it->key().data() + 2));
    std::shared_lock<std::shared_mutex> lock(topics_mu_);
    if (topic >= topic_names_.size()) continue;
    out[topic_names_[topic]][partition] = static_cast<int64_t>(detail::GetBe64(it->value().data()));
  }
  return out;
}

Status EventStore::ScanEvents(const std::function<bool(const StoredEvent&)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2u << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(Cf::kEvents)));
  StoredEvent se;
  detail::EventValue value;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SLAMON_RETURN_IF_ERROR(detail::DecodeEventKey(it->key().ToStringView(), topic_names_, &se.pos));
    SLAMON_RETURN_IF_ERROR(detail::SplitEventValue(it->value().ToStringView(), &value));
    SLAMON_RETURN_IF_ERROR(DecodeStoredEvent(value.stored, &se.event));
    if (!fn(se)) return Status::OK();
  }
  return FromRocks(it->status(), "scanning events");
}

Status EventStore::ScanAccount(std::string_view account_id, const std::function<bool(const StoredEvent&)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2u << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(Cf::kEvents)));
  StoredEvent se;
  detail::EventValue value;
  std::string_view id, account;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SLAMON_RETURN_IF_ERROR(detail::SplitEventValue(it->value().ToStringView(), &value));
    SLAMON_RETURN_IF_ERROR(PeekStoredIds(value.stored, &id, &account));
    if (account != account_id) continue;
    SLAMON_RETURN_IF_ERROR(detail::DecodeEventKey(it->key().ToStringView(), topic_names_, &se.pos));
    SLAMON_RETURN_IF_ERROR(DecodeStoredEvent(value.stored, &se.event));
    if (!fn(se)) return Status::OK();
  }
  return FromRocks(it->status(), "scanning the events of an account");
}

Status EventStore::ScanQuarantine(const std::function<bool(const QuarantinedMessage&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(Cf::kQuarantine)));
  QuarantinedMessage q;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SLAMON_RETURN_IF_ERROR(detail::DecodeEventKey(it->key().ToStringView(), topic_names_, &q.pos));
    SLAMON_RETURN_IF_ERROR(detail::DecodeQuarantine(it->value().ToStringView(), &q.rejection, &q.quarantined_at));
    if (!fn(q)) return Status::OK();
  }
  return FromRocks(it->status(), "scanning the quarantine");
}

bool EventStore::Contains(std::string_view event_id) const {
  if (dedupe_) {
    if (dedupe_->ContainsExact(event_id)) return true;
    auto ref = dedupe_->Candidate(detail::DedupeIndex::Fingerprint(event_id));
    if (!ref) return false;
    StatusOr<bool> same = StoredIdAt(ref->topic, ref->partition, ref->offset, event_id);
    return same.ok() && *same;
  }
  bool found = false;
  (void)ScanEvents([&](const StoredEvent& e) {
    found = e.event.id == event_id;
    return !found;
  });
  return found;
}

Status EventStore::ScanMeta(std::string_view prefix,
                            const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(Cf::kMeta)));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "reading the meta records");
}

}  // namespace slamon::events
