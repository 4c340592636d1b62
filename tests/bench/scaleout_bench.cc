// Scale-out benchmark (label bench), real broker, one run, figures side by
// side: ingest throughput of 1 vs 2 `slamon run` instances in one consumer
// group over a 12-partition topic (time from the first assignment until every
// partition is stored by its owner and /readyz answers 200 everywhere), the
// rebalance pause when a second member joins a loaded one, and restore rates
// of moved partitions: from the topic (new owner, empty local store) and from
// the local store (projections rebuilt when partitions come back).
// Size: SLAMON_BENCH_INGEST_EVENTS (default 20000; scripts/bench 1000000).
// On the 2-core machine both instances share the CPUs with the broker: the
// second instance is expected to add little (CPU-bound), reported as is.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kPartitions = 12;

int64_t BenchEvents() {
  const char* v = std::getenv("SLAMON_BENCH_INGEST_EVENTS");
  return v ? std::atoll(v) : 20000;
}

double Secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

using Member = DaemonProcess;

std::unique_ptr<Member> StartMember(const std::string& root, const std::string& name, const std::string& brokers,
                                    const std::string& topic, const std::string& group, const std::string& gate = "") {
  const std::string dir = root + "/" + name;
  std::filesystem::create_directories(dir);
  // No static membership here: a member that stops hands its partitions back at once.
  const std::string config = WriteConfig(dir, brokers, topic, group, "readiness:\n  max_lag: 0\n");
  auto m = std::make_unique<Member>(config, dir + "/run.log");
  // The gate: store writes fail while this file exists (the test hook), so
  // members join, take their partitions and wait, paused, for the start.
  m->Start(gate.empty() ? std::vector<std::string>{}
                        : std::vector<std::string>{"--testing-fail-store-writes-while-file-exists", gate});
  return m;
}

double Owned(Member* m) { return SumMetric(m->Metrics(), "slamon_partitions_owned"); }

// Waits until every member is ready and they own all partitions; returns false on timeout.
bool WaitReady(const std::vector<Member*>& members, seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    double owned = 0;
    bool ready = true;
    for (Member* m : members) {
      ready = ready && m->Ready() && Owned(m) > 0;
      owned += Owned(m);
    }
    if (ready && owned == kPartitions) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// Sum of "restored: N message(s) consumed in S s" lines of a log: messages and the longest S.
std::pair<double, double> TopicRestore(const std::string& log) {
  static const std::regex re(R"(restored: ([0-9]+) message\(s\) consumed in ([0-9.]+) s)");
  const std::string text = Tail(log, 1 << 24);
  double messages = 0, seconds = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
    messages += std::stod((*it)[1]);
    seconds = std::max(seconds, std::stod((*it)[2]));
  }
  return {messages, seconds};
}

// The largest "rebuilt the projections of P partition(s) from the store: E events in S s" of a log.
std::pair<double, double> StoreRebuild(const std::string& log) {
  static const std::regex re(R"(from the store: ([0-9]+) events in ([0-9.]+) s)");
  const std::string text = Tail(log, 1 << 24);
  double events = 0, seconds = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
    if (std::stod((*it)[1]) > events) {
      events = std::stod((*it)[1]);
      seconds = std::stod((*it)[2]);
    }
  }
  return {events, seconds};
}

void Stop(Member* m) { EXPECT_EQ(m->Stop(seconds(120)), 0) << m->Tail(); }

class ScaleOutBench : public BrokerTest {};

TEST_F(ScaleOutBench, OneVersusTwoInstancesRebalanceAndRestore) {
  const int64_t n = BenchEvents();
  const std::string topic = NewTopic("bench-scaleout", kPartitions);
  Process producer(ProduceCommand(brokers_, topic, n, "--accounts 2000 --seed 3"), dir_.Sub("produce.log"));
  ASSERT_EQ(producer.Wait(std::chrono::minutes(20)), 0) << Tail(dir_.Sub("produce.log"));

  // 1 vs 2 instances over the same topic (fresh groups and stores). The
  // members first settle in the group behind the gate (every partition
  // assigned, each member failing its first write and paused), so the clock
  // measures ingest only: from opening the gate until every partition is
  // stored by its owner and every member is ready.
  double secs[3] = {0, 0, 0};
  for (int instances : {1, 2}) {
    const std::string group = UniqueName("bench-g");
    const std::string gate = dir_.Sub("gate" + std::to_string(instances));
    std::ofstream(gate) << "closed\n";
    std::vector<std::unique_ptr<Member>> members;
    for (int i = 0; i < instances; ++i) {
      members.push_back(StartMember(dir_.path(), "run" + std::to_string(instances) + "-" + std::to_string(i), brokers_,
                                    topic, group, gate));
    }
    std::vector<Member*> ptrs;
    for (auto& m : members) ptrs.push_back(m.get());
    const auto deadline = Clock::now() + std::chrono::minutes(2);
    for (bool settled = false; !settled;) {
      ASSERT_LT(Clock::now(), deadline) << "the group never settled\n" << ptrs.front()->Tail();
      std::this_thread::sleep_for(milliseconds(100));
      double owned = 0;
      settled = true;
      for (Member* m : ptrs) {
        const std::string metrics = m->Metrics();
        owned += SumMetric(metrics, "slamon_partitions_owned");
        settled = settled && SumMetric(metrics, "slamon_partitions_owned") > 0 &&
                  SumMetric(metrics, "slamon_store_write_failing") == 1;
      }
      settled = settled && owned == kPartitions;
    }
    std::this_thread::sleep_for(seconds(1));
    std::filesystem::remove(gate);
    // The clock starts when every member's retry found the store writable
    // (retries are 1 s apart: that wait is not ingest).
    for (bool writable = false; !writable;) {
      ASSERT_LT(Clock::now(), deadline + seconds(30)) << ptrs.front()->Tail();
      writable = true;
      for (Member* m : ptrs) writable = writable && SumMetric(m->Metrics(), "slamon_store_write_failing") == 0;
      if (!writable) std::this_thread::sleep_for(milliseconds(10));
    }
    const auto t0 = Clock::now();
    ASSERT_TRUE(WaitReady(ptrs, std::chrono::seconds(1200))) << ptrs.front()->Tail();
    secs[instances] = Secs(Clock::now() - t0);
    for (Member* m : ptrs) Stop(m);
  }
  std::printf(
      "[scaleout] %lld events, 12 partitions, settled group: 1 instance %.2f s (%.0f events/s), "
      "2 instances %.2f s (%.0f events/s), speed-up 2/1 = %.2fx (2 cores shared with the broker)\n",
      static_cast<long long>(n), secs[1], static_cast<double>(n) / secs[1], secs[2], static_cast<double>(n) / secs[2],
      secs[1] / secs[2]);

  // Rebalance pause and restores: a loaded member, then a second one joins.
  const std::string topic2 = NewTopic("bench-rebalance", kPartitions);
  const std::string group = UniqueName("bench-g");
  auto a = StartMember(dir_.path(), "reb-a", brokers_, topic2, group);
  const int64_t rate = 2000;
  Process load(
      ProduceCommand(brokers_, topic2, rate * 60, "--rate " + std::to_string(rate) + " --accounts 2000 --seed 4"),
      dir_.Sub("load.log"));
  ASSERT_TRUE(WaitReady({a.get()}, seconds(120))) << a->Tail();
  std::this_thread::sleep_for(seconds(std::min<int64_t>(15, 5 + n / 100000)));  // history for the newcomer
  const auto join = Clock::now();
  auto b = StartMember(dir_.path(), "reb-b", brokers_, topic2, group);
  ASSERT_TRUE(WaitReady({a.get(), b.get()}, seconds(300))) << b->Tail();
  const double pause = Secs(Clock::now() - join);
  const double rebuild_a = SumMetric(a->Metrics(), "slamon_rebalance_rebuild_seconds");
  const auto [topic_msgs, topic_secs] = TopicRestore(b->log());
  // b leaves: a gets b's partitions back and rebuilds them from its local store.
  Stop(b.get());
  const auto leave = Clock::now();
  ASSERT_TRUE(WaitReady({a.get()}, seconds(300))) << a->Tail();
  const double back = Secs(Clock::now() - leave);
  const auto [store_events, store_secs] = StoreRebuild(a->log());
  load.Signal(SIGTERM);
  (void)load.Wait(seconds(30));
  Stop(a.get());
  std::printf(
      "[scaleout] rebalance under %lld events/s: second member joined -> both ready in %.2f s "
      "(first member's projection rebuild %.3f s); member left -> survivor ready in %.2f s\n",
      static_cast<long long>(rate), pause, rebuild_a, back);
  std::printf(
      "[scaleout] restore of moved partitions: from the topic %.0f messages in %.2f s (%.0f messages/s), "
      "from the local store %.0f events in %.3f s (%.0f events/s)\n",
      topic_msgs, topic_secs, topic_secs > 0 ? topic_msgs / topic_secs : 0.0, store_events, store_secs,
      store_secs > 0 ? store_events / store_secs : 0.0);
  EXPECT_GT(topic_msgs, 0) << "the newcomer restored nothing from the topic";
  EXPECT_GT(store_events, 0) << "the survivor rebuilt nothing from its store";
}

}  // namespace
}  // namespace slamon::testing
