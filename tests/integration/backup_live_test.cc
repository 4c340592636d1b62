// Backups of a running daemon (real broker, the slamon binary): with a
// `backup:` section the daemon backs its store up every interval while it
// ingests; `slamon backup` on the store it holds exits 1 pointing at that
// setting; a backup taken after N events were acknowledged restores (with
// `slamon restore`) into a store that verifies and holds at least N events;
// restoring over a non-empty directory is refused.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "events/store/verify.h"
#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

uint32_t NewestBackupId(const std::string& dir) {
  auto backups = events::ListBackups(dir);
  return backups.ok() ? backups->back().id : 0;
}

class BackupLiveTest : public BrokerTest {};

TEST_F(BackupLiveTest, RunningDaemonBacksUpWhileIngestingAndTheRestoreVerifies) {
  const std::string topic = NewTopic("backup", 4);
  const std::string backups = dir_.Sub("backups");
  const std::string config = WriteConfig(dir_.path(), brokers_, topic, UniqueName("g"),
                                         "backup:\n  dir: " + backups + "\n  interval: 2s\n  keep: 20\n");
  const std::string log = dir_.Sub("daemon.log");
  DaemonProcess daemon(config, log);
  daemon.Start();

  // Events keep arriving during the whole test.
  std::atomic<bool> stop{false};
  std::atomic<int> produced{0};
  std::thread producer([&] {
    events::GeneratorOptions go;
    go.accounts = 40;
    go.seed = 11;
    go.malformed_fraction = 0;
    go.duplicate_fraction = 0;
    go.start_time = static_cast<int64_t>(std::time(nullptr)) - 86400;
    events::Generator gen(go);
    while (!stop && produced < 20000) {
      std::vector<std::pair<std::string, std::string>> batch;
      for (int i = 0; i < 200; ++i) {
        auto m = gen.Next();
        batch.emplace_back(std::move(m.key), std::move(m.value));
      }
      ProduceRaw(brokers_, topic, batch);
      produced += 200;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{stop, producer};

  double acknowledged = daemon.WaitMetric("slamon_events_ingested_total", 1000, seconds(30));
  ASSERT_GE(acknowledged, 1000);

  // The store is the daemon's: the offline command says what to use instead.
  const RunResult offline = RunCapture({SLAMON_BINARY, "backup", "--store", dir_.Sub("store"), "--to", dir_.Sub("x")},
                                       dir_.path(), seconds(60));
  EXPECT_EQ(offline.code, 1) << offline.err;
  EXPECT_NE(offline.err.find("in use"), std::string::npos) << offline.err;
  EXPECT_NE(offline.err.find("backup: {dir:"), std::string::npos) << offline.err;

  // A backup that began after `acknowledged` was read: the one after the
  // next (the next may have started before).
  acknowledged = daemon.Metric("slamon_events_ingested_total");
  const uint32_t seen = NewestBackupId(backups);
  uint32_t id = 0;
  for (auto deadline = Clock::now() + seconds(40); Clock::now() < deadline;) {
    id = NewestBackupId(backups);
    if (id >= seen + 2) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_GE(id, seen + 2) << "no new backups: " << Tail(log);
  stop = true;
  ASSERT_TRUE(daemon.Running()) << Tail(log);
  const std::string metrics = daemon.Metrics();
  EXPECT_GT(SumMetric(metrics, "slamon_backup_last_success_timestamp_seconds"), 0) << metrics;
  EXPECT_EQ(SumMetric(metrics, "slamon_backup_failures_total"), 0) << Tail(log);

  const std::string restored = dir_.Sub("restored");
  const RunResult r =
      RunCapture({SLAMON_BINARY, "restore", "--from", backups, "--store", restored, "--backup-id", std::to_string(id)},
                 dir_.path(), seconds(120));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("verify: intact"), std::string::npos) << r.out;
  {
    auto store = events::EventStore::Open({.path = restored, .create_if_missing = false, .read_only = true});
    ASSERT_TRUE(store.ok()) << store.status().message();
    EXPECT_GE(static_cast<double>((*store)->EventCount()), acknowledged);
    auto report = events::VerifyStore(**store);
    ASSERT_TRUE(report.ok()) << report.status().message();
    EXPECT_TRUE(report->ok()) << events::Describe(*report->first);
    EXPECT_EQ(report->events, (*store)->EventCount());
  }
  // Not over a store that exists.
  const RunResult again =
      RunCapture({SLAMON_BINARY, "restore", "--from", backups, "--store", restored}, dir_.path(), seconds(60));
  EXPECT_EQ(again.code, 1) << again.err;
  EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;

  EXPECT_EQ(daemon.Stop(seconds(30)), 0) << daemon.Tail();
}

}  // namespace
}  // namespace slamon::testing
