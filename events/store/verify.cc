#include "events/store/verify.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "events/store/dedupe_index.h"
#include "events/store/hash_chain.h"
#include "events/store/raw_access.h"
#include "events/store/store_keys.h"
#include "events/store/stored_format.h"

namespace slamon::events {
namespace {

using detail::kEventKeySize;

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

ChainHash HashOf(const rocksdb::Slice& v) {
  ChainHash h{};
  std::memcpy(h.data(), v.data(), std::min(v.size(), h.size()));
  return h;
}

class Verifier {
 public:
  explicit Verifier(const EventStore& store) : store_(store), db_(RawStoreAccess::Db(store)) {
    ro_.fill_cache = false;
    ro_.readahead_size = 2u << 20;
  }

  Status Run(VerifyReport* report) {
    report_ = report;
    SLAMON_RETURN_IF_ERROR(LoadHeads());
    SLAMON_RETURN_IF_ERROR(WalkChain());
    SLAMON_RETURN_IF_ERROR(CheckRetiredFamilies());
    SLAMON_RETURN_IF_ERROR(CheckCounters());
    FillFirstEventId();
    return Status::OK();
  }

 private:
  struct Head {
    ChainHash hash{};
    int64_t last_offset = 0;
    bool matched = false;
  };

  // Records a problem; the one at the lowest events key is kept as first.
  void Problem(std::string_view event_key, std::string what, std::string event_id = "") {
    ++report_->problems;
    const bool positioned = event_key.size() == kEventKeySize;
    if (report_->first) {
      if (!positioned) return;
      if (!first_key_.empty() && first_key_ <= event_key) return;
    }
    VerifyProblem p;
    p.has_position = positioned;
    if (positioned) {
      const uint16_t topic = detail::GetBe16(event_key.data());
      const auto& names = store_.TopicNames();
      p.pos.topic = topic < names.size() ? names[topic] : "#" + std::to_string(topic);
      p.pos.partition = static_cast<int32_t>(detail::GetBe32(event_key.data() + 2));
      p.pos.offset = static_cast<int64_t>(detail::GetBe64(event_key.data() + 6));
      first_key_.assign(event_key);
    }
    p.event_id = std::move(event_id);
    p.what = std::move(what);
    report_->first = std::move(p);
  }

  static std::string KeyAt(std::string_view partition, int64_t offset) {
    std::string k(partition);
    k.resize(kEventKeySize);
    detail::PutBe64(static_cast<uint64_t>(offset), k.data() + 6);
    return k;
  }

  std::unique_ptr<rocksdb::Iterator> Iter(Cf cf) {
    return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro_, RawStoreAccess::Family(store_, cf)));
  }

  Status LoadHeads() {
    auto it = Iter(Cf::kChain);
    const rocksdb::Slice prefix(detail::kChainHeadPrefix.data(), detail::kChainHeadPrefix.size());
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() != detail::kChainHeadKeySize || it->value().size() != detail::kChainHeadValueSize) {
        Problem("", "malformed hash-chain head record");
        continue;
      }
      Head& h = heads_[std::string(it->key().data() + 6, 6)];
      h.hash = HashOf(it->value());
      h.last_offset = static_cast<int64_t>(detail::GetBe64(it->value().data() + 32));
    }
    return FromIter(*it, "reading the hash-chain heads");
  }

  static Status FromIter(const rocksdb::Iterator& it, std::string_view what) {
    if (it.status().ok()) return Status::OK();
    return Status::IoError(std::string(what) + ": " + it.status().ToString());
  }

  // Compares the finished partition's chain state with its head.
  void FinishPartition() {
    if (partition_.empty()) return;
    last_by_partition_[partition_] = last_offset_;
    auto it = heads_.find(partition_);
    if (it == heads_.end()) {
      Problem(KeyAt(partition_, last_offset_), "the partition has no hash-chain head");
    } else {
      Head& h = it->second;
      h.matched = true;
      if (h.last_offset > last_offset_) {
        Problem(KeyAt(partition_, h.last_offset),
                "the chain head names this offset but the partition's events end at " + std::to_string(last_offset_) +
                    " (events deleted)");
      } else if (h.last_offset < last_offset_) {
        Problem(KeyAt(partition_, last_offset_), "event after the hash-chain head (offset " +
                                                     std::to_string(h.last_offset) + "): appended outside the chain");
      } else if (h.hash != prev_) {
        Problem(KeyAt(partition_, last_offset_), "the hash-chain head does not match the partition's last link");
      }
    }
    partition_.clear();
  }

  // Switches the walk to the partition of `key` (genesis link) if it is new.
  void EnterPartition(std::string_view key) {
    if (!partition_.empty() && key.substr(0, 6) == partition_) return;
    FinishPartition();
    partition_.assign(key.substr(0, 6));
    prev_ = kGenesisHash;
    last_offset_ = -1;
  }

  // One pass over the events in store order: each partition's chain in
  // offset order, the previous offsets, and ids stored twice.
  Status WalkChain() {
    auto ev = Iter(Cf::kEvents);
    ChainHasher hasher;
    detail::EventValue value;
    std::string_view id, account;
    for (ev->SeekToFirst(); ev->Valid(); ev->Next()) {
      const std::string_view key = View(ev->key());
      if (key.size() != kEventKeySize) {
        Problem("", "malformed events key of " + std::to_string(key.size()) + " bytes");
        continue;
      }
      EnterPartition(key);
      ++report_->events;
      if (detail::GetBe16(key.data()) >= store_.TopicNames().size()) {
        Problem(key, "the event key names an unknown topic id");
      }
      const auto offset = static_cast<int64_t>(detail::GetBe64(key.data() + 6));
      if (!detail::SplitEventValue(View(ev->value()), &value).ok()) {
        Problem(key, "the stored value is shorter than its hash-chain link (link removed or value truncated)");
        last_offset_ = offset;
        continue;
      }
      const ChainHash computed = hasher.Link(prev_, key, value.stored);
      ++report_->links;
      prev_ = HashOf(value.link);  // the chain continues from the stored link: one problem per alteration
      if (prev_ != computed) {
        Problem(key,
                "the hash-chain link does not match: the event was altered or moved, or an event before it in the "
                "partition was deleted or altered");
      }
      CheckPrevious(key, offset, value.previous_offset);
      last_offset_ = offset;
      // The link proves the bytes are those written (and decoded) at ingest:
      // only the id is read here, for the copy check.
      if (Status s = PeekStoredIds(value.stored, &id, &account); !s.ok()) {
        Problem(key, "the stored event cannot be decoded: " + s.message());
        continue;
      }
      SLAMON_RETURN_IF_ERROR(CheckUniqueId(key, id));
    }
    FinishPartition();
    SLAMON_RETURN_IF_ERROR(FromIter(*ev, "reading events"));
    for (const auto& [tp, h] : heads_) {
      if (!h.matched) Problem(KeyAt(tp, h.last_offset), "a hash-chain head exists but its partition has no events");
    }
    report_->partitions = static_cast<int64_t>(last_by_partition_.size());
    return Status::OK();
  }

  // The previous offset an event names must be the partition's previous event.
  void CheckPrevious(std::string_view key, int64_t offset, int64_t previous) {
    if (previous == last_offset_) return;
    if (previous > last_offset_ && previous < offset) {
      Problem(KeyAt(partition_, previous), "the event is missing: the partition's next event (offset " +
                                               std::to_string(offset) +
                                               ") names it as its predecessor (event deleted)");
    } else {
      Problem(key, "the event names offset " + std::to_string(previous) +
                       " as its predecessor but the partition's previous event is at " + std::to_string(last_offset_) +
                       " (events deleted, inserted or moved)");
    }
  }

  // An id stored twice: a copied event (the chain alone cannot see a copy
  // appended with freshly computed links).
  Status CheckUniqueId(std::string_view key, std::string_view id) {
    const uint64_t fp = detail::DedupeIndex::Fingerprint(id);
    bool twice = ids_.ContainsExact(id);
    if (auto other = ids_.Candidate(fp); other && !twice) {
      GET_OR_RET(twice, RawStoreAccess::StoredIdAt(store_, other->topic, other->partition, other->offset, id));
    }
    if (twice) {
      Problem(key, "the event id '" + std::string(id) + "' is stored twice (a copied event)", std::string(id));
    } else {
      ids_.Insert(id, fp, detail::EventRef::OfKey(key));  // a fingerprint taken by another id goes to the side table
    }
    return Status::OK();
  }

  // Layout 3 writes no per-event keys into these families (store_keys.h).
  Status CheckRetiredFamilies() {
    for (auto [cf, name] : {std::pair{Cf::kDedupe, "dedupe"}, std::pair{Cf::kByAccount, "by_account"},
                            std::pair{Cf::kByTicket, "by_ticket"}}) {
      auto it = Iter(cf);
      it->SeekToFirst();
      if (it->Valid())
        Problem("", std::string("the ") + name + " column family holds keys, which this layout never writes");
      SLAMON_RETURN_IF_ERROR(FromIter(*it, std::string("reading ") + name));
    }
    auto it = Iter(Cf::kChain);
    const rocksdb::Slice head_prefix(detail::kChainHeadPrefix.data(), detail::kChainHeadPrefix.size());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!it->key().starts_with(head_prefix)) {
        Problem("", "malformed hash-chain key of " + std::to_string(it->key().size()) + " bytes");
      }
    }
    return FromIter(*it, "reading the hash-chain heads");
  }

  Status CheckCounters() {
    std::string v;
    for (const auto& [tp, last] : last_by_partition_) {
      if (last < 0) continue;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), RawStoreAccess::Family(store_, Cf::kOffsets), tp, &v);
      if (!s.ok() && !s.IsNotFound()) return Status::IoError("reading the offsets: " + s.ToString());
      if (!s.ok() || v.size() != 8 || static_cast<int64_t>(detail::GetBe64(v.data())) <= last) {
        Problem(KeyAt(tp, last), "the stored next offset of the partition is missing or not past its last event");
      }
    }
    if (store_.EventCount() != report_->events) {
      Problem("", "the event_count counter says " + std::to_string(store_.EventCount()) + " but the store holds " +
                      std::to_string(report_->events) + " events");
    }
    return Status::OK();
  }

  void FillFirstEventId() {
    auto& first = report_->first;
    if (!first || !first->has_position || !first->event_id.empty()) return;
    std::string value;
    std::string_view id;
    if (db_->Get(rocksdb::ReadOptions(), RawStoreAccess::Family(store_, Cf::kEvents), first_key_, &value).ok() &&
        detail::IdOfEventValue(value, &id).ok()) {
      first->event_id.assign(id);
    }
  }

  const EventStore& store_;
  rocksdb::DB* db_;
  rocksdb::ReadOptions ro_;
  VerifyReport* report_ = nullptr;
  std::string first_key_;
  std::map<std::string, Head, std::less<>> heads_;                 // by [topic u16][partition u32]
  std::map<std::string, int64_t, std::less<>> last_by_partition_;  // last event offset by [topic u16][partition u32]
  detail::DedupeIndex ids_;                                        // every id seen, by fingerprint
  std::string partition_;  // the partition being walked, empty between partitions
  ChainHash prev_{};
  int64_t last_offset_ = -1;
};

}  // namespace

StatusOr<VerifyReport> VerifyStore(const EventStore& store) {
  const auto t0 = std::chrono::steady_clock::now();
  VerifyReport report;
  Verifier v(store);
  SLAMON_RETURN_IF_ERROR(v.Run(&report));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

std::string Describe(const VerifyProblem& p) {
  if (!p.has_position) return p.what;
  std::string s = "topic " + p.pos.topic + " partition " + std::to_string(p.pos.partition) + " offset " +
                  std::to_string(p.pos.offset);
  if (!p.event_id.empty()) s += " (event " + p.event_id + ")";
  return s + ": " + p.what;
}

}  // namespace slamon::events
