// Start-up and shutdown of `slamon run` and `slamon import` through the real
// binary: a configuration error exits 2 every time with file and key named,
// never hangs or aborts; a start-up failure after the HTTP server started
// exits promptly; a store that cannot be written at shutdown (a full disk)
// exits 1 with a clear message and keeps what was stored; the store gauges are
// right straight after a restart; a corrupt store is named as such.
//
// The full-disk cases put the store on a small tmpfs mounted by the test (root
// only; skipped loudly otherwise) and fill it with a filler file.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// A tmpfs of `mib` MiB at `dir`, unmounted on destruction.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, int mib) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    const std::string opts = "size=" + std::to_string(mib) + "m";
    mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  // Writes a file until the file system refuses more (ENOSPC).
  void Fill() const {
    std::FILE* f = std::fopen((dir_ + "/filler").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::vector<char> block(64 << 10, 'x');
    for (int i = 0; i < 1 << 16; ++i) {
      if (std::fwrite(block.data(), 1, block.size(), f) != block.size()) break;
    }
    std::fclose(f);
  }
  void Unfill() const { std::filesystem::remove(dir_ + "/filler"); }

 private:
  std::string dir_;
  bool mounted_ = false;
};

class LifecycleTest : public BrokerTest {
 protected:
  LifecycleTest() : BrokerTest("lifecycle", 0) {}  // tests that need the topic create it

  RunResult Slamon(const std::vector<std::string>& args, std::chrono::milliseconds timeout = seconds(60)) {
    return RunSlamon(args, dir_.path(), timeout);
  }

  std::vector<std::string> Produce(int count, int seed) {
    return ProduceCommand(
        brokers_, topic_, count,
        "--accounts 20 --seed " + std::to_string(seed) + " --malformed-fraction 0 --duplicate-fraction 0");
  }
};

TEST_F(LifecycleTest, InvalidKafkaPropertyExitsTwoEveryTime) {
  CreateTopic(brokers_, topic_, 2);
  const std::string config = WriteConfig(dir_.path(), brokers_, topic_, group_,
                                         "  properties: {foo.bar: \"1\", session.timeout.ms: \"6000\"}\n");
  const std::string expected =
      "slamon run: " + config + ":7: kafka.properties.foo.bar: No such configuration property: \"foo.bar\"";
  for (int i = 0; i < 12; ++i) {
    const auto t0 = Clock::now();
    const RunResult r = Slamon({"run", "--config", config}, seconds(20));
    ASSERT_EQ(r.code, 2) << "run " << i << " (-1 = hung and killed, 134 = abort):\n" << r.err << r.out;
    EXPECT_NE(r.err.find(expected), std::string::npos) << "run " << i << ":\n" << r.err;
    EXPECT_LT(Clock::now() - t0, seconds(10)) << "run " << i;
    // Nothing was started: no HTTP server, no metrics address.
    EXPECT_EQ(r.out.find("metrics at"), std::string::npos) << r.out;
  }
}

TEST_F(LifecycleTest, HttpListenFailureExitsOnePromptly) {
  // A port in use: the HTTP server cannot start, the daemon must stop what it
  // started before and exit 1, never hang.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string busy = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const std::string config = WriteConfig(dir_.path(), brokers_, topic_, group_);
  for (int i = 0; i < 5; ++i) {
    const RunResult r = Slamon({"run", "--config", config, "--set", "http.listen=" + busy}, seconds(20));
    EXPECT_EQ(r.code, 1) << "run " << i << ":\n" << r.err << r.out;
    EXPECT_NE(r.err.find("cannot listen on " + busy), std::string::npos) << r.err << r.out;
  }
  close(fd);
}

TEST_F(LifecycleTest, StoreGaugesAreRightStraightAfterRestart) {
  CreateTopic(brokers_, topic_, 2);
  ASSERT_EQ(RunCapture(Produce(600, 5), dir_.path(), seconds(60)).code, 0);
  const std::string config = WriteConfig(dir_.path(), brokers_, topic_, group_);
  const std::string log1 = dir_.Sub("run1.log");
  {
    DaemonProcess d(config, log1);
    d.Start();
    d.WaitMetric("slamon_store_events", 600, seconds(60));
    ASSERT_EQ(d.Stop(seconds(60)), 0) << d.Tail();
  }
  int64_t count = 0, newest = 0;
  {
    auto store = events::EventStore::Open({.path = dir_.Sub("store"), .read_only = true});
    ASSERT_TRUE(store.ok()) << store.status().message();
    count = (*store)->EventCount();
    ASSERT_TRUE((*store)
                    ->ScanEvents([&](const events::StoredEvent& e) {
                      newest = std::max(newest, e.event.occurred_at);
                      return true;
                    })
                    .ok());
  }
  ASSERT_EQ(count, 600);
  ASSERT_GT(newest, 0);
  // Restarted on a topic with nothing new: no batch is stored, the gauges
  // must come from the store itself.
  const std::string log2 = dir_.Sub("run2.log");
  DaemonProcess d(config, log2);
  d.Start();
  ASSERT_NE(d.WaitPort(seconds(30)), 0);
  const std::string metrics = d.Metrics();
  EXPECT_EQ(SumMetric(metrics, "slamon_store_events"), static_cast<double>(count)) << metrics;
  EXPECT_EQ(SumMetric(metrics, "slamon_last_event_timestamp_seconds"), static_cast<double>(newest)) << metrics;
  EXPECT_EQ(d.Stop(seconds(60)), 0) << d.Tail();
}

TEST_F(LifecycleTest, CorruptStoreIsNamedWithRecovery) {
  const std::string config = WriteConfig(dir_.path(), brokers_, topic_, group_);
  const std::string store = dir_.Sub("store");
  {
    auto s = events::EventStore::Open({.path = store});
    ASSERT_TRUE(s.ok()) << s.status().message();
  }
  // Garble every MANIFEST: RocksDB reports Corruption on open.
  int garbled = 0;
  for (const auto& entry : std::filesystem::directory_iterator(store)) {
    if (entry.path().filename().string().starts_with("MANIFEST-")) {
      std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << std::string(4096, '\x5a');
      ++garbled;
    }
  }
  ASSERT_GT(garbled, 0);
  const RunResult r = Slamon({"run", "--config", config}, seconds(30));
  EXPECT_EQ(r.code, 1) << r.err << r.out;
  EXPECT_NE(r.err.find("slamon run: store " + store + " is corrupt: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("restore a backup or rebuild from Kafka"), std::string::npos) << r.err;
}

TEST_F(LifecycleTest, SigtermWhileTheDiskIsFullExitsOneAndKeepsTheStore) {
  SmallDisk disk(dir_.Sub("disk"), 24);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (not root?): the full-disk case is not tested";
  CreateTopic(brokers_, topic_, 2);
  ASSERT_EQ(RunCapture(Produce(1000, 3), dir_.path(), seconds(60)).code, 0);
  const std::string store = dir_.Sub("disk/store");
  const std::string config = WriteConfig(dir_.path(), brokers_, topic_, group_, "  batch_max_messages: 200\n");
  const std::string log = dir_.Sub("run.log");
  DaemonProcess d(config, log);
  d.Start({"--set", "store.path=" + store});
  d.WaitMetric("slamon_store_events", 1000, seconds(60));

  disk.Fill();
  ASSERT_EQ(RunCapture(Produce(2000, 4), dir_.path(), seconds(60)).code, 0);
  d.WaitMetric("slamon_store_write_failing", 1, seconds(60));
  ASSERT_TRUE(d.Running()) << Tail(log);
  d.Signal(SIGTERM);
  const auto code = d.Wait(seconds(60));
  ASSERT_TRUE(code.has_value()) << "no exit within 60 s after SIGTERM\n" << Tail(log);
  EXPECT_EQ(*code, 1) << "(134 = abort)\n" << Tail(log);
  const std::string out = ReadFile(log);
  EXPECT_NE(out.find("store: cannot sync " + store), std::string::npos) << Tail(log);
  EXPECT_NE(out.find("No space left on device"), std::string::npos) << Tail(log);
  EXPECT_NE(out.find("are kept"), std::string::npos) << Tail(log);

  disk.Unfill();
  auto reopened = events::EventStore::Open({.path = store});
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_GE((*reopened)->EventCount(), 1000);
  int64_t scanned = 0;
  ASSERT_TRUE((*reopened)
                  ->ScanEvents([&](const events::StoredEvent&) {
                    ++scanned;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(scanned, (*reopened)->EventCount());
  EXPECT_TRUE((*reopened)->Close().ok());
}

TEST_F(LifecycleTest, ImportOnAFullDiskExitsOneWithoutAbort) {
  SmallDisk disk(dir_.Sub("disk"), 4);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (not root?): the full-disk case is not tested";
  const std::string file = dir_.Sub("events.jsonl");
  {
    std::ofstream out(file);
    events::GeneratorOptions go;
    go.accounts = 50;
    go.seed = 9;
    go.malformed_fraction = 0;
    go.duplicate_fraction = 0;
    events::Generator gen(go);
    for (int i = 0; i < 80000; ++i) out << gen.Next().value << "\n";
  }
  ASSERT_GT(std::filesystem::file_size(file), 8u << 20) << "the file must not fit on the disk";
  const std::string store = dir_.Sub("disk/store");
  const RunResult r = Slamon({"import", "--store", store, "--file", file, "--batch", "500"}, seconds(120));
  EXPECT_EQ(r.code, 1) << "(134 = abort)\n" << r.err << r.out;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stored part is kept"), std::string::npos) << r.err;
  // What was stored opens (a copy on a disk with room).
  const std::string copy = dir_.Sub("copy");
  std::filesystem::copy(store, copy, std::filesystem::copy_options::recursive);
  auto reopened = events::EventStore::Open({.path = copy});
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_GT((*reopened)->EventCount(), 0);
}

}  // namespace
}  // namespace slamon::testing
