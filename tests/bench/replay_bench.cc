// Replay throughput: raw RocksDB iteration over the events column family vs a
// full SLA replay (ScanEvents + Apply + Evaluate) over the same store.
// Size: SLAMON_BENCH_EVENTS (default 20000). Prints figures, asserts no timing.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "events/store/event_store.h"
#include "events/store/raw_access.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/sla_event_gen.h"
#include "tests/support/sla_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::projections {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

int64_t BenchEvents() {
  const char* env = std::getenv("SLAMON_BENCH_EVENTS");
  const int64_t n = env != nullptr ? std::atoll(env) : 0;
  return n > 0 ? n : 20000;
}

TEST(ReplayBench, RawIterationVsReplay) {
  const int64_t target = BenchEvents();
  ::slamon::testing::TempDir dir;
  auto opened = events::EventStore::Open(events::StoreOptions{.path = dir.Sub("store"), .sync = false});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  std::unique_ptr<events::EventStore> store = opened.take();

  // Realistic lifecycles, generated in time-ordered chunks to bound memory.
  constexpr int kEventsPerTicket = 5;  // approximate average of the generator
  const int64_t tickets = std::max<int64_t>(1, target / kEventsPerTicket);
  const int accounts = static_cast<int>(std::max<int64_t>(10, tickets / 20));
  const int64_t chunk_tickets = 20000;
  const int64_t begin = ::slamon::projections::testing::T("2026-01-01T00:00:00Z");
  const int64_t span = 300 * 86400;
  int64_t offset = 0, written = 0;
  uint64_t ids = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t first = 0; first < tickets && written < target; first += chunk_tickets) {
    ::slamon::projections::testing::GenOptions g;
    g.tickets = static_cast<int>(std::min(chunk_tickets, tickets - first));
    g.ticket_base = first;
    g.accounts = first == 0 ? accounts : 0;
    g.account_pool = accounts;
    g.begin = begin + span * first / tickets;
    g.span = std::max<int64_t>(3600, span * g.tickets / tickets);
    g.id_base = ids;
    g.with_json = true;
    g.seed = static_cast<uint64_t>(first) + 1;
    auto evs = ::slamon::projections::testing::GenerateEvents(g);
    ids += evs.size();
    std::sort(evs.begin(), evs.end(), events::CanonicalLess);
    std::vector<events::BatchItem> batch;
    for (size_t i = 0; i < evs.size() && written < target; ++i, ++written) {
      events::BatchItem item;
      item.pos = {"events", static_cast<int32_t>(offset % 4), offset};
      ++offset;
      item.event = std::move(evs[i]);
      batch.push_back(std::move(item));
      if (batch.size() == 2000) {
        events::AppendResult r;
        ASSERT_TRUE(store->AppendBatch(batch, &r).ok());
        batch.clear();
      }
    }
    events::AppendResult r;
    if (!batch.empty()) {
      ASSERT_TRUE(store->AppendBatch(batch, &r).ok());
    }
  }
  const double build_s = Seconds(t0);
  const int64_t n = store->EventCount();
  ASSERT_GT(n, 0);

  // Raw iteration: keys and values of the events column family, no decoding.
  t0 = std::chrono::steady_clock::now();
  int64_t raw = 0, raw_bytes = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(events::RawStoreAccess::Db(*store)->NewIterator(
        rocksdb::ReadOptions(), events::RawStoreAccess::Family(*store, events::Cf::kEvents)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++raw;
      raw_bytes += static_cast<int64_t>(it->key().size() + it->value().size());
    }
    ASSERT_TRUE(it->status().ok());
  }
  const double raw_s = Seconds(t0);

  // Decode only (ScanEvents), then the full replay.
  t0 = std::chrono::steady_clock::now();
  int64_t scanned = 0;
  ASSERT_TRUE(store->ScanEvents([&](const events::StoredEvent&) { return ++scanned, true; }).ok());
  const double scan_s = Seconds(t0);

  auto config = ::slamon::projections::testing::MustLoad(::slamon::projections::testing::kDocConfig);
  const int64_t rss_before = RssBytes();
  t0 = std::chrono::steady_clock::now();
  auto projection = std::make_unique<SlaProjection>(config);
  ASSERT_TRUE(store
                  ->ScanEvents([&](const events::StoredEvent& se) {
                    projection->Apply(se.event);
                    return true;
                  })
                  .ok());
  const double apply_s = Seconds(t0);
  const int64_t rss_after = RssBytes();
  auto t1 = std::chrono::steady_clock::now();
  const auto records = projection->Evaluate(begin + span + 86400);
  const double eval_s = Seconds(t1);
  const double replay_s = Seconds(t0);
  int64_t open_instances = 0;
  for (const auto& r : records) open_instances += r.state != InstanceState::kStopped;

  const double raw_rate = static_cast<double>(raw) / raw_s;
  const double replay_rate = static_cast<double>(n) / replay_s;
  const double tickets_held = static_cast<double>(projection->ticket_count());
  std::printf("events stored           %lld (built in %.2f s)\n", static_cast<long long>(n), build_s);
  std::printf("raw iteration           %.0f events/s (%.1f MB/s)\n", raw_rate, raw_bytes / raw_s / 1e6);
  std::printf("scan + decode           %.0f events/s\n", static_cast<double>(scanned) / scan_s);
  std::printf("replay (scan+apply+eval)%.0f events/s  [apply %.2f s, evaluate %.2f s, %zu records]\n", replay_rate,
              apply_s, eval_s, records.size());
  std::printf("replay / raw ratio      %.3f\n", replay_rate / raw_rate);
  std::printf("tickets held            %.0f (running instances at as-of: %lld)\n", tickets_held,
              static_cast<long long>(open_instances));
  std::printf(
      "memory per ticket       %.0f bytes accounted (%.1f MB total; RSS delta %.1f MB, allocator reuse "
      "makes it a lower bound)\n",
      static_cast<double>(projection->MemoryBytes()) / std::max(1.0, tickets_held),
      static_cast<double>(projection->MemoryBytes()) / 1e6, static_cast<double>(rss_after - rss_before) / 1e6);
  EXPECT_EQ(scanned, n);
  EXPECT_EQ(raw, n);
}

}  // namespace
}  // namespace slamon::projections
