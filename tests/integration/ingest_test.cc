// Ingest against a real Kafka broker: exactly once, crash safety under
// kill -9, and bad input that never blocks a partition.
#include <signal.h>

#include <random>
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

class IngestTest : public BrokerTest {
 protected:
  IngestTest() : BrokerTest("ingest", kPartitions) {}

  std::vector<std::string> Produce(int64_t count, const std::string& extra = "") {
    return ProduceCommand(brokers_, topic_, count, "--accounts 300 --seed 7 " + extra);
  }

  static int64_t StoredCount(const std::string& path) {
    auto store = events::EventStore::Open({.path = path, .create_if_missing = false, .read_only = true});
    return store.ok() ? (*store)->EventCount() : 0;
  }

  static constexpr int kPartitions = 4;
};

TEST_F(IngestTest, StoresHundredThousandEventsExactlyOnce) {
  const int64_t events = Scaled(100000);
  Process producer(Produce(events, "--duplicate-fraction 0.01 --malformed-fraction 0.002"), dir_.Sub("produce.log"));
  ASSERT_EQ(producer.Wait(seconds(180)), 0) << Tail(dir_.Sub("produce.log"));
  const std::string config = WriteConfig(dir_.path(), brokers_, topic_, UniqueName("g"));
  ASSERT_TRUE(RunToEof(config, dir_.Sub("run.log"), seconds(300)));
  TopicTruth truth = ReadTruth(brokers_, topic_, kPartitions);
  ASSERT_EQ(truth.messages, static_cast<size_t>(events));
  ExpectStoreMatches(dir_.Sub("store"), brokers_, topic_, kPartitions, truth);
  // Running again over a fully ingested topic stores nothing new.
  ASSERT_TRUE(RunToEof(config, dir_.Sub("run2.log")));
  ExpectStoreMatches(dir_.Sub("store"), brokers_, topic_, kPartitions, truth);
}

TEST_F(IngestTest, SurvivesKillNineWhileIngesting) {
  // Static membership lets a restarted daemon take its partitions back at once.
  const std::string cfg2 = WriteConfig(dir_.path(), brokers_, topic_, UniqueName("g"),
                                       "  properties: {group.instance.id: crash-test, session.timeout.ms: \"6000\"}\n"
                                       "  batch_max_messages: 2000\n");
  // 200k events at 10k/s: the stream lasts about 20 s, long enough for
  // many kill rounds while events are still arriving (as long at a smaller
  // SLAMON_TEST_SCALE, with fewer events).
  const int64_t events = Scaled(200000), rate = Scaled(10000);
  Process producer(
      Produce(events, "--rate " + std::to_string(rate) + " --malformed-fraction 0.001 --duplicate-fraction 0.005"),
      dir_.Sub("produce.log"));
  std::mt19937 rng(20261122);
  std::uniform_int_distribution<int> delay_ms(50, 1200);
  int kills = 0;
  int mid_stream_kills = 0;  // the store grew since the last kill and events were still arriving
  std::vector<int64_t> counts;
  DaemonProcess daemon(cfg2, dir_.Sub("run.log"));
  for (int round = 0; round < 30 && (kills < 5 || (mid_stream_kills < 3 && producer.Running())); ++round) {
    // Kill at a random moment after the daemon began consuming (start-up
    // replays the store and joins the group first, which takes a while).
    const size_t assigned_before = CountInFile(dir_.Sub("run.log"), "] assigned ");
    daemon.Start();
    const auto join_deadline = std::chrono::steady_clock::now() + seconds(60);
    while (CountInFile(dir_.Sub("run.log"), "] assigned ") == assigned_before &&
           std::chrono::steady_clock::now() < join_deadline && daemon.Running()) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    std::this_thread::sleep_for(milliseconds(delay_ms(rng)));
    ASSERT_TRUE(daemon.Running()) << daemon.Tail();
    const bool producing = producer.Running();
    daemon.Signal(SIGKILL);
    ASSERT_EQ(daemon.Wait(seconds(10)), 128 + SIGKILL);
    ++kills;
    counts.push_back(StoredCount(dir_.Sub("store")));
    const int64_t before = counts.size() > 1 ? counts[counts.size() - 2] : 0;
    if (producing && counts.back() > before) ++mid_stream_kills;
  }
  std::printf("[crash] %d kill -9 rounds, %d mid-stream; events stored after each:", kills, mid_stream_kills);
  for (int64_t c : counts) std::printf(" %lld", static_cast<long long>(c));
  std::printf("\n");
  EXPECT_GE(kills, 5);
  // At least three kills hit a daemon that was making progress while the
  // producer was still writing: those are the kills that can tear a batch.
  EXPECT_GE(mid_stream_kills, 3) << "too few kills landed mid-stream";
  ASSERT_EQ(producer.Wait(seconds(120)), 0) << Tail(dir_.Sub("produce.log"));
  ASSERT_TRUE(RunToEof(cfg2, dir_.Sub("run.log"), seconds(300)));
  TopicTruth truth = ReadTruth(brokers_, topic_, kPartitions);
  ASSERT_EQ(truth.messages, static_cast<size_t>(events));
  ExpectStoreMatches(dir_.Sub("store"), brokers_, topic_, kPartitions, truth);
}

TEST_F(IngestTest, QuarantinesBadInputAndKeepsRunning) {
  struct Bad {
    std::string value;
    events::RejectReason reason;
  };
  const std::vector<Bad> bad = {
      {"{\"id\":\"x1\",\"type\":\"ticket.opened\"", events::RejectReason::kMalformedJson},
      {"[1,2,3]", events::RejectReason::kMalformedJson},
      {"", events::RejectReason::kMalformedJson},
      {"{\"id\":\"x2\",\"type\":\"ticket.opened\",\"occurred_at\":\"2026-11-20T09:15:00Z\",\"account_id\":\"a\xff\"}",
       events::RejectReason::kInvalidUtf8},
      {"{\"type\":\"ticket.opened\",\"occurred_at\":\"2026-11-20T09:15:00Z\",\"account_id\":\"a\"}",
       events::RejectReason::kMissingField},
      {"{\"id\":\"x3\",\"type\":\"ticket.exploded\",\"occurred_at\":\"2026-11-20T09:15:00Z\",\"account_id\":\"a\"}",
       events::RejectReason::kUnknownType},
      {"{\"id\":\"x4\",\"type\":\"ticket.opened\",\"occurred_at\":\"2026-11-20 09:15\",\"account_id\":\"a\","
       "\"ticket_id\":\"T\",\"priority\":\"high\"}",
       events::RejectReason::kBadTimestamp},
      {"{\"id\":\"x5\",\"type\":\"ticket.opened\",\"occurred_at\":\"2026-11-20T09:15:00Z\",\"account_id\":\"a\","
       "\"ticket_id\":\"T\",\"priority\":\"whenever\"}",
       events::RejectReason::kInvalidField},
      {"{\"id\":\"x8\",\"type\":\"account.updated\",\"occurred_at\":\"2026-11-20T09:15:00Z\",\"account_id\":\"a\","
       "\"tier\":null}",
       events::RejectReason::kMissingField},
      {"{\"id\":\"x6\",\"type\":\"survey.answered\",\"occurred_at\":\"2026-11-20T09:15:00Z\",\"account_id\":\"a\","
       "\"score\":9}",
       events::RejectReason::kInvalidField},
      {"{\"id\":\"x7\",\"type\":\"interaction.logged\",\"occurred_at\":\"2026-11-20T09:15:00Z\",\"account_id\":\"a\","
       "\"kind\":\"call\",\"direction\":\"inbound\",\"pad\":\"" +
           std::string(70000, 'p') + "\"}",
       events::RejectReason::kOversize},
  };
  // Interleave: valid, bad, valid, bad, ... all with the same key, so they
  // share one partition and a bad message sits between good ones.
  std::vector<std::pair<std::string, std::string>> messages;
  int valid = 0;
  for (size_t i = 0; i < bad.size(); ++i) {
    messages.emplace_back("acme", "{\"id\":\"ok-" + std::to_string(i) +
                                      "\",\"type\":\"ticket.opened\",\"occurred_at\":\"2026-11-20T09:15:00+08:00\","
                                      "\"account_id\":\"acme\",\"ticket_id\":\"T-" +
                                      std::to_string(i) + "\",\"priority\":\"high\"}");
    ++valid;
    messages.emplace_back("acme", bad[i].value);
  }
  messages.emplace_back("acme",
                        "{\"id\":\"ok-last\",\"type\":\"account.churned\",\"occurred_at\":\"2026-11-21T00:00:00Z\","
                        "\"account_id\":\"acme\"}");
  ++valid;
  messages.emplace_back("acme",
                        "{\"id\":\"ok-update\",\"type\":\"account.updated\",\"occurred_at\":\"2026-11-21T00:00:01Z\","
                        "\"account_id\":\"acme\",\"owner\":\"maria.garcia\"}");
  ++valid;
  const std::string config = WriteConfig(dir_.path(), brokers_, topic_, UniqueName("g"));
  DaemonProcess daemon(config, dir_.Sub("run.log"));
  daemon.Start();
  ProduceRaw(brokers_, topic_, messages);

  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(daemon.Running()) << daemon.Tail();
    metrics = daemon.Metrics();
    if (SumMetric(metrics, "slamon_events_ingested_total") == valid &&
        SumMetric(metrics, "slamon_events_rejected_total") == static_cast<double>(bad.size())) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_EQ(SumMetric(metrics, "slamon_events_ingested_total"), valid) << metrics;
  EXPECT_EQ(SumMetric(metrics, "slamon_events_rejected_total"), static_cast<double>(bad.size())) << metrics;
  EXPECT_EQ(SumMetric(metrics, "slamon_events_rejected_total{reason=\"malformed_json\"}"), 3) << metrics;
  EXPECT_NE(metrics.find("slamon_events_rejected_total{reason=\"oversize\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("slamon_events_rejected_total{reason=\"invalid_utf8\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("slamon_events_ingested_total{type=\"account.updated\"} 1"), std::string::npos) << metrics;
  EXPECT_TRUE(daemon.Running()) << "the daemon must survive bad input";
  ASSERT_EQ(daemon.Stop(seconds(30)), 0) << daemon.Tail();

  auto store_or = events::EventStore::Open({.path = dir_.Sub("store"), .create_if_missing = false, .read_only = true});
  ASSERT_TRUE(store_or.ok()) << store_or.status().message();
  std::vector<events::QuarantinedMessage> q;
  ASSERT_TRUE((*store_or)
                  ->ScanQuarantine([&](const events::QuarantinedMessage& m) {
                    q.push_back(m);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(q.size(), bad.size());
  std::sort(q.begin(), q.end(), [](const auto& a, const auto& b) { return a.pos.offset < b.pos.offset; });
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(q[i].rejection.reason, bad[i].reason) << "bad message " << i << ": " << q[i].rejection.detail;
    EXPECT_EQ(q[i].rejection.raw, bad[i].value) << i;
    EXPECT_FALSE(q[i].rejection.detail.empty());
  }
  EXPECT_EQ((*store_or)->EventCount(), valid);
}

}  // namespace
}  // namespace slamon::testing
