// Audit hash chain costs: append rate through EventStore::AppendBatch (which
// hashes one SHA-256 link per event), the cost of that hashing alone on the
// same stored values, and the `slamon verify` rate over the store.
// Size: SLAMON_BENCH_EVENTS (default 20000). Prints figures, asserts outcomes.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "events/store/hash_chain.h"
#include "events/store/raw_access.h"
#include "events/store/store_keys.h"
#include "events/store/verify.h"
#include "tests/support/temp_dir.h"

namespace slamon::events {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Process CPU seconds (all threads, RocksDB's background work included): on a
// shared machine the wall clock mostly measures the neighbours.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int64_t BenchEvents() {
  const char* env = std::getenv("SLAMON_BENCH_EVENTS");
  const int64_t n = env != nullptr ? std::atoll(env) : 0;
  return n > 0 ? n : 20000;
}

int64_t RssMib() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE) / (1 << 20);
}

TEST(VerifyBench, AppendWithChainHashingAndVerify) {
  const int64_t target = BenchEvents();
  constexpr int kPartitions = 4;
  constexpr size_t kBatch = 2000;
  testing::TempDir dir;
  const std::string path = dir.Sub("store");

  // Build: generator events decoded outside the timed AppendBatch calls.
  GeneratorOptions go;
  go.accounts = static_cast<int>(std::clamp<int64_t>(target / 500, 50, 5000));
  go.seed = 7;
  Generator gen(go);
  Decoder decoder;
  double append_s = 0, append_cpu = 0;
  int64_t stored = 0, offset = 0;
  {
    auto opened = EventStore::Open({.path = path, .sync = false});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    auto store = opened.take();
    std::vector<BatchItem> batch;
    batch.reserve(kBatch);
    while (stored < target) {
      batch.clear();
      while (batch.size() < kBatch && stored + static_cast<int64_t>(batch.size()) < target) {
        auto decoded = decoder.Decode(gen.Next().value);
        BatchItem item;
        item.pos = {"events", static_cast<int32_t>(offset % kPartitions), offset / kPartitions};
        ++offset;
        item.event = std::move(std::get<Event>(decoded));
        batch.push_back(std::move(item));
      }
      AppendResult r;
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = CpuSeconds();
      ASSERT_TRUE(store->AppendBatch(batch, &r).ok());
      append_s += Seconds(t0);
      append_cpu += CpuSeconds() - c0;
      stored += r.stored;
      ASSERT_EQ(r.duplicates, 0);
    }
    ASSERT_TRUE(store->Close().ok());
  }
  ASSERT_EQ(stored, target);

  auto opened = EventStore::Open({.path = path, .create_if_missing = false, .read_only = true});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto store = opened.take();

  // Hashing alone: one link per event over the stored values (up to 100k
  // of them in memory, cycled), chained as AppendBatch does.
  std::vector<std::pair<std::string, std::string>> sample;
  int64_t value_bytes = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        RawStoreAccess::Db(*store)->NewIterator(rocksdb::ReadOptions(), RawStoreAccess::Family(*store, Cf::kEvents)));
    for (it->SeekToFirst(); it->Valid() && sample.size() < 100000; it->Next()) {
      sample.emplace_back(it->key().ToString(), it->value().ToString());
      value_bytes += static_cast<int64_t>(it->value().size());
    }
    ASSERT_TRUE(it->status().ok());
  }
  ChainHasher hasher;
  ChainHash link = kGenesisHash;
  auto t0 = std::chrono::steady_clock::now();
  double c0 = CpuSeconds();
  for (int64_t i = 0; i < target; ++i) {
    const auto& [key, value] = sample[static_cast<size_t>(i) % sample.size()];
    link = hasher.Link(link, key, std::string_view(value).substr(detail::kEnvelopeSize));
  }
  const double hash_s = Seconds(t0), hash_cpu = CpuSeconds() - c0;
  EXPECT_NE(link, kGenesisHash);

  const int64_t rss_before = RssMib();
  c0 = CpuSeconds();
  auto report = VerifyStore(*store);
  const double verify_cpu = CpuSeconds() - c0;
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_TRUE(report->ok()) << Describe(*report->first);
  ASSERT_EQ(report->events, target);
  const int64_t rss_after = RssMib();

  const double n = static_cast<double>(target);
  const double append_ns = append_cpu * 1e9 / n, hash_ns = hash_cpu * 1e9 / n;
  std::printf("events                  %lld in %d partitions, %.0f bytes/event stored\n",
              static_cast<long long>(target), kPartitions,
              static_cast<double>(value_bytes) / static_cast<double>(sample.size()));
  std::printf(
      "append (AppendBatch)    %.0f events/s wall, %.0f events/s CPU = %.0f CPU ns/event (batches of %zu, sync "
      "off)\n",
      n / append_s, n / append_cpu, append_ns, kBatch);
  std::printf("SHA-256 link alone      %.0f CPU ns/event (%.0f wall) = %.1f %% of the append CPU cost\n", hash_ns,
              hash_s * 1e9 / n, 100.0 * hash_ns / append_ns);
  std::printf(
      "verify                  %.0f events/s wall, %.0f events/s CPU (%.2f s; RSS %lld -> %lld MiB; target >= "
      "1000000 events/s)\n",
      report->EventsPerSecond(), n / verify_cpu, report->seconds, static_cast<long long>(rss_before),
      static_cast<long long>(rss_after));
}

}  // namespace
}  // namespace slamon::events
