// The audit hash chain and `slamon verify`'s checks (events/store/verify.h): an
// intact store verifies clean, and every kind of tampering done with raw
// RocksDB access (altered, deleted and swapped events, rewritten and deleted
// index entries, altered links and counters) is reported at the tampered
// position. The chain survives close/reopen and a killed writer.
#include "events/store/verify.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <rocksdb/db.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <variant>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "events/store/raw_access.h"
#include "events/store/store_keys.h"
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
  Generator gen(go);
  Decoder decoder;
  std::vector<BatchItem> items;
  int64_t next[kPartitions] = {};
  for (int i = 0; i < count; ++i) {
    auto msg = gen.Next();
    BatchItem item;
    const int p = i % kPartitions;
    item.pos = {"events", p, next[p]++};
    auto decoded = decoder.Decode(msg.value);
    if (auto* e = std::get_if<Event>(&decoded)) {
      item.event = std::move(*e);
    } else {
      item.rejection = std::get<Rejection>(decoded);
    }
    items.push_back(std::move(item));
  }
  return items;
}

void Append(EventStore& store, const std::vector<BatchItem>& items, size_t batch_size = 250) {
  for (size_t begin = 0; begin < items.size(); begin += batch_size) {
    std::vector<BatchItem> part(items.begin() + static_cast<ptrdiff_t>(begin),
                                items.begin() + static_cast<ptrdiff_t>(std::min(items.size(), begin + batch_size)));
    AppendResult r;
    ASSERT_TRUE(store.AppendBatch(part, &r).ok());
  }
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
  EXPECT_EQ(r.dedupe_entries, r.events);
  EXPECT_EQ(r.account_entries, r.events);
  EXPECT_EQ(r.ticket_entries, with_ticket);
  EXPECT_GT(with_ticket, 0);
}

TEST_F(TamperTest, LinksAreSha256OfPreviousLinkKeyAndValue) {
  // The documented canonical bytes (store_keys.h), recomputed independently.
  unsigned char prev[SHA256_DIGEST_LENGTH] = {};
  for (size_t n = 0; n < 5; ++n) {
    const std::string key = Key(Nth(2, n));
    std::string buf(reinterpret_cast<const char*>(prev), sizeof(prev));
    buf += key + Get(Cf::kEvents, key);
    SHA256(reinterpret_cast<const unsigned char*>(buf.data()), buf.size(), prev);
    EXPECT_EQ(Get(Cf::kChain, key), std::string(reinterpret_cast<const char*>(prev), sizeof(prev))) << n;
  }
  const StoredEvent& last = events_.back();
  auto head = store_->ChainHead("events", last.pos.partition);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->second, last.pos.offset);
  const std::string link = Get(Cf::kChain, Key(last));
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
  v[3] ^= 0x40;  // occurred_at
  Put(Cf::kEvents, Key(victim), v);
  ExpectBrokenAt(victim, "link does not match");
}

TEST_F(TamperTest, DeletedEventIsCaughtAtItsOffset) {
  const StoredEvent& victim = Nth(2, 100);
  Delete(Cf::kEvents, Key(victim));
  ExpectBrokenAt(victim, "event is missing");
}

TEST_F(TamperTest, DeletedEventWithItsLinkIsCaught) {
  // Without its link the next event's link no longer matches; the dedupe
  // entry of the deleted event still points at it, at its own offset.
  const StoredEvent& victim = Nth(2, 100);
  Delete(Cf::kEvents, Key(victim));
  Delete(Cf::kChain, Key(victim));
  ExpectBrokenAt(victim, "points at a missing event");
}

TEST_F(TamperTest, DeletedLastEventOfAPartitionIsCaught) {
  std::vector<const StoredEvent*> p0;
  for (const auto& se : events_) {
    if (se.pos.partition == 0) p0.push_back(&se);
  }
  const StoredEvent& last = *p0.back();
  Delete(Cf::kEvents, Key(last));
  Delete(Cf::kChain, Key(last));
  Delete(Cf::kDedupe, last.event.id);
  Delete(Cf::kByAccount, detail::AccountIndexKey(last.event.account_id, Key(last)));
  if (last.event.HasTicket()) {
    Delete(Cf::kByTicket, detail::TicketIndexKey(last.event.account_id, last.event.ticket_id, Key(last)));
  }
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

TEST_F(TamperTest, AccountIndexEntryRewrittenToAnotherAccountIsCaught) {
  const StoredEvent& victim = Nth(1, 300);
  Delete(Cf::kByAccount, detail::AccountIndexKey(victim.event.account_id, Key(victim)));
  Put(Cf::kByAccount, detail::AccountIndexKey("acct-9999", Key(victim)), "");
  ExpectBrokenAt(victim, "does not match the event's account");
}

TEST_F(TamperTest, DeletedAccountIndexEntryIsCaught) {
  const StoredEvent& victim = Nth(2, 7);
  Delete(Cf::kByAccount, detail::AccountIndexKey(victim.event.account_id, Key(victim)));
  ExpectBrokenAt(victim, "no by_account index entry");
}

TEST_F(TamperTest, TicketIndexAndDedupeTamperingIsCaught) {
  const StoredEvent* victim = nullptr;
  for (const auto& se : events_) {
    if (se.pos.partition == 1 && se.pos.offset > 100 && se.event.HasTicket()) {
      victim = &se;
      break;
    }
  }
  ASSERT_NE(victim, nullptr);
  Delete(Cf::kByTicket, detail::TicketIndexKey(victim->event.account_id, victim->event.ticket_id, Key(*victim)));
  Put(Cf::kByTicket, detail::TicketIndexKey(victim->event.account_id, "T-forged", Key(*victim)), "");
  ExpectBrokenAt(*victim, "does not match the event's ticket");
}

TEST_F(TamperTest, DedupeEntryPointingElsewhereIsCaught) {
  const StoredEvent& victim = Nth(0, 250);
  const StoredEvent& other = Nth(0, 251);
  Put(Cf::kDedupe, victim.event.id, Key(other));
  // The entry now points at `other` (another id), and `victim` lost its entry:
  // the lower position of the two is reported.
  ExpectBrokenAt(victim, "no dedupe entry");
}

TEST_F(TamperTest, AlteredChainLinkIsCaught) {
  const StoredEvent& victim = Nth(1, 400);
  std::string link = Get(Cf::kChain, Key(victim));
  link[0] ^= 0x80;
  Put(Cf::kChain, Key(victim), link);
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
    auto two = Open(dir.Sub("two"));  // heads reloaded from the chain column family
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
