// As-of query latency with and without projection snapshots: open
// the store -> the answer at one as-of time, for all accounts (SLA records +
// account health) and for one account, by a full replay and by the newest
// snapshot plus a 1 % tail; plus snapshot write time, size and bytes per
// ticket. Size: SLAMON_BENCH_EVENTS (default 20000; scripts/bench: 2M).
// Prints figures; asserts only that both ways give the same answers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_projection.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "projections/snapshot.h"
#include "tests/support/generated_items.h"
#include "tests/support/temp_dir.h"

namespace slamon::projections {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

int64_t BenchEvents() {
  const char* env = std::getenv("SLAMON_BENCH_EVENTS");
  const int64_t n = env != nullptr ? std::atoll(env) : 0;
  return n > 0 ? n : 20000;
}

std::shared_ptr<const SlaConfig> Config() {
  auto config = LoadSlaConfigFile(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  if (!config.ok()) throw std::runtime_error(config.status().message());
  return std::make_shared<const SlaConfig>(config.take());
}

struct Answer {
  std::vector<SlaRecord> sla;
  std::vector<AccountRecord> accounts;
};

// Opens the store read-only and answers at `as_of` (one account when
// `account` is set), from the newest snapshot + tail or from every event.
Answer Query(const std::string& path, const std::shared_ptr<const SlaConfig>& config, bool use_snapshot,
             const std::string& account, int64_t as_of, RestoreResult* result) {
  auto store = events::EventStore::Open({.path = path, .create_if_missing = false, .read_only = true});
  EXPECT_TRUE(store.ok()) << store.status().message();
  SlaProjection sla(config);
  HealthProjection health;
  auto apply = [&](const events::Event& e) {
    sla.Apply(e);
    health.Apply(e);
  };
  if (!use_snapshot && !account.empty()) {
    // The offline commands' way for one account without a snapshot: a filtered scan.
    EXPECT_TRUE((*store)
                    ->ScanAccount(account,
                                  [&](const events::StoredEvent& se) {
                                    apply(se.event);
                                    return true;
                                  })
                    .ok());
  } else {
    EXPECT_TRUE(Restore(
                    **store, use_snapshot, {.sla = &sla, .health = &health},
                    [&](const events::Event& e) {
                      if (account.empty() || e.account_id == account) apply(e);
                    },
                    result)
                    .ok());
  }
  Answer a;
  a.sla = sla.Evaluate(as_of, account);
  a.accounts = health.EvaluateAccounts(as_of, a.sla, account);
  return a;
}

TEST(SnapshotBench, AsOfLatencyWithAndWithoutSnapshots) {
  const int64_t target = BenchEvents();
  const auto config = Config();
  ::slamon::testing::TempDir dir;
  const std::string path = dir.Sub("store");

  // The generator's stream over 4 partitions; the last 1 % is appended after the snapshot.
  events::GeneratorOptions options;
  options.accounts = static_cast<int>(std::max<int64_t>(50, target / 2000));
  options.seed = 7;
  ::slamon::testing::GeneratedItems gen(options, 4);
  int64_t max_time = 0;
  auto append = [&](events::EventStore* store, int64_t count) {
    for (int64_t done = 0; done < count; done += 5000) {  // 5000 messages at a time, not all in memory
      const std::vector<events::BatchItem> batch = gen.Take(std::min<int64_t>(5000, count - done), true);
      for (const auto& item : batch) max_time = std::max(max_time, item.event->occurred_at);
      events::AppendResult r;
      ASSERT_TRUE(store->AppendBatch(batch, &r).ok());
    }
  };
  const int64_t tail = std::max<int64_t>(1, target / 100);
  double build_s = 0, serialize_s = 0, write_s = 0, replay_for_snapshot_s = 0;
  SnapshotInfo info;
  size_t tickets = 0;
  {
    auto t0 = Clock::now();
    auto opened = events::EventStore::Open({.path = path, .sync = false});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    std::unique_ptr<events::EventStore> store = opened.take();
    append(store.get(), target - tail);
    build_s = Seconds(t0);

    t0 = Clock::now();
    SlaProjection sla(config);
    HealthProjection health;
    RestoreResult restored;
    ASSERT_TRUE(Restore(
                    *store, false, {.sla = &sla, .health = &health},
                    [&](const events::Event& e) {
                      sla.Apply(e);
                      health.Apply(e);
                    },
                    &restored)
                    .ok());
    replay_for_snapshot_s = Seconds(t0);
    t0 = Clock::now();
    Snapshot snap = MakeSnapshot({.sla = &sla, .health = &health}, store->AllOffsets(), restored.tail_events, 0, 0);
    serialize_s = Seconds(t0);
    t0 = Clock::now();
    ASSERT_TRUE(WriteSnapshot(*store, &snap, 3).ok());
    write_s = Seconds(t0);
    info = snap.info;
    tickets = sla.ticket_count();
    append(store.get(), tail);
    ASSERT_TRUE(store->Close().ok());
  }
  const int64_t as_of = max_time + 86400;
  const std::string account = "acct-0007";

  struct Row {
    const char* what = "";
    bool snapshot = false;
    std::string account;
    double seconds = 0;
    Answer answer;
    RestoreResult result;
  };
  std::vector<Row> rows(4);
  rows[0].what = "all accounts, full replay";
  rows[1].what = "all accounts, snapshot + tail";
  rows[2].what = "one account, filtered scan";
  rows[3].what = "one account, snapshot + tail";
  rows[1].snapshot = rows[3].snapshot = true;
  rows[2].account = rows[3].account = account;
  for (Row& row : rows) {
    const auto t0 = Clock::now();
    row.answer = Query(path, config, row.snapshot, row.account, as_of, &row.result);
    row.seconds = Seconds(t0);
  }
  EXPECT_TRUE(rows[1].result.snapshot.has_value());
  EXPECT_EQ(rows[1].result.tail_events + rows[1].result.snapshot_events, rows[0].result.tail_events);
  EXPECT_EQ(rows[1].answer.sla, rows[0].answer.sla);
  EXPECT_EQ(rows[1].answer.accounts, rows[0].answer.accounts);
  EXPECT_EQ(rows[3].answer.sla, rows[2].answer.sla);
  EXPECT_EQ(rows[3].answer.accounts, rows[2].answer.accounts);
  EXPECT_FALSE(rows[2].answer.sla.empty());

  const int64_t events = rows[0].result.tail_events;
  std::printf("snapshot bench: %lld events (%d accounts, %zu tickets), store built in %.1f s\n",
              static_cast<long long>(events), options.accounts, tickets, build_s);
  std::printf(
      "snapshot write: %lld events covered; replay %.2f s, serialize %.3f s, write %.3f s; %.1f MB "
      "(%.0f bytes/ticket, %.1f bytes/event)\n",
      static_cast<long long>(info.events), replay_for_snapshot_s, serialize_s, write_s,
      static_cast<double>(info.bytes) / 1e6, static_cast<double>(info.bytes) / std::max<size_t>(1, tickets),
      static_cast<double>(info.bytes) / std::max<int64_t>(1, info.events));
  std::printf("as-of query latency (open store -> answer), tail = %lld events:\n",
              static_cast<long long>(rows[1].result.tail_events));
  for (const Row& row : rows) {
    std::printf("  %-32s %8.3f s  (%zu SLA records, %zu accounts)\n", row.what, row.seconds, row.answer.sla.size(),
                row.answer.accounts.size());
  }
  std::printf("  speed-up all accounts: %.1fx (snapshot load %.3f s, tail %.3f s)\n",
              rows[0].seconds / std::max(1e-9, rows[1].seconds), rows[1].result.load_seconds,
              rows[1].result.tail_seconds);
  std::printf("  one account: snapshot / filtered scan = %.2f\n", rows[3].seconds / std::max(1e-9, rows[2].seconds));
}

}  // namespace
}  // namespace slamon::projections
