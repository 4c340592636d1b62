// `slamon import --store` (daemon/cli/import_command.h): a generated JSONL file
// with malformed lines, duplicate ids, blank lines and ids already stored
// from Kafka is backfilled with exact counts; the store then verifies clean,
// a re-run adds nothing and an interrupted import resumes. Resume is tied to
// the file's bytes: another file is imported in full, the same file with
// lines appended imports only the new lines. Partial account updates are
// imported like any event and seen by `slamon accounts` and `slamon replay`.
// Exit codes and `slamon verify` are checked through the real binary
// (SLAMON_BINARY).
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "daemon/cli/import_command.h"
#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "events/store/raw_access.h"
#include "events/store/store_keys.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using daemon::ImportCounts;
using daemon::ImportOptions;

struct Expected {
  int64_t lines = 0, blank = 0, stored = 0, duplicates = 0, quarantined = 0;
  int64_t by_reason[events::kRejectReasonCount] = {};
};

// Writes `messages` generator lines (plus blank and hand-made bad lines) and
// returns the counts an import must give once `kafka_events` (40 of the
// file's events, filled here) are in the store before.
Expected WriteFile(const std::string& path, int messages, std::vector<events::Event>* kafka_events, uint64_t seed = 21,
                   size_t kafka_count = 40) {
  events::GeneratorOptions go;
  go.accounts = 30;
  go.seed = seed;
  go.malformed_fraction = 0.03;
  go.duplicate_fraction = 0.03;
  events::Generator gen(go);
  events::Decoder decoder;
  std::ofstream out(path, std::ios::binary);
  Expected x;
  std::set<std::string> ids;
  std::string first_valid_line;
  for (int i = 0; i < messages; ++i) {
    const auto m = gen.Next();
    out << m.value << "\n";
    ++x.lines;
    if (!m.valid) {
      ++x.quarantined;
      ++x.by_reason[static_cast<int>(*m.expected_reason)];
    } else if (m.duplicate || !ids.insert(m.id).second) {
      ++x.duplicates;
    } else if (kafka_events->size() < kafka_count && i % 3 == 0) {
      // Also consumed from Kafka before the import: a duplicate there.
      kafka_events->push_back(std::get<events::Event>(decoder.Decode(m.value)));
      ++x.duplicates;
    } else {
      ++x.stored;
      if (first_valid_line.empty()) first_valid_line = m.value;
    }
    if (i % 500 == 250) {
      out << (i % 1000 == 250 ? "\n" : "   \r\n");
      ++x.lines;
      ++x.blank;
    }
    if (i == messages / 2) {
      out << "this is not json\n" << first_valid_line << "\n";  // a bad line, and a duplicate across batches
      x.lines += 2;
      ++x.quarantined;
      ++x.by_reason[static_cast<int>(events::RejectReason::kMalformedJson)];
      ++x.duplicates;
    }
  }
  return x;
}

void StoreFromKafka(const std::string& store_path, const std::vector<events::Event>& evs) {
  auto store = events::EventStore::Open({.path = store_path});
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::vector<events::BatchItem> batch;
  for (size_t i = 0; i < evs.size(); ++i) {
    events::BatchItem item;
    item.pos = {"events", 0, static_cast<int64_t>(i)};
    item.event = evs[i];
    batch.push_back(std::move(item));
  }
  events::AppendResult r;
  ASSERT_TRUE((*store)->AppendBatch(batch, &r).ok());
  ASSERT_EQ(r.stored, static_cast<int64_t>(evs.size()));
}

int64_t EventCount(const std::string& store_path) {
  auto store = events::EventStore::Open({.path = store_path, .create_if_missing = false, .read_only = true});
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? (*store)->EventCount() : -1;
}

TEST(Import, BackfillsWithExactCountsThenVerifiesAndReRunsAsNoOp) {
  TempDir dir;
  const std::string file = dir.Sub("events.jsonl"), store = dir.Sub("store");
  std::vector<events::Event> kafka;
  const Expected x = WriteFile(file, 4000, &kafka);
  ASSERT_EQ(kafka.size(), 40u);
  StoreFromKafka(store, kafka);

  ImportCounts c;
  ASSERT_TRUE(daemon::RunImport(ImportOptions{.store = store, .file = file, .batch = 700}, &c).ok());
  EXPECT_EQ(c.lines, x.lines);
  EXPECT_EQ(c.resumed, 0);
  EXPECT_EQ(c.empty, x.blank);
  EXPECT_EQ(c.stored, x.stored);
  EXPECT_EQ(c.duplicates, x.duplicates);
  EXPECT_EQ(c.quarantined, x.quarantined);
  for (int r = 0; r < events::kRejectReasonCount; ++r) {
    EXPECT_EQ(c.rejected_by_reason[r], x.by_reason[r]) << events::Name(static_cast<events::RejectReason>(r));
  }
  EXPECT_GT(x.quarantined, 50);
  EXPECT_GT(x.duplicates, 100);
  EXPECT_EQ(EventCount(store), x.stored + 40);

  RunResult v = RunSlamon({"verify", "--store", store}, dir.path());
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("intact"), std::string::npos) << v.out;
  v = RunSlamon({"verify", "--store", store, "--format", "json"}, dir.path());
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  auto j = nlohmann::json::parse(v.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["events"], x.stored + 40);
  EXPECT_EQ(j["partitions"], 2);  // events/0 and import/0

  // The same file again: every line is behind the stored offset.
  RunResult again = RunSlamon({"import", "--store", store, "--file", file}, dir.path());
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("stored       0\n"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("(" + std::to_string(x.lines) + " already imported"), std::string::npos) << again.out;
  EXPECT_EQ(EventCount(store), x.stored + 40);
}

TEST(Import, InterruptedImportResumesAfterTheLastStoredLine) {
  TempDir dir;
  const std::string file = dir.Sub("events.jsonl"), part = dir.Sub("part.jsonl");
  std::vector<events::Event> kafka;
  WriteFile(file, 2000, &kafka);
  std::vector<std::string> lines;
  {
    std::ifstream in(file);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  {
    std::ofstream out(part);
    for (size_t i = 0; i < 900; ++i) out << lines[i] << "\n";
  }
  ImportCounts whole, first, second;
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("whole"), .file = file, .batch = 256}, &whole).ok());
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("resumed"), .file = part, .batch = 256}, &first).ok());
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("resumed"), .file = file, .batch = 256}, &second).ok());
  EXPECT_FALSE(second.new_file);
  EXPECT_EQ(second.partition, first.partition);
  EXPECT_EQ(second.resumed, 900);  // the whole part, trailing blank lines too
  EXPECT_EQ(first.stored + second.stored, whole.stored);
  EXPECT_EQ(first.duplicates + second.duplicates, whole.duplicates);
  EXPECT_EQ(first.quarantined + second.quarantined, whole.quarantined);
  EXPECT_EQ(EventCount(dir.Sub("resumed")), EventCount(dir.Sub("whole")));
  RunResult v = RunSlamon({"verify", "--store", dir.Sub("resumed")}, dir.path());
  EXPECT_EQ(v.code, 0) << v.out << v.err;
}

TEST(Import, ExitCodesForMissingFileAndLockedStore) {
  TempDir dir;
  const std::string store = dir.Sub("store"), file = dir.Sub("events.jsonl");
  RunResult r = RunSlamon({"import", "--store", store, "--file", dir.Sub("missing.jsonl")}, dir.path());
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("missing.jsonl"), std::string::npos) << r.err;

  std::vector<events::Event> kafka;
  WriteFile(file, 100, &kafka);
  auto running = events::EventStore::Open({.path = store});  // holds the RocksDB LOCK like a daemon
  ASSERT_TRUE(running.ok());
  r = RunSlamon({"import", "--store", store, "--file", file}, dir.path());
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("stop the daemon first"), std::string::npos) << r.err;
}

// What a store holds: events and quarantined messages.
std::pair<int64_t, int64_t> StoreCounts(const std::string& store_path) {
  auto store = events::EventStore::Open({.path = store_path, .create_if_missing = false, .read_only = true});
  EXPECT_TRUE(store.ok()) << store.status().message();
  if (!store.ok()) return {-1, -1};
  int64_t quarantined = 0;
  EXPECT_TRUE((*store)->ScanQuarantine([&](const events::QuarantinedMessage&) { return ++quarantined > 0; }).ok());
  return {(*store)->EventCount(), quarantined};
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void WriteLines(const std::string& path, const std::vector<std::string>& lines, size_t from, size_t to,
                std::ios::openmode mode = std::ios::trunc) {
  std::ofstream out(path, std::ios::binary | std::ios::out | mode);
  for (size_t i = from; i < to; ++i) out << lines[i] << "\n";
}

TEST(Import, ASecondFileWithDifferentIdsIsImportedInFull) {
  TempDir dir;
  const std::string a = dir.Sub("a.jsonl"), b = dir.Sub("b.jsonl"), store = dir.Sub("store");
  std::vector<events::Event> none;
  const Expected xa = WriteFile(a, 1500, &none, 21, 0);
  const Expected xb = WriteFile(b, 1200, &none, 22, 0);  // other seed: other event ids
  ImportCounts ca, cb, b_alone;
  ASSERT_TRUE(daemon::RunImport({.store = store, .file = a, .batch = 300}, &ca).ok());
  ASSERT_TRUE(daemon::RunImport({.store = store, .file = b, .batch = 300}, &cb).ok());
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("b-alone"), .file = b, .batch = 300}, &b_alone).ok());
  EXPECT_EQ(ca.stored, xa.stored);
  EXPECT_TRUE(cb.new_file);
  EXPECT_EQ(cb.resumed, 0);
  EXPECT_EQ(cb.lines, xb.lines);
  EXPECT_EQ(cb.stored, xb.stored);
  EXPECT_EQ(cb.stored, b_alone.stored);
  EXPECT_EQ(cb.quarantined, xb.quarantined);
  EXPECT_EQ(cb.duplicates, xb.duplicates);
  EXPECT_NE(cb.partition, ca.partition);
  EXPECT_EQ(StoreCounts(store), std::make_pair(xa.stored + xb.stored, xa.quarantined + xb.quarantined));
  RunResult v = RunSlamon({"verify", "--store", store}, dir.path());
  EXPECT_EQ(v.code, 0) << v.out << v.err;

  // A file with a's first line but other lines after it is another file too:
  // all of it goes through dedupe (only the first line is a duplicate).
  const std::string c = dir.Sub("c.jsonl");
  std::vector<std::string> lines = ReadLines(b);
  lines.insert(lines.begin(), ReadLines(a).front());
  WriteLines(c, lines, 0, lines.size());
  ImportCounts cc;
  ASSERT_TRUE(daemon::RunImport({.store = store, .file = c}, &cc).ok());
  EXPECT_TRUE(cc.new_file);
  EXPECT_EQ(cc.resumed, 0);
  EXPECT_EQ(cc.lines, xb.lines + 1);
  EXPECT_EQ(cc.stored, 0);
  EXPECT_EQ(cc.duplicates, xb.stored + xb.duplicates + 1);
}

TEST(Import, ReRunOfTheSameFileResumesEvenAfterOtherFiles) {
  TempDir dir;
  const std::string a = dir.Sub("a.jsonl"), b = dir.Sub("b.jsonl"), store = dir.Sub("store");
  std::vector<events::Event> none;
  const Expected xa = WriteFile(a, 1000, &none, 31, 0);
  const Expected xb = WriteFile(b, 800, &none, 32, 0);
  ImportCounts c;
  ASSERT_TRUE(daemon::RunImport({.store = store, .file = a, .batch = 256}, &c).ok());
  const auto after_a = StoreCounts(store);
  ASSERT_EQ(after_a, std::make_pair(xa.stored, xa.quarantined));
  for (const std::string& f : {a, b, a}) {  // a again, then again after b
    ASSERT_TRUE(daemon::RunImport({.store = store, .file = f, .batch = 256}, &c).ok());
  }
  EXPECT_FALSE(c.new_file);
  EXPECT_EQ(c.resumed, xa.lines);
  EXPECT_EQ(c.lines, xa.lines);
  EXPECT_EQ(c.stored + c.duplicates + c.quarantined + c.empty, 0);
  // Quarantined lines are not deduped: a re-imported line would show here.
  EXPECT_EQ(StoreCounts(store), std::make_pair(xa.stored + xb.stored, xa.quarantined + xb.quarantined));
}

TEST(Import, TheSameFileWithAppendedLinesImportsOnlyTheNewLines) {
  TempDir dir;
  const std::string whole = dir.Sub("whole.jsonl"), growing = dir.Sub("growing.jsonl");
  std::vector<events::Event> none;
  const Expected x = WriteFile(whole, 1500, &none, 41, 0);
  const std::vector<std::string> lines = ReadLines(whole);
  WriteLines(growing, lines, 0, 700);
  ImportCounts first, second, third;
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("store"), .file = growing, .batch = 200}, &first).ok());
  WriteLines(growing, lines, 700, 1100, std::ios::app);
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("store"), .file = growing, .batch = 200}, &second).ok());
  WriteLines(growing, lines, 1100, lines.size(), std::ios::app);
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("store"), .file = growing, .batch = 200}, &third).ok());
  EXPECT_TRUE(first.new_file);
  EXPECT_FALSE(second.new_file);
  EXPECT_FALSE(third.new_file);
  EXPECT_EQ(second.resumed, 700);
  EXPECT_EQ(third.resumed, 1100);
  EXPECT_EQ(third.lines, static_cast<int64_t>(lines.size()));
  EXPECT_EQ(first.stored + second.stored + third.stored, x.stored);
  EXPECT_EQ(first.duplicates + second.duplicates + third.duplicates, x.duplicates);
  EXPECT_EQ(first.quarantined + second.quarantined + third.quarantined, x.quarantined);
  EXPECT_EQ(first.empty + second.empty + third.empty, x.blank);
  EXPECT_EQ(StoreCounts(dir.Sub("store")), std::make_pair(x.stored, x.quarantined));
}

TEST(Import, AnUnterminatedLastLineThatGrewMakesItAnotherFile) {
  TempDir dir;
  const std::string whole = dir.Sub("whole.jsonl"), f = dir.Sub("f.jsonl"), ref = dir.Sub("ref.jsonl");
  std::vector<events::Event> none;
  WriteFile(whole, 60, &none, 51, 0);
  const std::vector<std::string> lines = ReadLines(whole);
  {
    std::ofstream out(f, std::ios::binary);
    for (size_t i = 0; i < 20; ++i) out << lines[i] << (i + 1 < 20 ? "\n" : "");  // no final newline
  }
  ImportCounts first, second, same;
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("store"), .file = f}, &first).ok());
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("store"), .file = f}, &same).ok());
  EXPECT_FALSE(same.new_file);  // unchanged: still the same file
  EXPECT_EQ(same.resumed, 20);
  // Bytes appended to an unterminated last line may extend that line, so the
  // file is another one (here the line only gets its newline; dedupe drops
  // the stored events).
  std::ofstream(f, std::ios::binary | std::ios::app) << "\n";
  WriteLines(f, lines, 20, 40, std::ios::app);
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("store"), .file = f}, &second).ok());
  EXPECT_TRUE(second.new_file);
  EXPECT_EQ(second.resumed, 0);
  EXPECT_NE(second.partition, first.partition);
  // Everything is in the store once, as if the final file was imported alone.
  WriteLines(ref, ReadLines(f), 0, ReadLines(f).size());
  ImportCounts alone;
  ASSERT_TRUE(daemon::RunImport({.store = dir.Sub("alone"), .file = ref}, &alone).ok());
  EXPECT_EQ(StoreCounts(dir.Sub("store")).first, StoreCounts(dir.Sub("alone")).first);
}

// account.updated in a JSONL file (plain and CloudEvents, out of time order,
// one without fields): the updates are stored and both CLIs read the
// attributes field by field.
TEST(Import, AccountUpdatesReachAccountsAndReplay) {
  TempDir dir;
  const std::string store = dir.Sub("store"), file = dir.Sub("accounts.jsonl");
  const std::string config = std::string(SLAMON_SOURCE_DIR) + "/tests/fixtures/store-layout2-golden/slamon.yaml";
  {
    std::ofstream out(file, std::ios::binary);
    out << R"({"id":"i-1","type":"account.upserted","occurred_at":"2026-11-02T09:00:00Z","account_id":"acme",)"
           R"("name":"Acme","tier":"B","owner":"li.wei","renewal_date":"2027-01-15"})"
        << "\n"
        << R"({"specversion":"1.0","id":"i-2","type":"account.updated","time":"2026-11-16T09:00:00Z",)"
           R"("subject":"acme","data":{"tier":"A"}})"
        << "\n"
        << R"({"id":"i-3","type":"account.updated","occurred_at":"2026-11-09T09:00:00Z","account_id":"acme",)"
           R"("owner":"maria.garcia"})"
        << "\n"
        << R"({"id":"i-4","type":"account.updated","occurred_at":"2026-11-09T09:00:00Z","account_id":"acme"})"
        << "\n"
        << R"({"id":"i-5","type":"ticket.opened","occurred_at":"2026-11-17T02:00:00Z","account_id":"acme",)"
           R"("ticket_id":"T-1","priority":"high"})"
        << "\n"
        << R"({"id":"i-6","type":"account.updated","occurred_at":"2026-11-10T09:00:00Z","account_id":"newco",)"
           R"("owner":"ana"})"
        << "\n";
  }
  ImportCounts c;
  ASSERT_TRUE(daemon::RunImport({.store = store, .file = file}, &c).ok());
  EXPECT_EQ(c.stored, 5);
  EXPECT_EQ(c.quarantined, 1);
  EXPECT_EQ(c.rejected_by_reason[static_cast<int>(events::RejectReason::kMissingField)], 1);

  const std::string as_of = "2026-11-20T00:00:00Z";
  RunResult r =
      RunSlamon({"accounts", "--store", store, "--config", config, "--as-of", as_of, "--format", "jsonl"}, dir.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::vector<nlohmann::json> accounts;
  for (size_t pos = 0, eol; (eol = r.out.find('\n', pos)) != std::string::npos; pos = eol + 1) {
    accounts.push_back(nlohmann::json::parse(r.out.substr(pos, eol - pos)));
  }
  ASSERT_EQ(accounts.size(), 2u) << r.out;
  EXPECT_EQ(accounts[0]["account_id"], "acme");
  EXPECT_EQ(accounts[0]["tier"], "A");
  EXPECT_EQ(accounts[0]["owner"], "maria.garcia");
  EXPECT_EQ(accounts[0]["renewal_soon"], true);  // the upsert's date, untouched by the updates
  EXPECT_EQ(accounts[1]["account_id"], "newco");
  EXPECT_EQ(accounts[1]["tier"], "unknown");
  EXPECT_EQ(accounts[1]["owner"], "ana");

  r = RunSlamon({"replay", "--store", store, "--config", config, "--as-of", as_of, "--format", "jsonl"}, dir.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto first = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(first["ticket_id"], "T-1");
  EXPECT_EQ(first["tier"], "A");  // the tier update of 11-16, before the open
  EXPECT_EQ(first["policy"], "tier-a");
}

TEST(Verify, ExitCodesForBadPathsAndABrokenStore) {
  TempDir dir;
  RunResult r = RunSlamon({"verify", "--store", dir.Sub("nope")}, dir.path());
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  r = RunSlamon({"verify", "--store", dir.path()}, dir.path());  // a directory, not a store
  EXPECT_EQ(r.code, 2) << r.out << r.err;

  const std::string store = dir.Sub("store"), file = dir.Sub("events.jsonl");
  std::vector<events::Event> kafka;
  WriteFile(file, 300, &kafka);
  ImportCounts c;
  ASSERT_TRUE(daemon::RunImport({.store = store, .file = file}, &c).ok());
  {
    auto s = events::EventStore::Open({.path = store});
    ASSERT_TRUE(s.ok());
    // Alter the bytes of the first event stored from line 120 on.
    const uint16_t import_topic = 0;  // the only topic of this store
    std::string value;
    int64_t offset = 120;
    for (; offset < 300; ++offset) {
      if (events::RawStoreAccess::Db(**s)
              ->Get(rocksdb::ReadOptions(), events::RawStoreAccess::Family(**s, events::Cf::kEvents),
                    events::detail::EventKey(import_topic, 0, offset), &value)
              .ok()) {
        break;
      }
    }
    ASSERT_LT(offset, 300);
    value.back() ^= 0x20;
    ASSERT_TRUE(events::RawStoreAccess::Db(**s)
                    ->Put(rocksdb::WriteOptions(), events::RawStoreAccess::Family(**s, events::Cf::kEvents),
                          events::detail::EventKey(import_topic, 0, offset), value)
                    .ok());
    ASSERT_TRUE((*s)->Close().ok());
    r = RunSlamon({"verify", "--store", store}, dir.path());
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("topic import partition 0 offset " + std::to_string(offset) + " "), std::string::npos)
        << r.out;
  }
}

}  // namespace
}  // namespace slamon::testing
