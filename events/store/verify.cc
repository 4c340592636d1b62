// Over 400 lines on purpose: one merge-walk over events, chain links and the
// three indexes; splitting the walk would scatter its invariants.
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

#include "events/store/hash_chain.h"
#include "events/store/raw_access.h"
#include "events/store/store_keys.h"
#include "events/store/stored_format.h"

namespace slamon::events {
namespace {

using detail::kEventKeySize;

constexpr uint8_t kSeenDedupe = 1;
constexpr uint8_t kSeenAccount = 2;
constexpr uint8_t kSeenTicket = 4;
constexpr uint8_t kHasTicket = 8;

// What the index walks need of one event: fingerprints, not the strings.
struct Rec {
  int64_t offset = 0;
  uint64_t id = 0;
  uint64_t account = 0;
  uint64_t ticket = 0;
  uint8_t flags = 0;
};

uint64_t Fingerprint(std::string_view s) { return std::hash<std::string_view>{}(s); }

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

bool IsLinkKey(const rocksdb::Slice& key) {
  return key.size() == kEventKeySize && !key.starts_with(rocksdb::Slice(detail::kChainHeadPrefix.data(), 2));
}

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
    // The dedupe family has a whole-key prefix extractor (hashed memtable):
    // a full walk needs total order.
    ro_.total_order_seek = true;
  }

  Status Run(VerifyReport* report) {
    report_ = report;
    SLAMON_RETURN_IF_ERROR(LoadHeads());
    SLAMON_RETURN_IF_ERROR(WalkChain());
    SLAMON_RETURN_IF_ERROR(WalkDedupe());
    SLAMON_RETURN_IF_ERROR(WalkIndex(Cf::kByAccount));
    SLAMON_RETURN_IF_ERROR(WalkIndex(Cf::kByTicket));
    CheckMissingEntries();
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
    recs_ = &by_partition_[partition_];
  }

  Status WalkChain() {
    auto ev = Iter(Cf::kEvents);
    auto ln = Iter(Cf::kChain);
    ev->SeekToFirst();
    ln->SeekToFirst();
    const rocksdb::Slice head_prefix(detail::kChainHeadPrefix.data(), detail::kChainHeadPrefix.size());
    auto link_valid = [&] {
      // Heads sort after every link; anything else before them is garbage.
      while (ln->Valid() && !IsLinkKey(ln->key()) && !ln->key().starts_with(head_prefix)) {
        Problem("", "malformed hash-chain key of " + std::to_string(ln->key().size()) + " bytes");
        ln->Next();
      }
      return ln->Valid() && IsLinkKey(ln->key());
    };
    ChainHasher hasher;
    Event e;
    while (ev->Valid() || link_valid()) {
      if (link_valid() && (!ev->Valid() || ln->key().compare(ev->key()) < 0)) {
        // A link without its event: the event was deleted. Continue the chain
        // from this link so that the next events are checked on their own.
        const std::string_view key = View(ln->key());
        EnterPartition(key);
        Problem(key, "the event is missing but its hash-chain link is present (event deleted)");
        prev_ = HashOf(ln->value());
        last_offset_ = static_cast<int64_t>(detail::GetBe64(key.data() + 6));
        ++report_->links;
        ln->Next();
        continue;
      }
      const std::string_view key = View(ev->key());
      if (key.size() != kEventKeySize) {
        Problem("", "malformed events key of " + std::to_string(key.size()) + " bytes");
        ev->Next();
        continue;
      }
      EnterPartition(key);
      ++report_->events;
      if (detail::GetBe16(key.data()) >= store_.TopicNames().size()) {
        Problem(key, "the event key names an unknown topic id");
      }
      const ChainHash computed = hasher.Link(prev_, key, View(ev->value()));
      if (link_valid() && ln->key().compare(ev->key()) == 0) {
        ++report_->links;
        if (ln->value().size() != computed.size()) {
          Problem(key, "malformed hash-chain link");
          prev_ = computed;
        } else {
          prev_ = HashOf(ln->value());
          if (prev_ != computed) {
            Problem(key,
                    "the hash-chain link does not match: the event was altered or moved, or an event before it in "
                    "the partition was deleted or altered");
          }
        }
        ln->Next();
      } else {
        Problem(key, "the event has no hash-chain link (inserted, or its link deleted)");
        prev_ = computed;
      }
      last_offset_ = static_cast<int64_t>(detail::GetBe64(key.data() + 6));
      Rec rec;
      rec.offset = last_offset_;
      if (Status s = DecodeStoredEvent(View(ev->value()), &e); !s.ok()) {
        Problem(key, "the stored event cannot be decoded: " + s.message());
        rec.flags = kSeenDedupe | kSeenAccount | kSeenTicket;  // unknown fields: report the decode error only
      } else {
        rec.id = Fingerprint(e.id);
        rec.account = Fingerprint(e.account_id);
        if (e.HasTicket()) {
          rec.ticket = Fingerprint(e.ticket_id);
          rec.flags = kHasTicket;
        } else {
          rec.flags = kSeenTicket;
        }
      }
      recs_->push_back(rec);
      ev->Next();
    }
    FinishPartition();
    SLAMON_RETURN_IF_ERROR(FromIter(*ev, "reading events"));
    SLAMON_RETURN_IF_ERROR(FromIter(*ln, "reading hash-chain links"));
    for (const auto& [tp, h] : heads_) {
      if (!h.matched) Problem(KeyAt(tp, h.last_offset), "a hash-chain head exists but its partition has no events");
    }
    report_->partitions = static_cast<int64_t>(by_partition_.size());
    return Status::OK();
  }

  // The record of the event at an events key, or null.
  Rec* Find(std::string_view event_key) {
    if (event_key.size() != kEventKeySize) return nullptr;
    auto it = by_partition_.find(event_key.substr(0, 6));
    if (it == by_partition_.end()) return nullptr;
    const auto offset = static_cast<int64_t>(detail::GetBe64(event_key.data() + 6));
    auto& v = it->second;
    if (v.empty() || offset < v.front().offset) return nullptr;
    // Offsets are increasing integers, so the record is at most at index
    // offset - first offset, and exactly there while the partition has no
    // gaps (quarantined or duplicate messages): try that first.
    const auto guess = static_cast<size_t>(std::min<uint64_t>(offset - v.front().offset, v.size() - 1));
    if (v[guess].offset == offset) return &v[guess];
    auto end = v.begin() + static_cast<ptrdiff_t>(guess) + 1;
    auto r = std::lower_bound(v.begin(), end, offset, [](const Rec& a, int64_t o) { return a.offset < o; });
    return r != end && r->offset == offset ? &*r : nullptr;
  }

  Status WalkDedupe() {
    auto it = Iter(Cf::kDedupe);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report_->dedupe_entries;
      const std::string_view id = View(it->key());
      const std::string_view target = View(it->value());
      Rec* rec = Find(target);
      if (target.size() != kEventKeySize) {
        Problem("", "the dedupe entry of event id '" + std::string(id) + "' has a malformed events key",
                std::string(id));
      } else if (rec == nullptr) {
        Problem(target, "the dedupe entry of event id '" + std::string(id) + "' points at a missing event",
                std::string(id));
      } else if (rec->id != Fingerprint(id)) {
        Problem(target, "the dedupe entry of event id '" + std::string(id) + "' points at an event with another id",
                std::string(id));
      } else {
        rec->flags |= kSeenDedupe;
      }
    }
    return FromIter(*it, "reading the dedupe ids");
  }

  // by_account: [len][account][events key]; by_ticket: [len][account][len][ticket][events key].
  Status WalkIndex(Cf cf) {
    const bool ticket_index = cf == Cf::kByTicket;
    const char* name = ticket_index ? "by_ticket" : "by_account";
    int64_t& count = ticket_index ? report_->ticket_entries : report_->account_entries;
    auto it = Iter(cf);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++count;
      std::string_view k = View(it->key());
      std::string_view fields[2];
      bool ok = true;
      for (int i = 0; i < (ticket_index ? 2 : 1) && ok; ++i) {
        ok = k.size() >= 2 && k.size() >= 2u + detail::GetBe16(k.data());
        if (ok) {
          fields[i] = k.substr(2, detail::GetBe16(k.data()));
          k.remove_prefix(2 + fields[i].size());
        }
      }
      if (!ok || k.size() != kEventKeySize) {
        Problem("", std::string("malformed ") + name + " index key");
        continue;
      }
      Rec* rec = Find(k);
      const std::string entry = std::string(name) + " entry (account '" + std::string(fields[0]) +
                                (ticket_index ? "', ticket '" + std::string(fields[1]) : "") + "')";
      if (rec == nullptr) {
        Problem(k, "the " + entry + " points at a missing event");
      } else if (rec->account != Fingerprint(fields[0])) {
        Problem(k, "the " + entry + " does not match the event's account");
      } else if (ticket_index && ((rec->flags & kHasTicket) == 0 || rec->ticket != Fingerprint(fields[1]))) {
        Problem(k, "the " + entry + " does not match the event's ticket");
      } else {
        rec->flags |= ticket_index ? kSeenTicket : kSeenAccount;
      }
    }
    return FromIter(*it, std::string("reading the ") + name + " index");
  }

  void CheckMissingEntries() {
    for (const auto& [tp, recs] : by_partition_) {
      for (const Rec& r : recs) {
        if ((r.flags & kSeenDedupe) == 0) Problem(KeyAt(tp, r.offset), "the event has no dedupe entry");
        if ((r.flags & kSeenAccount) == 0) Problem(KeyAt(tp, r.offset), "the event has no by_account index entry");
        if ((r.flags & kSeenTicket) == 0) Problem(KeyAt(tp, r.offset), "the event has no by_ticket index entry");
      }
    }
  }

  Status CheckCounters() {
    std::string v;
    for (const auto& [tp, recs] : by_partition_) {
      if (recs.empty()) continue;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), RawStoreAccess::Family(store_, Cf::kOffsets), tp, &v);
      if (!s.ok() && !s.IsNotFound()) return Status::IoError("reading the offsets: " + s.ToString());
      const int64_t last = recs.back().offset;
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
    Event e;
    if (db_->Get(rocksdb::ReadOptions(), RawStoreAccess::Family(store_, Cf::kEvents), first_key_, &value).ok() &&
        DecodeStoredEvent(value, &e).ok()) {
      first->event_id = e.id;
    }
  }

  const EventStore& store_;
  rocksdb::DB* db_;
  rocksdb::ReadOptions ro_;
  VerifyReport* report_ = nullptr;
  std::string first_key_;
  std::map<std::string, Head, std::less<>> heads_;                     // by [topic u16][partition u32]
  std::map<std::string, std::vector<Rec>, std::less<>> by_partition_;  // in offset order
  std::string partition_;  // the partition being walked, empty between partitions
  ChainHash prev_{};
  int64_t last_offset_ = -1;
  std::vector<Rec>* recs_ = nullptr;
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
