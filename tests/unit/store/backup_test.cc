// Store backups: incremental backups of a store in a temp dir, restore of
// each backup into a new directory (opens, holds that backup's events and
// offsets, verifies), refusals (non-empty target, an open store, an unknown
// id), retention, and a backup
// whose files were damaged is refused at restore.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "events/store/event_store.h"
#include "events/store/verify.h"
#include "tests/support/temp_dir.h"

namespace slamon::events {
namespace {

namespace fs = std::filesystem;

// `n` events at offsets [first, first + n) of partition 0 and 1 alternately.
void Append(EventStore& store, int first, int n) {
  std::vector<BatchItem> batch;
  for (int i = first; i < first + n; ++i) {
    BatchItem item;
    item.pos = {"events", i % 2, i / 2};
    Event e;
    e.id = "e-" + std::to_string(i);
    e.type = EventType::kTicketOpened;
    e.occurred_at = 1763600400 + i;
    e.account_id = "acct-" + std::to_string(i % 7);
    e.ticket_id = "T-" + std::to_string(i);
    e.json = "{\"id\":\"" + e.id + "\"}";
    item.event = std::move(e);
    batch.push_back(std::move(item));
  }
  AppendResult r;
  ASSERT_TRUE(store.AppendBatch(batch, &r).ok());
  ASSERT_EQ(r.stored, n);
}

std::unique_ptr<EventStore> Open(const std::string& path, bool read_only = false) {
  auto s = EventStore::Open({.path = path, .create_if_missing = !read_only, .read_only = read_only});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.take() : nullptr;
}

int64_t CountScanned(const EventStore& store) {
  int64_t n = 0;
  EXPECT_TRUE(store
                  .ScanEvents([&](const StoredEvent&) {
                    ++n;
                    return true;
                  })
                  .ok());
  return n;
}

uint64_t SharedFiles(const std::string& backup_dir) {
  uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(backup_dir + "/shared_checksum")) n += e.is_regular_file();
  return n;
}

class BackupTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string store_ = dir_.Sub("store");
  std::string backups_ = dir_.Sub("backups");
};

TEST_F(BackupTest, IncrementalBackupsRestoreEachToAStoreThatVerifies) {
  auto store = Open(store_);
  ASSERT_NE(store, nullptr);
  Append(*store, 0, 400);
  StoreBackup first;
  ASSERT_TRUE(store->Backup(backups_, {}, &first).ok());
  EXPECT_EQ(first.id, 1u);
  EXPECT_EQ(first.events, 400);
  EXPECT_GT(first.new_bytes, 0u);
  const uint64_t files_after_first = SharedFiles(backups_);

  Append(*store, 400, 300);
  StoreBackup second;
  ASSERT_TRUE(store->Backup(backups_, {}, &second).ok());
  EXPECT_EQ(second.id, 2u);
  EXPECT_EQ(second.events, 700);
  // Incremental: the first backup's table files are shared, not copied again.
  EXPECT_LT(second.new_bytes, second.bytes);
  EXPECT_GT(SharedFiles(backups_), files_after_first);
  Append(*store, 700, 50);  // after the last backup: in no restored store
  ASSERT_TRUE(store->Close().ok());

  auto listed = ListBackups(backups_);
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].events, 400);
  EXPECT_EQ((*listed)[1].events, 700);

  struct Case {
    uint32_t id;
    int64_t events;
  };
  for (const Case& c : {Case{1, 400}, Case{2, 700}, Case{0, 700}}) {
    SCOPED_TRACE("backup id " + std::to_string(c.id));
    const std::string target = dir_.Sub("restored-" + std::to_string(c.id));
    Status s = EventStore::RestoreStore(backups_, target, c.id);
    ASSERT_TRUE(s.ok()) << s.message();
    auto restored = Open(target, /*read_only=*/true);
    ASSERT_NE(restored, nullptr);
    EXPECT_EQ(restored->EventCount(), c.events);
    EXPECT_EQ(CountScanned(*restored), c.events);
    // Offsets came along: the restored store resumes where its backup ends.
    EXPECT_EQ(restored->NextOffset("events", 0), c.events / 2);
    auto report = VerifyStore(*restored);
    ASSERT_TRUE(report.ok()) << report.status().message();
    EXPECT_TRUE(report->ok()) << Describe(*report->first);
    EXPECT_EQ(report->events, c.events);
  }
  // A restored store takes new events on top.
  auto reopened = Open(dir_.Sub("restored-1"));
  ASSERT_NE(reopened, nullptr);
  Append(*reopened, 400, 10);
  EXPECT_EQ(reopened->EventCount(), 410);
}

TEST_F(BackupTest, RestoreRefusesANonEmptyOrOpenTargetAndUnknownIds) {
  {
    auto store = Open(store_);
    ASSERT_NE(store, nullptr);
    Append(*store, 0, 20);
    ASSERT_TRUE(store->Backup(backups_).ok());
  }
  const std::string target = dir_.Sub("target");
  fs::create_directories(target);
  std::ofstream(target + "/keep-me") << "x";
  Status s = EventStore::RestoreStore(backups_, target);
  EXPECT_EQ(s.code(), Status::kInvalidArgument) << s.message();
  EXPECT_NE(s.message().find("not empty"), std::string::npos) << s.message();
  EXPECT_TRUE(fs::exists(target + "/keep-me"));

  // --force replaces the contents.
  s = EventStore::RestoreStore(backups_, target, 0, /*replace=*/true);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(fs::exists(target + "/keep-me"));
  {
    auto restored = Open(target, true);
    ASSERT_NE(restored, nullptr);
    EXPECT_EQ(restored->EventCount(), 20);
  }

  // A store that is open is never replaced, not even with --force.
  auto open = Open(target);
  ASSERT_NE(open, nullptr);
  s = EventStore::RestoreStore(backups_, target, 0, true);
  EXPECT_EQ(s.code(), Status::kUnavailable) << s.message();
  EXPECT_EQ(open->EventCount(), 20);

  s = EventStore::RestoreStore(backups_, dir_.Sub("other"), 7);
  EXPECT_EQ(s.code(), Status::kNotFound) << s.message();
  EXPECT_NE(s.message().find("it has 1"), std::string::npos) << s.message();
  s = EventStore::RestoreStore(dir_.Sub("no-backups"), dir_.Sub("other"));
  EXPECT_EQ(s.code(), Status::kNotFound) << s.message();
}

TEST_F(BackupTest, KeepsTheNewestAndRefusesADamagedBackupAtRestore) {
  auto store = Open(store_);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 3; ++i) {
    Append(*store, i * 10, 10);
    ASSERT_TRUE(store->Backup(backups_, {.keep = 2}).ok());
  }
  auto listed = ListBackups(backups_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, 2u);
  EXPECT_EQ((*listed)[1].id, 3u);
  ASSERT_TRUE(store->Close().ok());

  // Flip a byte in every table file: the checksum check of the restore refuses it.
  for (const auto& e : fs::recursive_directory_iterator(backups_ + "/shared_checksum")) {
    if (!e.is_regular_file()) continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0);
    char c = 0;
    f.get(c);
    f.seekp(0);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  Status s = EventStore::RestoreStore(backups_, dir_.Sub("restored"));
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace slamon::events
