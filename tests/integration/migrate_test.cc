// Stores written before store layouts were recorded (layout 2, the fixture in
// tests/fixtures/store-layout2) are upgraded in place by `slamon migrate` or
// on a writable open, and then answer every question exactly as the release
// that wrote them did (golden files in tests/fixtures/store-layout2-golden).
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/store/event_store.h"
#include "events/store/policy_log.h"
#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

const std::string kFixture = std::string(SLAMON_SOURCE_DIR) + "/tests/fixtures/store-layout2";
const std::string kGolden = std::string(SLAMON_SOURCE_DIR) + "/tests/fixtures/store-layout2-golden";
constexpr const char* kAsOf = "2026-01-02T12:00:00Z";

std::string CopyFixture(const TempDir& dir) {
  const std::string path = dir.Sub("store");
  std::filesystem::copy(kFixture, path, std::filesystem::copy_options::recursive);
  return path;
}

TEST(StoreMigrate, UpgradesInPlaceAndAnswersExactlyAsTheOldRelease) {
  TempDir dir;
  const std::string store = CopyFixture(dir);
  const std::string config = kGolden + "/slamon.yaml";

  RunResult r = RunSlamon({"verify", "--store", store}, dir.path());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("has layout 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("slamon migrate --store " + store), std::string::npos) << r.err;

  r = RunSlamon({"migrate", "--store", store}, dir.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("upgraded from layout 2 to 3: 380 event(s) rewritten"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verified: 380 event(s) in 3 partition(s)"), std::string::npos) << r.out;

  const std::vector<std::pair<std::string, std::vector<std::string>>> questions = {
      {"export.jsonl", {"export", "--store", store}},
      {"quarantine.jsonl", {"export", "--store", store, "--quarantine"}},
      {"export-acct-0002.jsonl", {"export", "--store", store, "--account", "acct-0002"}},
      {"replay.jsonl", {"replay", "--store", store, "--config", config, "--as-of", kAsOf, "--format", "jsonl"}},
      {"replay-at-open.jsonl",
       {"replay", "--store", store, "--config", config, "--as-of", kAsOf, "--format", "jsonl", "--policy", "at-open",
        "--snapshot", "none"}},
      {"accounts.jsonl", {"accounts", "--store", store, "--config", config, "--as-of", kAsOf, "--format", "jsonl"}},
  };
  for (const auto& [golden, args] : questions) {
    RunResult answer = RunSlamon(args, dir.path());
    ASSERT_EQ(answer.code, 0) << golden << ": " << answer.err;
    const std::string expected = ReadFile(kGolden + "/" + golden);
    ASSERT_FALSE(expected.empty()) << golden;
    EXPECT_EQ(answer.out, expected) << golden << " differs from what the layout-2 release printed";
  }

  r = RunSlamon({"verify", "--store", store}, dir.path());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = RunSlamon({"migrate", "--store", store}, dir.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("already has the current layout"), std::string::npos) << r.out;

  auto opened = events::EventStore::Open({.path = store, .create_if_missing = false, .read_only = true});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ((*opened)->EventCount(), 380);
  const auto offsets = (*opened)->AllOffsets();
  ASSERT_EQ(offsets.count("fixture-23375"), 1u);
  EXPECT_EQ(offsets.at("fixture-23375"), (std::map<int32_t, int64_t>{{0, 153}, {1, 91}, {2, 156}}));
  auto policies = events::ReadPolicyLog(**opened);
  ASSERT_TRUE(policies.ok());
  EXPECT_EQ(policies->size(), 2u);
}

TEST(StoreMigrate, AWritableOpenUpgradesAndKeepsDeduplicatingOldIds) {
  TempDir dir;
  const std::string store = CopyFixture(dir);
  const std::string first_line =
      ReadFile(kGolden + "/export.jsonl").substr(0, ReadFile(kGolden + "/export.jsonl").find('\n'));
  events::Decoder decoder;
  auto decoded = decoder.Decode(first_line);
  ASSERT_TRUE(std::holds_alternative<events::Event>(decoded));
  events::Event old = std::get<events::Event>(decoded);

  auto opened = events::EventStore::Open({.path = store, .sync = false});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto& s = **opened;
  ASSERT_TRUE(s.Upgrade().has_value());
  EXPECT_EQ(s.Upgrade()->events, 380);
  EXPECT_EQ(s.Upgrade()->missing_links, 0);
  EXPECT_TRUE(s.Contains(old.id));

  // The id of a layout-2 event, re-delivered at a new offset: a duplicate.
  events::Event fresh = old;
  fresh.id = "after-the-upgrade";
  std::vector<events::BatchItem> batch(2);
  batch[0].pos = {"fixture-23375", 0, 153};
  batch[0].event = old;
  batch[1].pos = {"fixture-23375", 0, 154};
  batch[1].event = fresh;
  events::AppendResult result;
  ASSERT_TRUE(s.AppendBatch(batch, &result).ok());
  EXPECT_EQ(result.duplicates, 1);
  EXPECT_EQ(result.stored, 1);
  EXPECT_EQ(s.EventCount(), 381);
  ASSERT_TRUE(s.Close().ok());

  RunResult r = RunSlamon({"verify", "--store", store}, dir.path());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("381 in 3 partition(s)"), std::string::npos) << r.out;
}

TEST(StoreMigrate, ABackupKeepsTheOldLayoutAndItsRestoreIsUpgraded) {
  TempDir dir;
  const std::string store = CopyFixture(dir);
  RunResult r = RunSlamon({"backup", "--store", store, "--to", dir.Sub("backups")}, dir.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  // The backed-up store was not upgraded by the backup.
  r = RunSlamon({"verify", "--store", store}, dir.path());
  EXPECT_NE(r.err.find("has layout 2"), std::string::npos) << r.out << r.err;
  r = RunSlamon({"restore", "--from", dir.Sub("backups"), "--store", dir.Sub("restored")}, dir.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunSlamon({"export", "--store", dir.Sub("restored")}, dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, ReadFile(kGolden + "/export.jsonl"));
}

TEST(StoreMigrate, TamperingBeforeTheUpgradeIsStillReported) {
  TempDir dir;
  const std::string store = CopyFixture(dir);
  std::string victim_key;
  {
    // Alter an event of the layout-2 store with raw RocksDB access.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), store, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), store, descriptors, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* events_cf = nullptr;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "events") events_cf = handles[i];
    }
    ASSERT_NE(events_cf, nullptr);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events_cf));
    it->SeekToFirst();
    for (int i = 0; i < 40 && it->Valid(); ++i) it->Next();
    ASSERT_TRUE(it->Valid());
    victim_key = it->key().ToString();
    std::string value = it->value().ToString();
    it.reset();
    value[value.size() - 3] ^= 0x01;  // inside the JSON text
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), events_cf, victim_key, value).ok());
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
  }
  RunResult r = RunSlamon({"migrate", "--store", store}, dir.path());
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("upgraded from layout 2 to 3"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("does not verify"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("link does not match"), std::string::npos) << r.err;
  r = RunSlamon({"verify", "--store", store}, dir.path());
  EXPECT_EQ(r.code, 1);
  const int64_t offset = static_cast<int64_t>(static_cast<uint8_t>(victim_key[13]));  // offsets < 256 here
  EXPECT_NE(r.out.find("offset " + std::to_string(offset) + " "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace slamon::testing
