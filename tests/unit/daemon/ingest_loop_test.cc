// The ingest loop's logic against a stub MessageSource (no Kafka): every
// valid event stored once, bad input quarantined, offsets stored after each
// batch, events handed to the projections only once stored, and a failing
// store pausing consumption and resuming from the stored offsets without loss
// or duplicates. The store-writer pipeline: a revoke waits for the batches in
// flight, and a batch decoded behind a failed write is never written.
#include "daemon/host/ingest_loop.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
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
  std::map<int32_t, std::vector<std::string>> ids;  // by partition and offset; empty for a malformed message
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
    logs.ids[p].push_back(m.valid ? m.id : std::string());
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
  std::mutex mu;  // handed_over is filled on the store writer thread
  std::vector<std::string> handed_over;
  int64_t handed_before_stored = 0;
  PartitionSet rebuilt;  // partitions the projections were told to add

  explicit Harness(int64_t ready_max_lag = 0) {
    auto s = events::EventStore::Open({.path = dir.Sub("store")});
    EXPECT_TRUE(s.ok()) << s.status().message();
    store = s.take();
    loop = std::make_unique<IngestLoop>(store.get(), &metrics, events::CodecOptions{}, ready_max_lag);
    loop->set_on_stored([this](std::vector<events::Event>&& stored) {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& e : stored) {
        handed_over.push_back(e.id);
        if (!store->Contains(e.id)) ++handed_before_stored;
      }
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
  EXPECT_EQ(h.handed_before_stored, 0) << "events must reach the projections only after their batch is synced";
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

// Runs the loop to the end of the logs; after 30 s it is stopped and the test
// fails (a broken pipeline shows as a failure, never as a hang).
Status RunBounded(IngestLoop& loop, events::MessageSource& source) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; })) stop = true;
  });
  Status s = loop.Run(&source, stop, /*exit_on_eof=*/true);
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  EXPECT_FALSE(stop) << "the loop did not reach the end of the logs within 30 s";
  return s;
}

// A gate the store writer waits at (bounded: a test never hangs).
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitOpen() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(IngestLoopPipeline, ARevokeWaitsForTheBatchesInFlightAndStoresWhatWasGathered) {
  const Logs logs = Generate(3000, 3);
  // A max lag of -1: no partition ever counts or looks caught up, so only the
  // revoke waits for the writer (a partition check would wait at the gate).
  Harness h(/*ready_max_lag=*/-1);
  // Every write waits until the revoke: at the third poll two batches are in
  // flight (one being written, one queued) and the third is being gathered.
  Gate gate;
  std::atomic<bool> gate_timed_out{false};
  h.loop->set_append_fault_for_testing([&]() -> Status {
    if (!gate.WaitOpen()) gate_timed_out = true;
    return Status::OK();
  });
  // Batches of 900 from partitions 0, 1, 2 in turn: the third poll gathers
  // the end of partition 1 and the first part of partition 2.
  testing::StubSource source(kTopic, logs.by_partition, 900);
  constexpr int32_t kRevoked = 2;
  int64_t stored_before_flush = 0, delivered_at_revoke = -1;
  std::map<int32_t, std::pair<int64_t, int64_t>> after_flush;  // partition -> (stored, delivered)
  source.RevokeAtPoll(3, kRevoked, [&](std::vector<events::Message>& pending) {
    stored_before_flush = h.store->NextOffset(kTopic, 0);
    delivered_at_revoke = source.delivered(kRevoked);
    gate.Open();
    h.loop->FlushBeforeRevoke(pending);
    for (const auto& [p, log] : logs.by_partition)
      after_flush[p] = {h.store->NextOffset(kTopic, p), source.delivered(p)};
  });
  ASSERT_TRUE(RunBounded(*h.loop, source).ok());
  EXPECT_FALSE(gate_timed_out);

  EXPECT_EQ(stored_before_flush, -1) << "the batches gathered before the revoke were still in flight";
  ASSERT_GT(delivered_at_revoke, 0) << "the revoked partition must have been gathered from";
  for (const auto& [p, figures] : after_flush) {
    // -1: never delivered, never stored.
    EXPECT_EQ(figures.first, figures.second > 0 ? figures.second : -1)
        << "partition " << p << ": the flush returns once everything gathered is synced";
  }
  // What was delivered of the revoked partition is stored once, the others completely.
  std::set<std::string> expected;
  for (const auto& [p, log] : logs.by_partition) {
    const auto n = static_cast<size_t>(p == kRevoked ? delivered_at_revoke : static_cast<int64_t>(log.size()));
    for (size_t i = 0; i < n; ++i) {
      if (!logs.ids.at(p)[i].empty()) expected.insert(logs.ids.at(p)[i]);
    }
    EXPECT_EQ(h.store->NextOffset(kTopic, p), p == kRevoked ? delivered_at_revoke : static_cast<int64_t>(log.size()))
        << "partition " << p;
  }
  EXPECT_EQ(h.StoredIds(), expected);
  EXPECT_EQ(h.handed_before_stored, 0);
}

TEST(IngestLoopPipeline, ABatchQueuedBehindAFailedWriteIsNeverWrittenAndNothingIsLost) {
  const Logs logs = Generate(3000, 2);
  Harness h;
  // The second write fails, and only once the third batch is queued behind
  // it; written after the failure, that batch would move the partitions'
  // offsets past the failed batch's events and lose them.
  std::atomic<int> writes{0};
  std::atomic<bool> queued_in_time{true};
  testing::StubSource source(kTopic, logs.by_partition, 200);
  h.loop->set_append_fault_for_testing([&]() -> Status {
    const int n = ++writes;
    if (n != 2) return Status::OK();
    // Poll 4 begins once batch 3 was submitted (queued: batch 2 is being written).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (source.polls() < 4 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (source.polls() < 4) queued_in_time = false;
    return Status::IoError("injected: disk full");
  });
  ASSERT_TRUE(RunBounded(*h.loop, source).ok());

  EXPECT_TRUE(queued_in_time);
  EXPECT_GE(source.pauses(), 1);
  EXPECT_GE(source.resumes(), 1);
  EXPECT_TRUE(h.loop->store_writable());
  EXPECT_EQ(h.StoredIds(), logs.valid_ids) << "an event lost or stored twice";
  EXPECT_EQ(h.Quarantined(), logs.malformed);
  for (const auto& [p, log] : logs.by_partition) {
    EXPECT_EQ(h.store->NextOffset(kTopic, p), static_cast<int64_t>(log.size())) << "partition " << p;
  }
  EXPECT_EQ(h.handed_before_stored, 0);
}

}  // namespace
}  // namespace slamon::daemon
