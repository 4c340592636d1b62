// A broker outage under load: the test's own broker (never the shared one of
// SLAMON_TEST_BROKERS) is stopped for 30 s while events are being produced
// and consumed, then started again on the same port with the same data. The
// daemon must ride it out without a restart, show the outage and the
// recovery in its metrics, and end with every valid event stored exactly once.
#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/ingest_fixture.h"
#include "tests/support/own_broker.h"
#include "tests/support/process.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 4;
constexpr int64_t kEvents = 80000;
constexpr int kRate = 2000;  // the stream lasts ~40 s: it spans the outage
constexpr auto kOutage = seconds(30);

// brokers_ is the test's own broker: the shared one is not used (its presence
// says Kafka is set up here).
class OutageTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    if (IsSkipped()) return;
    brokers_ = broker_.Start();
    ASSERT_FALSE(brokers_.empty());
  }

  OwnBroker broker_{dir_};
};

TEST_F(OutageTest, RidesOutThirtySecondBrokerOutageWithoutLossOrDuplicates) {
  const std::string topic = UniqueName("outage");
  CreateTopic(brokers_, topic, kPartitions);
  // A short session timeout makes the group re-form quickly after the restart.
  const std::string config = WriteConfig(dir_.path(), brokers_, topic, UniqueName("g"),
                                         "  properties: {session.timeout.ms: \"10000\"}\n"
                                         "  batch_max_messages: 500\n");
  DaemonProcess daemon(config, dir_.Sub("run.log"));
  daemon.Start();
  // The idempotent producer keeps what it cannot deliver and retries, so it
  // produces through the outage: no event is sent twice or dropped.
  Process producer(ProduceCommand(brokers_, topic, kEvents,
                                  "--rate " + std::to_string(kRate) +
                                      " --accounts 200 --seed 11 --malformed-fraction 0.002 --duplicate-fraction 0.01"),
                   dir_.Sub("produce.log"));

  auto scrape = [&](const std::string& metric) { return daemon.Metric(metric); };
  // Wait until the daemon is consuming and connected.
  auto deadline = Clock::now() + seconds(60);
  while ((scrape("slamon_store_events") < 2000 || scrape("slamon_kafka_brokers_up") < 1) && Clock::now() < deadline) {
    ASSERT_TRUE(daemon.Running()) << daemon.Tail();
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_GE(scrape("slamon_store_events"), 2000) << daemon.Tail();
  ASSERT_GE(scrape("slamon_kafka_brokers_up"), 1);
  ASSERT_TRUE(producer.Running()) << "the producer finished before the outage: raise kEvents";
  const double before = scrape("slamon_store_events");

  // ---- the outage ----
  ASSERT_TRUE(broker_.Down());
  const auto outage_end = Clock::now() + kOutage;
  double min_up = 1e9, stored_during = 0;
  while (Clock::now() < outage_end) {
    ASSERT_TRUE(daemon.Running()) << "the daemon died during the outage:\n" << daemon.Tail();
    if (const double up = scrape("slamon_kafka_brokers_up"); up >= 0) min_up = std::min(min_up, up);
    stored_during = scrape("slamon_store_events");
    std::this_thread::sleep_for(milliseconds(500));
  }
  const double all_down = scrape("slamon_kafka_errors_total{code=\"all_brokers_down\"}");
  const double transport = scrape("slamon_kafka_errors_total{code=\"transport\"}");
  std::printf(
      "[outage] stored %.0f before, %.0f at the end of the %llds outage; brokers_up min %.0f; "
      "errors all_brokers_down=%.0f transport=%.0f\n",
      before, stored_during, static_cast<long long>(kOutage.count()), min_up, all_down, transport);
  EXPECT_EQ(min_up, 0) << "slamon_kafka_brokers_up never showed the outage";
  EXPECT_GE(all_down + transport, 1) << "slamon_kafka_errors_total counted no connection error";

  ASSERT_EQ(broker_.Up(), brokers_) << "the broker came back on another address";
  const auto restarted = Clock::now();

  // ---- recovery: the producer delivers the rest, the daemon stores everything ----
  ASSERT_EQ(producer.Wait(seconds(120)), 0) << Tail(dir_.Sub("produce.log"));
  TopicTruth truth = ReadTruth(brokers_, topic, kPartitions);
  EXPECT_EQ(truth.messages, static_cast<size_t>(kEvents)) << "the idempotent producer should write each message once";
  deadline = Clock::now() + seconds(90);
  while (scrape("slamon_store_events") != static_cast<double>(truth.valid_ids.size()) && Clock::now() < deadline) {
    ASSERT_TRUE(daemon.Running()) << daemon.Tail();
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_GE(scrape("slamon_kafka_brokers_up"), 1) << "slamon_kafka_brokers_up did not show the recovery";
  EXPECT_GE(CountInFile(dir_.Sub("run.log"), "broker connection restored"), 1u) << daemon.Tail();
  std::printf("[outage] all %zu valid events stored %.1f s after the broker restart\n", truth.valid_ids.size(),
              std::chrono::duration<double>(Clock::now() - restarted).count());
  ASSERT_TRUE(daemon.Running()) << "the daemon must recover without a restart";
  ASSERT_EQ(daemon.Stop(seconds(30)), 0) << daemon.Tail();
  ExpectStoreMatches(dir_.Sub("store"), brokers_, topic, kPartitions, truth);
}

}  // namespace
}  // namespace slamon::testing
