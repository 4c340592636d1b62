// The daemon's projection snapshots (ProjectionHost): a snapshot written at
// start-up and the periodic ones written while events are handed over cover
// exactly the stored events below their offsets, and restoring from each one
// plus the tail gives the answers of a full replay. The count of applied
// events the host publishes with each SLA snapshot (slamon_events_applied_total)
// is exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/host/projection_host.h"
#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "projections/snapshot.h"
#include "tests/support/generated_items.h"
#include "tests/support/temp_dir.h"

namespace slamon::projections {
namespace {

std::shared_ptr<const SlaConfig> Config() {
  auto config = LoadSlaConfigFile(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  if (!config.ok()) throw std::runtime_error(config.status().message());
  return std::make_shared<const SlaConfig>(config.take());
}

std::vector<std::vector<events::BatchItem>> Batches(int count, int per_batch, int64_t* max_time) {
  events::GeneratorOptions options;
  options.accounts = 30;
  options.seed = 31;
  options.seconds_per_event = 1200;
  options.lifecycle_scale = 1;
  options.duplicate_fraction = 0.02;
  ::slamon::testing::GeneratedItems gen(options, 4);
  std::vector<std::vector<events::BatchItem>> batches;
  for (int b = 0; b < count; ++b) {
    batches.push_back(gen.Take(per_batch, /*valid_only=*/true));
    for (const auto& item : batches.back()) *max_time = std::max(*max_time, item.event->occurred_at);
  }
  return batches;
}

TEST(SnapshotHostTest, StartupAndPeriodicSnapshotsCoverExactlyTheirOffsets) {
  ::slamon::testing::TempDir dir;
  auto opened = events::EventStore::Open({.path = dir.Sub("store"), .sync = false});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  std::unique_ptr<events::EventStore> store = opened.take();
  const auto config = Config();
  int64_t max_time = 0;
  auto batches = Batches(20, 300, &max_time);

  for (int b = 0; b < 5; ++b) {
    events::AppendResult r;
    ASSERT_TRUE(store->AppendBatch(batches[static_cast<size_t>(b)], &r).ok());
  }
  {
    daemon::ProjectionHost host(config, HealthConfig{});
    host.set_snapshots(1000, 100);
    ASSERT_TRUE(host.Replay(*store).ok());  // a tail of >= 1000 events: a snapshot at start-up
    auto list = ListSnapshots(*store);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ(list->front().events, store->EventCount());

    // The ingest loop's way: store a batch, then hand its stored events over.
    host.Start(std::chrono::milliseconds(20));
    for (size_t b = 5; b < batches.size(); ++b) {
      events::AppendResult r;
      ASSERT_TRUE(store->AppendBatch(batches[b], &r).ok());
      std::vector<events::Event> stored;
      for (size_t i : r.stored_items) stored.push_back(*batches[b][i].event);
      host.OnStored(std::move(stored));
      if (b % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    for (int i = 0; i < 500 && host.backlog() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(host.backlog(), 0u);
    host.Stop();  // finishes the work it took, snapshot included
  }

  auto list = ListSnapshots(*store);
  ASSERT_TRUE(list.ok());
  ASSERT_GE(list->size(), 3u) << "periodic snapshots while events were handed over";

  // Full replay, for comparison.
  SlaProjection full_sla(config);
  HealthProjection full_health;
  ASSERT_TRUE(store
                  ->ScanEvents([&](const events::StoredEvent& se) {
                    full_sla.Apply(se.event);
                    full_health.Apply(se.event);
                    return true;
                  })
                  .ok());
  const std::vector<int64_t> as_ofs = {max_time - 30 * 86400, max_time, max_time + 86400};

  for (const SnapshotInfo& info : *list) {
    SCOPED_TRACE(DescribeSnapshot(info));
    // The events below its offsets are exactly as many as it says it holds.
    int64_t below = 0;
    ASSERT_TRUE(store
                    ->ScanEvents([&](const events::StoredEvent& se) {
                      auto t = info.offsets.find(se.pos.topic);
                      if (t == info.offsets.end()) return true;
                      auto p = t->second.find(se.pos.partition);
                      if (p != t->second.end() && se.pos.offset < p->second) ++below;
                      return true;
                    })
                    .ok());
    EXPECT_EQ(below, info.events);

    auto snap = ReadSnapshot(*store, info.seq);
    ASSERT_TRUE(snap.ok()) << snap.status().message();
    SlaProjection sla(config);
    HealthProjection health;
    ASSERT_TRUE(sla.LoadState(snap->sections.at("sla")).ok());
    ASSERT_TRUE(health.LoadState(snap->sections.at("health")).ok());
    CsatResponseCounts csat;
    ASSERT_TRUE(LoadCsatResponses(snap->sections.at("csat_responses"), &csat).ok());
    int64_t answered = 0;
    for (const auto& [key, n] : csat) answered += n;
    EXPECT_EQ(static_cast<size_t>(answered), health.csat().answer_count());
    int64_t tail = 0;
    ASSERT_TRUE(ScanTail(
                    *store, info.offsets,
                    [&](const events::StoredEvent& se) {
                      sla.Apply(se.event);
                      health.Apply(se.event);
                    },
                    &tail)
                    .ok());
    EXPECT_EQ(info.events + tail, store->EventCount());
    for (int64_t as_of : as_ofs) {
      const auto want = full_sla.Evaluate(as_of);
      const auto got = sla.Evaluate(as_of);
      ASSERT_EQ(got, want) << events::FormatRfc3339(as_of);
      EXPECT_EQ(health.EvaluateAccounts(as_of, got), full_health.EvaluateAccounts(as_of, want));
    }
  }
}

TEST(SnapshotHostTest, ThePublishedAppliedCountIsTheHandedOverEventsTheSnapshotIncludes) {
  ::slamon::testing::TempDir dir;
  auto opened = events::EventStore::Open({.path = dir.Sub("store"), .sync = false});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  std::unique_ptr<events::EventStore> store = opened.take();
  int64_t max_time = 0;
  auto batches = Batches(12, 200, &max_time);

  daemon::ProjectionHost host(Config(), HealthConfig{});
  std::atomic<int64_t> handed{0};
  std::mutex mu;
  std::vector<int64_t> published;  // every count published, in order
  host.set_on_published([&](int64_t applied) {
    std::lock_guard<std::mutex> lock(mu);
    published.push_back(applied);
  });
  ASSERT_TRUE(host.Replay(*store).ok());  // an empty store: nothing handed over yet
  host.Start(std::chrono::milliseconds(20));
  int64_t total = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    events::AppendResult r;
    ASSERT_TRUE(store->AppendBatch(batches[b], &r).ok());
    std::vector<events::Event> stored;
    for (size_t i : r.stored_items) stored.push_back(*batches[b][i].event);
    total += static_cast<int64_t>(stored.size());
    handed += static_cast<int64_t>(stored.size());
    host.OnStored(std::move(stored));
    if (b == 8) {
      // A rebuild covers what was handed over and not applied yet.
      ASSERT_TRUE(host.Rebuild(*store, {{"events", 0}, {"events", 1}, {"events", 2}, {"events", 3}}).ok());
    }
    if (b % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  auto last = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return published.empty() ? int64_t{-1} : published.back();
  };
  for (int i = 0; i < 500 && last() < total; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  host.Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(published.empty());
  EXPECT_EQ(published.back(), total) << "every handed-over event is counted once, once published";
  EXPECT_TRUE(std::is_sorted(published.begin(), published.end())) << "the count never goes back";
  EXPECT_LE(published.back(), handed.load());
}

}  // namespace
}  // namespace slamon::projections
