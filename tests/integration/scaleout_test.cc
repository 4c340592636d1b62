// Scale-out and resilience against a real broker: two daemons in one
// consumer group over a 12-partition topic count every event exactly once
// between them (their summed business metrics equal a single instance's),
// a survivor of kill -9 takes the partitions over and restores them, and a
// failing store write pauses consumption without losing anything.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/ingest_fixture.h"
#include "tests/support/process.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using Series = std::map<std::string, double>;

constexpr int kPartitions = 12;

// Additive business metrics: the sum over instances must equal one instance.
// Not compared: ratios (slamon_csat_percent, churn), minima (the oldest
// unanswered ticket), and slamon_sla_breaches_total / _completed_total,
// which keep their maxima between rebuilds (counters never go down): an
// instance ingesting 40-day-old events live may be scraped between a
// ticket's opening and its answer, when it looks breached at the wall clock.
const std::set<std::string> kAdditive = {"slamon_sla_open",
                                         "slamon_sla_open_by_owner",
                                         "slamon_sla_open_by_group",
                                         "slamon_sla_escalations",
                                         "slamon_first_response_business_seconds_bucket",
                                         "slamon_first_response_business_seconds_count",
                                         "slamon_first_response_business_seconds_sum",
                                         "slamon_accounts",
                                         "slamon_accounts_at_risk",
                                         "slamon_csat_responses_total"};

// Adds the non-zero samples of the additive families of `exposition` to `out`.
void AddSeries(const std::string& exposition, Series* out) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string::npos || !kAdditive.count(line.substr(0, name_end))) continue;
    const size_t value_at = line.rfind(' ');
    const double v = std::strtod(line.c_str() + value_at + 1, nullptr);
    if (v != 0) (*out)[line.substr(0, value_at)] += v;
  }
  for (auto it = out->begin(); it != out->end();) it = it->second == 0 ? out->erase(it) : std::next(it);
}

std::string Diff(const Series& got, const Series& want) {
  std::ostringstream o;
  int n = 0;
  std::set<std::string> keys;
  for (const auto& [k, v] : got) keys.insert(k);
  for (const auto& [k, v] : want) keys.insert(k);
  for (const auto& k : keys) {
    const double g = got.count(k) ? got.at(k) : 0, w = want.count(k) ? want.at(k) : 0;
    if (g != w && n++ < 15) o << "  " << k << ": summed " << g << ", single instance " << w << "\n";
  }
  return n == 0 ? "" : std::to_string(n) + " series differ:\n" + o.str();
}

// Partitions listed by slamon_partition_restoring (every owned partition).
std::set<int32_t> OwnedPartitions(const std::string& exposition) {
  static const std::regex re(R"(^slamon_partition_restoring\{[^}]*partition="([0-9]+)\"[^}]*\} ([0-9.]+))");
  std::set<int32_t> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, re)) out.insert(std::stoi(m[1]));
  }
  return out;
}

// The config of one member of the group in its own directory `dir` (the
// store there too): static membership (no rebalance when a member closes or
// restarts quickly), a short session so that a killed member is noticed
// within seconds, and readiness only at zero lag so that "ready" means "all in".
std::string MemberConfig(const std::string& dir, const std::string& name, const std::string& brokers,
                         const std::string& topic, const std::string& group) {
  std::filesystem::create_directories(dir);
  const std::string config = WriteConfig(dir, brokers, topic, group,
                                         "  group_instance_id: " + name +
                                             "\n  properties: {session.timeout.ms: \"6000\"}\n"
                                             "  batch_max_messages: 2000\nreadiness:\n  max_lag: 0\n");
  std::ofstream(config, std::ios::app) << SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  return config;
}

// One `slamon run` in its own directory (config, store, log).
class Daemon : public DaemonProcess {
 public:
  Daemon(const std::string& root, const std::string& name, const std::string& brokers, const std::string& topic,
         const std::string& group)
      : DaemonProcess(MemberConfig(root + "/" + name, name, brokers, topic, group), root + "/" + name + "/run.log"),
        store_(root + "/" + name + "/store") {}
  const std::string& store() const { return store_; }

 private:
  std::string store_;
};

class ScaleOutTest : public BrokerTest {
 protected:
  ScaleOutTest() : BrokerTest("scaleout", kPartitions) {}

  // Events 40 days old: SLA levels and health no longer move with the clock,
  // so runs at different instants agree.
  std::vector<std::string> Produce(int64_t count, const std::string& extra = "") const {
    const auto start = static_cast<int64_t>(std::time(nullptr)) - 40 * 86400;
    return ProduceCommand(brokers_, topic_, count,
                          "--accounts 400 --seed 11 --duplicate-fraction 0.01 --malformed-fraction 0.001 "
                          "--start-time " +
                              std::to_string(start) + " " + extra);
  }

  // Waits (bounded) until every daemon is ready and they own all partitions between them.
  static void WaitAllReady(std::vector<Daemon*> daemons, seconds timeout, const std::string& what) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      size_t owned = 0;
      bool ready = true;
      for (Daemon* d : daemons) {
        ASSERT_TRUE(d->Running()) << what << ": a daemon exited\n" << Tail(d->log());
        ready = ready && d->Ready();
        owned += OwnedPartitions(d->Metrics()).size();
      }
      if (ready && owned == kPartitions) return;
      ASSERT_LT(Clock::now(), deadline) << what << ": not all ready (partitions owned: " << owned << ")\n"
                                        << Tail(daemons.front()->log()) << "\n"
                                        << Tail(daemons.back()->log());
      std::this_thread::sleep_for(milliseconds(250));
    }
  }

  static Series Summed(const std::vector<Daemon*>& daemons) {
    Series s;
    for (Daemon* d : daemons) AddSeries(d->Metrics(), &s);
    return s;
  }

  // Waits until the summed business metrics of `daemons` equal `want` (the
  // health snapshot refreshes every 15 s, hence the patience).
  static void ExpectSumsReach(const std::vector<Daemon*>& daemons, const Series& want, const std::string& what) {
    const auto deadline = Clock::now() + seconds(60);
    Series got;
    while (Clock::now() < deadline) {
      got = Summed(daemons);
      if (got == want) return;
      std::this_thread::sleep_for(milliseconds(500));
    }
    ADD_FAILURE() << what << ": " << Diff(got, want);
  }

  // The reference: one daemon alone (its own group) over the whole topic.
  Series SingleInstance(const std::string& root, int64_t valid) {
    Daemon solo(root, "solo", brokers_, topic_, UniqueName("solo"));
    solo.Start();
    WaitAllReady({&solo}, seconds(120), "single instance");
    const auto deadline = Clock::now() + seconds(60);
    Series prev, cur;
    // Ready at zero lag means the last rebuild covered every stored event;
    // still, wait for two equal readings with the whole topic stored.
    while (Clock::now() < deadline) {
      const std::string m = solo.Metrics();
      cur.clear();
      AddSeries(m, &cur);
      if (SumMetric(m, "slamon_store_events") == static_cast<double>(valid) && !cur.empty() && cur == prev) break;
      prev = cur;
      std::this_thread::sleep_for(seconds(1));
    }
    EXPECT_FALSE(cur.empty());
    solo.Signal(SIGTERM);
    EXPECT_EQ(solo.Wait(seconds(60)), 0) << Tail(solo.log());
    return cur;
  }
};

// Counts event ids of `store_path`, restricted to `partitions` when given.
void CountIds(const std::string& store_path, const std::set<int32_t>* partitions, std::map<std::string, int>* ids) {
  auto store = events::EventStore::Open({.path = store_path, .create_if_missing = false, .read_only = true});
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::map<std::string, int> own;
  ASSERT_TRUE((*store)
                  ->ScanEvents([&](const events::StoredEvent& se) {
                    if (partitions == nullptr || partitions->count(se.pos.partition)) ++(*ids)[se.event.id];
                    ++own[se.event.id];
                    return true;
                  })
                  .ok());
  for (const auto& [id, n] : own) ASSERT_EQ(n, 1) << "event " << id << " stored twice in " << store_path;
}

void ExpectExactlyOnce(const std::map<std::string, int>& ids, const TopicTruth& truth, const std::string& what) {
  size_t missing = 0, twice = 0, unknown = 0;
  for (const auto& id : truth.valid_ids) {
    auto it = ids.find(id);
    if (it == ids.end()) {
      ++missing;
    } else if (it->second != 1) {
      ++twice;
    }
  }
  for (const auto& [id, n] : ids) unknown += truth.valid_ids.count(id) ? 0 : 1;
  EXPECT_EQ(missing, 0u) << what << ": valid events counted by no instance";
  EXPECT_EQ(twice, 0u) << what << ": events counted by two instances";
  EXPECT_EQ(unknown, 0u) << what << ": events not in the topic";
}

TEST_F(ScaleOutTest, TwoInstancesCountEveryEventOnce) {
  Daemon a(dir_.path(), "a", brokers_, topic_, group_);
  Daemon b(dir_.path(), "b", brokers_, topic_, group_);
  a.Start();
  b.Start();
  WaitAllReady({&a, &b}, seconds(90), "two instances on the empty topic");
  const std::set<int32_t> owned_a = OwnedPartitions(a.Metrics()), owned_b = OwnedPartitions(b.Metrics());
  EXPECT_FALSE(owned_a.empty());
  EXPECT_FALSE(owned_b.empty());

  const int64_t events = Scaled(60000);
  Process producer(Produce(events), dir_.Sub("produce.log"));
  ASSERT_EQ(producer.Wait(seconds(120)), 0) << Tail(dir_.Sub("produce.log"));
  const TopicTruth truth = ReadTruth(brokers_, topic_, kPartitions);
  ASSERT_EQ(truth.messages, static_cast<size_t>(events));
  const auto valid = static_cast<double>(truth.valid_ids.size());
  const auto deadline = Clock::now() + seconds(90);
  while (SumMetric(a.Metrics(), "slamon_store_events") + SumMetric(b.Metrics(), "slamon_store_events") < valid) {
    ASSERT_LT(Clock::now(), deadline) << "the two stores never held every event\n" << Tail(a.log());
    std::this_thread::sleep_for(milliseconds(250));
  }
  WaitAllReady({&a, &b}, seconds(60), "two instances after the stream");
  // No rebalance happened meanwhile: the same partitions each.
  EXPECT_EQ(OwnedPartitions(a.Metrics()), owned_a);
  EXPECT_EQ(OwnedPartitions(b.Metrics()), owned_b);

  const Series reference = SingleInstance(dir_.path(), static_cast<int64_t>(truth.valid_ids.size()));
  ExpectSumsReach({&a, &b}, reference, "two instances vs one");
  // Static members leave no group on close: stopping one does not hand its
  // partitions (and their events) to the other.
  a.Signal(SIGTERM);
  b.Signal(SIGTERM);
  ASSERT_EQ(a.Wait(seconds(60)), 0) << Tail(a.log());
  ASSERT_EQ(b.Wait(seconds(60)), 0) << Tail(b.log());

  std::map<std::string, int> ids;
  CountIds(a.store(), nullptr, &ids);
  CountIds(b.store(), nullptr, &ids);
  ExpectExactlyOnce(ids, truth, "union of the two stores");
}

TEST_F(ScaleOutTest, SurvivorTakesOverAfterKillNineAndHandsBackOnRestart) {
  Daemon a(dir_.path(), "a", brokers_, topic_, group_);
  Daemon b(dir_.path(), "b", brokers_, topic_, group_);
  a.Start();
  b.Start();
  WaitAllReady({&a, &b}, seconds(90), "two instances on the empty topic");

  // Under load: ~15 s of events at 4000/s (fewer at a smaller SLAMON_TEST_SCALE, at the same pace).
  const int64_t events = Scaled(60000), rate = Scaled(4000);
  Process producer(Produce(events, "--rate " + std::to_string(rate)), dir_.Sub("produce.log"));
  const auto kill_after = Clock::now() + seconds(5);
  while (Clock::now() < kill_after) {
    ASSERT_TRUE(b.Running()) << Tail(b.log());
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_GT(SumMetric(b.Metrics(), "slamon_store_events"), 0) << "b stored nothing before the kill\n" << Tail(b.log());
  ASSERT_TRUE(producer.Running()) << "the stream ended before the kill: raise --count";
  b.Signal(SIGKILL);
  ASSERT_EQ(b.Wait(seconds(10)), 128 + SIGKILL);

  // The survivor takes every partition once the session of b expires.
  WaitAllReady({&a}, seconds(90), "survivor after kill -9");
  ASSERT_EQ(producer.Wait(seconds(120)), 0) << Tail(dir_.Sub("produce.log"));
  const TopicTruth truth = ReadTruth(brokers_, topic_, kPartitions);
  ASSERT_EQ(truth.messages, static_cast<size_t>(events));
  const auto valid = static_cast<int64_t>(truth.valid_ids.size());
  WaitAllReady({&a}, seconds(60), "survivor after the stream");
  EXPECT_GE(CountInFile(a.log(), "restored:"), 1u) << "the survivor restored no partition";

  const Series reference = SingleInstance(dir_.path(), valid);
  ExpectSumsReach({&a}, reference, "survivor alone vs one instance");

  // b comes back (same group.instance.id): partitions move back, sums hold.
  b.Start();
  const auto deadline = Clock::now() + seconds(90);
  while (OwnedPartitions(b.Metrics()).empty()) {
    ASSERT_TRUE(b.Running()) << Tail(b.log());
    ASSERT_LT(Clock::now(), deadline) << "b never got partitions back\n" << Tail(b.log());
    std::this_thread::sleep_for(milliseconds(250));
  }
  WaitAllReady({&a, &b}, seconds(90), "after the restart of b");
  ExpectSumsReach({&a, &b}, reference, "two instances after the restart vs one");
  const std::set<int32_t> owned_a = OwnedPartitions(a.Metrics()), owned_b = OwnedPartitions(b.Metrics());
  std::printf("[scaleout] after the restart of b: a owns %zu, b owns %zu partition(s); restores logged: a %zu, b %zu\n",
              owned_a.size(), owned_b.size(), CountInFile(a.log(), "restored:"), CountInFile(b.log(), "restored:"));
  a.Signal(SIGTERM);
  b.Signal(SIGTERM);
  ASSERT_EQ(a.Wait(seconds(60)), 0) << Tail(a.log());
  ASSERT_EQ(b.Wait(seconds(60)), 0) << Tail(b.log());

  // Per event id, across the stores, over the partitions each instance owns
  // (a store keeps the events of partitions it owned earlier; they are not
  // counted there): exactly once. Each store alone holds no id twice.
  std::map<std::string, int> ids;
  CountIds(a.store(), &owned_a, &ids);
  CountIds(b.store(), &owned_b, &ids);
  ExpectExactlyOnce(ids, truth, "owned partitions of the two stores");
  // The survivor, having owned every partition, stored the whole topic.
  ExpectStoreMatches(a.store(), brokers_, topic_, kPartitions, truth);
}

TEST_F(ScaleOutTest, FailingStoreWritesPauseWithoutLossAndResume) {
  const std::string fault = dir_.Sub("store-fails");
  Daemon d(dir_.path(), "d", brokers_, topic_, group_);
  d.Start({"--testing-fail-store-writes-while-file-exists", fault});  // the test-only fault
  WaitAllReady({&d}, seconds(90), "daemon on the empty topic");

  std::ofstream(fault) << "fail\n";
  Process producer(Produce(20000), dir_.Sub("produce.log"));
  ASSERT_EQ(producer.Wait(seconds(120)), 0) << Tail(dir_.Sub("produce.log"));
  auto deadline = Clock::now() + seconds(30);
  HttpResult ready;
  while ((ready = HttpGetFull(d.port(), "/readyz")).status != 503) {
    ASSERT_LT(Clock::now(), deadline) << "/readyz stayed " << ready.status << "\n" << Tail(d.log());
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_NE(ready.body.find("not writable"), std::string::npos) << ready.body;
  std::this_thread::sleep_for(seconds(3));  // several retries, all failing
  std::string m = d.Metrics();
  EXPECT_EQ(SumMetric(m, "slamon_store_write_failing"), 1);
  EXPECT_EQ(SumMetric(m, "slamon_ready"), 0);
  EXPECT_EQ(SumMetric(m, "slamon_store_events"), 0) << "stored while the store was failing";
  EXPECT_EQ(HttpGetFull(d.port(), "/readyz").status, 503);
  EXPECT_EQ(CountInFile(d.log(), "cannot append a batch"), 1u) << "the failure must be logged once, not per retry";
  ASSERT_TRUE(d.Running()) << Tail(d.log());

  std::filesystem::remove(fault);
  const TopicTruth truth = ReadTruth(brokers_, topic_, kPartitions);
  deadline = Clock::now() + seconds(60);
  while (!d.Ready() || SumMetric(d.Metrics(), "slamon_store_events") < truth.valid_ids.size()) {
    ASSERT_LT(Clock::now(), deadline) << "never recovered\n" << Tail(d.log());
    std::this_thread::sleep_for(milliseconds(250));
  }
  m = d.Metrics();
  EXPECT_EQ(SumMetric(m, "slamon_store_write_failing"), 0);
  EXPECT_EQ(SumMetric(m, "slamon_ready"), 1);
  EXPECT_GE(CountInFile(d.log(), "writable again"), 1u);
  d.Signal(SIGTERM);
  ASSERT_EQ(d.Wait(seconds(60)), 0) << Tail(d.log());
  ExpectStoreMatches(d.store(), brokers_, topic_, kPartitions, truth);
}

}  // namespace
}  // namespace slamon::testing
