// The audit hash chain and `slamon verify`'s checks (events/store/verify.h): an
// intact store verifies clean, and every kind of tampering done with raw
// RocksDB access (altered, deleted, swapped and copied events, altered links
// and previous offsets, counters) is reported at the tampered position. The chain survives close/reopen and a killed
// writer.
#include "events/store/verify.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <rocksdb/db.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <variant>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "events/store/hash_chain.h"
#include "events/store/raw_access.h"
#include "events/store/store_keys.h"
#include "tests/support/generated_items.h"
#include "tests/support/temp_dir.h"

namespace slamon::events {
namespace {

constexpr int kPartitions = 3;
constexpr uint16_t kTopicId = 0;  // "events", the first topic of the store

// `count` generator messages spread round-robin over the partitions of topic
// "events" (offsets from 0), malformed and duplicate ones included.
std::vector<BatchItem> Items(int count, uint64_t seed = 5) {
  GeneratorOptions go;
  go.accounts = 20;
  go.seed = seed;
  go.malformed_fraction = 0.02;
  go.duplicate_fraction = 0.02;
  using testing::GeneratedItems;
  return GeneratedItems(go, kPartitions, "events", GeneratedItems::Spread::kRoundRobin).Take(count);
}

void Append(EventStore& store, const std::vector<BatchItem>& items, size_t batch_size = 250) {
  testing::AppendInBatches(store, items, batch_size);
}

std::unique_ptr<EventStore> Open(const std::string& path, bool read_only = false) {
  auto s = EventStore::Open({.path = path, .read_only = read_only, .sync = false});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.take() : nullptr;
}

VerifyReport Verify(const std::string& path) {
  auto store = Open(path, /*read_only=*/true);
  auto report = VerifyStore(*store);
  EXPECT_TRUE(report.ok()) << report.status().message();
  return report.ok() ? *report : VerifyReport{};
}

std::vector<StoredEvent> Stored(const EventStore& store) {
  std::vector<StoredEvent> out;
  EXPECT_TRUE(store
                  .ScanEvents([&](const StoredEvent& se) {
                    out.push_back(se);
                    return true;
                  })
                  .ok());
  return out;
}

// A store of 1500 generator messages; tests tamper with it through `db`.
class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("store");
    store_ = Open(path_);
    ASSERT_NE(store_, nullptr);
    Append(*store_, Items(1500));
    events_ = Stored(*store_);
    ASSERT_GT(events_.size(), 1300u);
    db_ = RawStoreAccess::Db(*store_);
  }

  // The n-th stored event of partition p (store order) and its events key.
  const StoredEvent& Nth(int p, size_t n) {
    std::vector<const StoredEvent*> of;
    for (const auto& se : events_) {
      if (se.pos.partition == p) of.push_back(&se);
    }
    return *of.at(n);
  }
  static std::string Key(const StoredEvent& se) { return detail::EventKey(kTopicId, se.pos.partition, se.pos.offset); }
  std::string Get(Cf cf, const std::string& key) {
    std::string v;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), RawStoreAccess::Family(*store_, cf), key, &v).ok());
    return v;
  }
  void Put(Cf cf, const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), RawStoreAccess::Family(*store_, cf), key, value).ok());
  }
  void Delete(Cf cf, const std::string& key) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), RawStoreAccess::Family(*store_, cf), key).ok());
  }

  // Closes the store, verifies it read-only and expects the first problem at `at`.
  void ExpectBrokenAt(const StoredEvent& at, const std::string& what_part) {
    ASSERT_TRUE(store_->Close().ok());
    VerifyReport r = Verify(path_);
    ASSERT_FALSE(r.ok()) << "tampering not detected";
    ASSERT_TRUE(r.first->has_position) << r.first->what;
    EXPECT_EQ(r.first->pos.topic, "events");
    EXPECT_EQ(r.first->pos.partition, at.pos.partition) << Describe(*r.first);
    EXPECT_EQ(r.first->pos.offset, at.pos.offset) << Describe(*r.first);
    EXPECT_NE(r.first->what.find(what_part), std::string::npos) << Describe(*r.first);
    EXPECT_GE(r.problems, 1);
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<EventStore> store_;
  std::vector<StoredEvent> events_;
  rocksdb::DB* db_ = nullptr;
};

TEST_F(TamperTest, IntactStoreVerifiesClean) {
  int64_t with_ticket = 0;
  for (const auto& se : events_) with_ticket += se.event.HasTicket() ? 1 : 0;
  ASSERT_TRUE(store_->Close().ok());
  VerifyReport r = Verify(path_);
  EXPECT_TRUE(r.ok()) << Describe(*r.first);
  EXPECT_EQ(r.problems, 0);
  EXPECT_EQ(r.events, static_cast<int64_t>(events_.size()));
  EXPECT_EQ(r.partitions, kPartitions);
  EXPECT_EQ(r.links, r.events);
  EXPECT_GT(with_ticket, 0);
}

TEST_F(TamperTest, LinksAreSha256OfPreviousLinkKeyAndValue) {
  // The documented canonical bytes (store_keys.h), recomputed independently.
  unsigned char prev[SHA256_DIGEST_LENGTH] = {};
  for (size_t n = 0; n < 5; ++n) {
    const std::string key = Key(Nth(2, n));
    std::string buf(reinterpret_cast<const char*>(prev), sizeof(prev));
    const std::string value = Get(Cf::kEvents, key);  // [link 32][previous offset 8][stored event]
    buf += key + value.substr(40);
    SHA256(reinterpret_cast<const unsigned char*>(buf.data()), buf.size(), prev);
    EXPECT_EQ(value.substr(0, 32), std::string(reinterpret_cast<const char*>(prev), sizeof(prev))) << n;
    const int64_t previous = n == 0 ? -1 : Nth(2, n - 1).pos.offset;
    EXPECT_EQ(static_cast<int64_t>(detail::GetBe64(value.data() + 32)), previous) << n;
  }
  const StoredEvent& last = events_.back();
  auto head = store_->ChainHead("events", last.pos.partition);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->second, last.pos.offset);
  const std::string link = Get(Cf::kEvents, Key(last)).substr(0, 32);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(head->first.data()), 32), link);
}

TEST_F(TamperTest, FlippedByteInAnEventIsCaught) {
  const StoredEvent& victim = Nth(1, 200);
  std::string v = Get(Cf::kEvents, Key(victim));
  v[v.size() - 3] ^= 0x01;  // inside the JSON text: still decodes
  Put(Cf::kEvents, Key(victim), v);
  ExpectBrokenAt(victim, "link does not match");
  VerifyReport r = Verify(path_);
  EXPECT_EQ(r.first->event_id, victim.event.id);
  EXPECT_EQ(r.problems, 1) << "the chain continues from the stored link: one problem only";
}

TEST_F(TamperTest, FlippedByteInTheBinaryHeaderIsCaught) {
  const StoredEvent& victim = Nth(0, 17);
  std::string v = Get(Cf::kEvents, Key(victim));
  v[detail::kEnvelopeSize + 3] ^= 0x40;  // occurred_at
  Put(Cf::kEvents, Key(victim), v);
  ExpectBrokenAt(victim, "link does not match");
}

TEST_F(TamperTest, DeletedEventIsCaughtAtItsOffset) {
  const StoredEvent& victim = Nth(2, 100);
  Delete(Cf::kEvents, Key(victim));
  ExpectBrokenAt(victim, "event is missing");
}

TEST_F(TamperTest, DeletedEventWithItsSuccessorRewrittenIsCaught) {
  // The next event is made to name the deleted one's predecessor: its link,
  // computed from the deleted event's, no longer matches.
  const StoredEvent& victim = Nth(2, 100);
  const StoredEvent& next = Nth(2, 101);
  std::string v = Get(Cf::kEvents, Key(next));
  detail::PutBe64(static_cast<uint64_t>(Nth(2, 99).pos.offset), v.data() + detail::kLinkSize);
  Delete(Cf::kEvents, Key(victim));
  Put(Cf::kEvents, Key(next), v);
  ExpectBrokenAt(next, "link does not match");
}

TEST_F(TamperTest, DeletedLastEventOfAPartitionIsCaught) {
  std::vector<const StoredEvent*> p0;
  for (const auto& se : events_) {
    if (se.pos.partition == 0) p0.push_back(&se);
  }
  const StoredEvent& last = *p0.back();
  Delete(Cf::kEvents, Key(last));
  ExpectBrokenAt(last, "chain head names this offset");
}

TEST_F(TamperTest, SwappedEventsAreCaughtAtTheFirst) {
  const StoredEvent& a = Nth(0, 50);
  const StoredEvent& b = Nth(0, 60);
  const std::string va = Get(Cf::kEvents, Key(a));
  const std::string vb = Get(Cf::kEvents, Key(b));
  Put(Cf::kEvents, Key(a), vb);
  Put(Cf::kEvents, Key(b), va);
  ExpectBrokenAt(a, "link does not match");
}

TEST_F(TamperTest, CopiedEventWithAForgedChainIsCaught) {
  // A copy of an earlier event appended after the partition's last one, with
  // a correctly computed link and head: the chain holds, the id repeats.
  std::vector<const StoredEvent*> p1;
  for (const auto& se : events_) {
    if (se.pos.partition == 1) p1.push_back(&se);
  }
  const StoredEvent& original = *p1.at(10);
  const StoredEvent& last = *p1.back();
  StoredEvent copy = original;
  copy.pos.offset = last.pos.offset + 1;
  const std::string original_value = Get(Cf::kEvents, Key(original));
  const std::string last_value = Get(Cf::kEvents, Key(last));
  ChainHash prev{};
  std::memcpy(prev.data(), last_value.data(), prev.size());
  ChainHasher hasher;
  const ChainHash link = hasher.Link(prev, Key(copy), std::string_view(original_value).substr(detail::kEnvelopeSize));
  std::string value = original_value;
  std::memcpy(value.data(), link.data(), link.size());
  detail::PutBe64(static_cast<uint64_t>(last.pos.offset), value.data() + detail::kLinkSize);
  Put(Cf::kEvents, Key(copy), value);
  std::string head(reinterpret_cast<const char*>(link.data()), link.size());
  head.resize(detail::kChainHeadValueSize);
  detail::PutBe64(static_cast<uint64_t>(copy.pos.offset), head.data() + 32);
  Put(Cf::kChain, detail::ChainHeadKey(kTopicId, 1), head);
  char next[8];
  detail::PutBe64(static_cast<uint64_t>(copy.pos.offset + 1), next);
  Put(Cf::kOffsets, detail::OffsetKey(kTopicId, 1), std::string(next, 8));
  ExpectBrokenAt(copy, "stored twice");
}

TEST_F(TamperTest, KeysInARetiredFamilyAreReported) {
  const StoredEvent& victim = Nth(0, 5);
  Put(Cf::kDedupe, victim.event.id, Key(Nth(0, 6)));
  ASSERT_TRUE(store_->Close().ok());
  VerifyReport r = Verify(path_);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.first->has_position);
  EXPECT_NE(r.first->what.find("dedupe column family holds keys"), std::string::npos) << r.first->what;
}

TEST_F(TamperTest, AlteredChainLinkIsCaught) {
  const StoredEvent& victim = Nth(1, 400);
  std::string value = Get(Cf::kEvents, Key(victim));
  value[0] ^= 0x80;  // the link is the value's first 32 bytes
  Put(Cf::kEvents, Key(victim), value);
  ExpectBrokenAt(victim, "link does not match");
}

TEST_F(TamperTest, AlteredEventCountIsCaught) {
  ASSERT_TRUE(store_->Close().ok());
  {
    auto store = Open(path_);
    char c[8];
    detail::PutBe64(static_cast<uint64_t>(events_.size() + 1), c);
    ASSERT_TRUE(RawStoreAccess::Db(*store)
                    ->Put(rocksdb::WriteOptions(), RawStoreAccess::Family(*store, Cf::kMeta), "event_count",
                          rocksdb::Slice(c, 8))
                    .ok());
  }
  VerifyReport r = Verify(path_);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.first->has_position);
  EXPECT_NE(r.first->what.find("event_count"), std::string::npos) << r.first->what;
}

TEST(HashChain, ContinuesAcrossReopenExactlyAsInOneSession) {
  testing::TempDir dir;
  const auto items = Items(1200, /*seed=*/9);
  const std::vector<BatchItem> first(items.begin(), items.begin() + 700), rest(items.begin() + 700, items.end());
  {
    auto one = Open(dir.Sub("one"));
    Append(*one, items, 300);
  }
  {
    auto two = Open(dir.Sub("two"));
    Append(*two, first, 300);
    ASSERT_TRUE(two->Close().ok());
  }
  {
    auto two = Open(dir.Sub("two"));  // heads reloaded from the chain column family, ids from the events
    Append(*two, rest, 100);
  }
  auto one = Open(dir.Sub("one"), true);
  auto two = Open(dir.Sub("two"), true);
  for (int p = 0; p < kPartitions; ++p) {
    auto h1 = one->ChainHead("events", p);
    auto h2 = two->ChainHead("events", p);
    ASSERT_TRUE(h1 && h2);
    EXPECT_EQ(h1->first, h2->first) << "partition " << p;
    EXPECT_EQ(h1->second, h2->second);
  }
  auto r = VerifyStore(*two);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << Describe(*r->first);
  EXPECT_EQ(r->events, one->EventCount());
}

TEST(HashChain, KilledWriterLeavesAConsistentChain) {
  testing::TempDir dir;
  const std::string path = dir.Sub("store");
  const auto items = Items(900, /*seed=*/3);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The writer: synced batches, then SIGKILL without Close().
    auto store = EventStore::Open({.path = path});
    if (!store.ok()) _exit(3);
    for (size_t begin = 0; begin < 600; begin += 200) {
      std::vector<BatchItem> part(items.begin() + static_cast<ptrdiff_t>(begin),
                                  items.begin() + static_cast<ptrdiff_t>(begin + 200));
      AppendResult r;
      if (!(*store)->AppendBatch(part, &r).ok()) _exit(4);
    }
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 1200 && done == 0; ++i) {  // at most 60 s
    done = waitpid(pid, &status, WNOHANG);
    if (done == 0) usleep(50 * 1000);
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "the writer child hung";
  }
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer exit " << WEXITSTATUS(status);
  {
    auto store = Open(path);
    // The consumer resumes at the stored offsets: the rest follows.
    EXPECT_EQ(store->NextOffset("events", 0), 200);
    Append(*store, std::vector<BatchItem>(items.begin() + 600, items.end()), 150);
  }
  VerifyReport r = Verify(path);
  EXPECT_TRUE(r.ok()) << Describe(*r.first);
  EXPECT_GT(r.events, 800);
}

TEST(HashChain, OutOfOrderBatchesAreChainedInOffsetOrder) {
  testing::TempDir dir;
  auto items = Items(300, /*seed=*/4);
  std::reverse(items.begin(), items.end());
  auto store = Open(dir.Sub("store"));
  Append(*store, items, 300);
  const int64_t count = store->EventCount();
  EXPECT_EQ(store->NextOffset("events", 0), 100);
  // A re-delivered position below the head must not overwrite its event.
  Event e = *std::find_if(items.begin(), items.end(), [](const BatchItem& i) { return i.event.has_value(); })->event;
  e.id = "re-delivered";
  BatchItem again;
  again.pos = {"events", 0, 3};
  again.event = e;
  AppendResult r;
  ASSERT_TRUE(store->AppendBatch({again}, &r).ok());
  EXPECT_EQ(r.stored, 0);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(store->EventCount(), count);
  EXPECT_EQ(store->NextOffset("events", 0), 100) << "the resume point stays past the chain head";
  auto report = VerifyStore(*store);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << Describe(*report->first);
  EXPECT_EQ(report->events, count);
}

}  // namespace
}  // namespace slamon::events
