// An upgrade from layout 2 interrupted between two of its synced chunks (as a
// crash would leave it) resumes at the next open: every event is rewritten
// exactly once, the store verifies and holds what it held before.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <string>
#include <vector>

#include "events/store/event_store.h"
#include "events/store/migrate.h"
#include "events/store/verify.h"
#include "tests/support/temp_dir.h"

namespace slamon::events {
namespace {

const std::string kFixture = std::string(SLAMON_SOURCE_DIR) + "/tests/fixtures/store-layout2";

// Column families in the order of enum Cf (event_store.cc).
const std::vector<std::string> kFamilies = {"default",   "events", "dedupe", "offsets",  "quarantine", "by_account",
                                            "by_ticket", "meta",   "chain",  "policies", "snapshots"};

Status UpgradeSomeChunks(const std::string& path, int64_t chunks) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : kFamilies) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok()) {
    return Status::IoError("cannot open " + path);
  }
  LayoutUpgrade report;
  Status s = detail::UpgradeLayout2(db, handles, path, &report, {.chunk_events = 100, .stop_after_chunks = chunks});
  for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  delete db;  // no sync beyond the chunks' own: as a crash would leave it
  return s;
}

std::vector<std::string> Ids(const EventStore& store) {
  std::vector<std::string> ids;
  EXPECT_TRUE(store
                  .ScanEvents([&](const StoredEvent& se) {
                    ids.push_back(se.event.id + "@" + std::to_string(se.pos.partition) + ":" +
                                  std::to_string(se.pos.offset));
                    return true;
                  })
                  .ok());
  return ids;
}

TEST(StoreMigrateResume, AnInterruptedUpgradeResumesAtTheNextOpen) {
  testing::TempDir dir;
  const std::string reference = dir.Sub("reference"), interrupted = dir.Sub("interrupted");
  std::filesystem::copy(kFixture, reference, std::filesystem::copy_options::recursive);
  std::filesystem::copy(kFixture, interrupted, std::filesystem::copy_options::recursive);

  // The fixture holds 380 events: two chunks of 100, then stop.
  Status s = UpgradeSomeChunks(interrupted, 2);
  ASSERT_EQ(s.code(), Status::kAborted) << s.message();
  {
    // Still layout 2 (no layout record): read-only opens refuse it.
    auto ro = EventStore::Open({.path = interrupted, .create_if_missing = false, .read_only = true});
    ASSERT_FALSE(ro.ok());
    EXPECT_NE(ro.status().message().find("slamon migrate"), std::string::npos) << ro.status().message();
  }

  auto whole = EventStore::Open({.path = reference, .create_if_missing = false});
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  auto resumed = EventStore::Open({.path = interrupted, .create_if_missing = false});
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  ASSERT_TRUE((*resumed)->Upgrade().has_value());
  EXPECT_EQ((*resumed)->Upgrade()->events, 180) << "only the events after the interruption are rewritten";
  EXPECT_EQ((*resumed)->Upgrade()->missing_links, 0);

  const auto expected = Ids(**whole);
  ASSERT_EQ(expected.size(), 380u);
  EXPECT_EQ(Ids(**resumed), expected);
  EXPECT_EQ((*resumed)->AllOffsets(), (*whole)->AllOffsets());
  for (auto* store : {whole->get(), resumed->get()}) {
    auto report = VerifyStore(*store);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok()) << Describe(*report->first);
    EXPECT_EQ(report->events, 380);
  }
  // Both ends of the chain agree: the same links were carried over.
  for (int32_t p = 0; p < 3; ++p) {
    auto a = (*whole)->ChainHead("fixture-23375", p);
    auto b = (*resumed)->ChainHead("fixture-23375", p);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->first, b->first);
  }
}

}  // namespace
}  // namespace slamon::events
