// The ingest loop's logic against a stub MessageSource (no Kafka): every
// valid event stored once, bad input quarantined, offsets stored after each
// batch, and a failing store pausing consumption and resuming from the
// stored offsets without loss or duplicates.
#include "daemon/host/ingest_loop.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/metrics/metrics.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "tests/support/stub_source.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

constexpr char kTopic[] = "stub-events";

struct Logs {
  std::map<int32_t, std::vector<std::string>> by_partition;
  std::set<std::string> valid_ids;
  int64_t malformed = 0;
};

// Generated messages spread over `partitions` by key, as Kafka would.
Logs Generate(int64_t n, int partitions) {
  events::GeneratorOptions o;
  o.accounts = 40;
  o.seed = 11;
  o.malformed_fraction = 0.02;
  o.duplicate_fraction = 0.02;
  events::Generator gen(o);
  Logs logs;
  for (int64_t i = 0; i < n; ++i) {
    events::GeneratedMessage m = gen.Next();
    const auto p = static_cast<int32_t>(std::hash<std::string>{}(m.key) % static_cast<size_t>(partitions));
    logs.by_partition[p].push_back(m.value);
    if (m.valid) {
      logs.valid_ids.insert(m.id);
    } else {
      ++logs.malformed;
    }
  }
  return logs;
}

struct Harness {
  testing::TempDir dir;
  std::unique_ptr<events::EventStore> store;
  PipelineMetrics metrics{std::make_shared<prometheus::Registry>()};
  std::unique_ptr<IngestLoop> loop;
  std::vector<std::string> handed_over;
  PartitionSet rebuilt;  // partitions the projections were told to add

  Harness() {
    auto s = events::EventStore::Open({.path = dir.Sub("store")});
    EXPECT_TRUE(s.ok()) << s.status().message();
    store = s.take();
    loop = std::make_unique<IngestLoop>(store.get(), &metrics, events::CodecOptions{}, 0);
    loop->set_on_stored([this](std::vector<events::Event>&& stored) {
      for (const auto& e : stored) handed_over.push_back(e.id);
    });
    loop->set_on_rebuild([this](const PartitionSet& partitions, bool, int64_t*) {
      rebuilt.insert(partitions.begin(), partitions.end());
      return Status::OK();
    });
  }

  std::set<std::string> StoredIds() const {
    std::set<std::string> ids;
    int64_t scanned = 0;
    EXPECT_TRUE(store
                    ->ScanEvents([&](const events::StoredEvent& se) {
                      ids.insert(se.event.id);
                      ++scanned;
                      return true;
                    })
                    .ok());
    EXPECT_EQ(scanned, static_cast<int64_t>(ids.size())) << "an event stored twice";
    return ids;
  }

  int64_t Quarantined() const {
    int64_t n = 0;
    EXPECT_TRUE(store
                    ->ScanQuarantine([&](const events::QuarantinedMessage&) {
                      ++n;
                      return true;
                    })
                    .ok());
    return n;
  }
};

TEST(IngestLoopStub, StoresEveryValidEventOnceQuarantinesTheRestAndStoresOffsets) {
  const Logs logs = Generate(3000, 3);
  Harness h;
  testing::StubSource source(kTopic, logs.by_partition, 250);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(h.loop->Run(&source, stop, /*exit_on_eof=*/true).ok());

  EXPECT_EQ(h.StoredIds(), logs.valid_ids);
  EXPECT_EQ(h.Quarantined(), logs.malformed);
  EXPECT_EQ(h.store->EventCount(), static_cast<int64_t>(logs.valid_ids.size()));
  // New partitions are restored from the store (a rebuild of the projections,
  // on the next partition check); what was handed over directly is stored
  // and handed over once.
  const std::set<std::string> handed(h.handed_over.begin(), h.handed_over.end());
  EXPECT_EQ(handed.size(), h.handed_over.size()) << "an event handed to the projections twice";
  for (const auto& id : handed) EXPECT_TRUE(logs.valid_ids.count(id)) << id;
  for (const auto& [p, log] : logs.by_partition) {
    EXPECT_EQ(h.store->NextOffset(kTopic, p), static_cast<int64_t>(log.size())) << "partition " << p;
    EXPECT_EQ(source.committed().at({kTopic, p}), static_cast<int64_t>(log.size())) << "partition " << p;
  }
  EXPECT_EQ(source.pauses(), 0);
}

TEST(IngestLoopStub, AFailingStorePausesAndResumesFromTheStoredOffsetsWithoutLoss) {
  const Logs logs = Generate(2000, 2);
  Harness h;
  // The third write fails and so does the first retry; then the store recovers.
  int writes = 0;
  h.loop->set_append_fault_for_testing([&writes]() -> Status {
    ++writes;
    return writes == 3 || writes == 4 ? Status::IoError("injected: disk full") : Status::OK();
  });
  testing::StubSource source(kTopic, logs.by_partition, 200);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(h.loop->Run(&source, stop, /*exit_on_eof=*/true).ok());

  EXPECT_GE(source.pauses(), 1) << "a failed write must pause consumption";
  EXPECT_GE(source.resumes(), 1) << "recovery must resume from the store's offsets";
  EXPECT_TRUE(h.loop->store_writable());
  EXPECT_EQ(h.StoredIds(), logs.valid_ids);
  EXPECT_EQ(h.Quarantined(), logs.malformed);
  for (const auto& [p, log] : logs.by_partition) {
    EXPECT_EQ(h.store->NextOffset(kTopic, p), static_cast<int64_t>(log.size())) << "partition " << p;
  }
}

}  // namespace
}  // namespace slamon::daemon
