// Freshness benchmark (label bench): the time from the moment a producer hands
// an event to librdkafka (its CreateTime) to the moment the event's effect can
// be seen on slamon's /metrics, at a steady 5000 events/s, on one real broker
// with a real `slamon run` process and real HTTP scrapes. Target printed, not
// asserted (machines are noisy): p99 <= 250 ms. Size: SLAMON_BENCH_FRESHNESS_SECONDS
// seconds of production (default 5; scripts/bench uses 30).
//
// Two signals are measured, because /metrics shows an event in two steps:
//  * stored: slamon_events_ingested_total moves when the batch holding the event
//    is synced to the event store (the store writer counts it right after the
//    append, BEFORE it hands the events to the projection host). It is the
//    earliest point anything of the event is visible, a lower bound.
//  * business: slamon_events_applied_total moves when the projection host
//    publishes an SLA snapshot (the slamon_sla_* families) that includes the
//    event: the host counts the handed-over events it applied and sets the
//    counter right after the snapshot is published. That is when the event's
//    effect on the numbers a dashboard or an alert reads becomes visible: the
//    freshness proper, counted exactly rather than inferred from changes of
//    the SLA lines.
// Both are attributed by count: every message is valid (no malformed or
// duplicate fraction), so a counter reaching C means C events are stored (or
// applied), and events 0..C-1 (in send order) are credited. The times at which
// the counts grow are exact; only the pairing with send times is by rank,
// because the four partitions are consumed independently and need not be
// stored in send order. The mean is therefore exact and a single figure is off
// by at most how far the partitions run apart (a few batches). An event is
// credited at the end of the first scrape that shows it (every 5 ms), never
// earlier, which errs on the slow side by up to one poll interval plus the
// scrape's own time.
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "events/demo/generator.h"
#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kRate = 5000;        // events per second
constexpr double kTargetP99Ms = 250;  // printed, not asserted
constexpr auto kPollEvery = std::chrono::milliseconds(5);

double BenchSeconds() {
  const char* v = std::getenv("SLAMON_BENCH_FRESHNESS_SECONDS");
  return v ? std::atof(v) : 5.0;
}

// One scrape: when its answer was complete, and what it said.
struct Scrape {
  Clock::time_point at;
  int64_t stored = 0;          // sum of slamon_events_ingested_total
  int64_t applied = 0;         // slamon_events_applied_total
  size_t business_hash = 0;    // of every slamon_sla_* sample line (shown how often they change)
  bool business_seen = false;  // the SLA families were present
};

Scrape Parse(const std::string& body, Clock::time_point at) {
  Scrape s;
  s.at = at;
  s.stored = static_cast<int64_t>(std::llround(SumMetric(body, "slamon_events_ingested_total")));
  s.applied = static_cast<int64_t>(std::llround(SumMetric(body, "slamon_events_applied_total")));
  std::string business;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("slamon_sla_", 0) == 0) business += line + '\n';
  }
  s.business_seen = !business.empty();
  s.business_hash = std::hash<std::string>{}(business);
  return s;
}

// Polls /metrics every kPollEvery until `stop`; keeps one connection open, like
// a dashboard would. The time of a scrape is when its answer had arrived, so a
// slow scrape counts against slamon, not for it.
void PollMetrics(int port, const std::atomic<bool>& stop, std::vector<Scrape>* out) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_keep_alive(true);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(5, 0);
  auto next = Clock::now();
  while (!stop.load()) {
    auto res = cli.Get("/metrics");
    const auto at = Clock::now();
    if (res && res->status == 200) out->push_back(Parse(res->body, at));
    next += kPollEvery;
    if (next < at) next = at;  // a slow scrape: no burst of catch-up polls
    std::this_thread::sleep_until(next);
  }
}

struct Quantiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
Quantiles Of(std::vector<double> v) {
  Quantiles q;
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  auto at = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * v.size())) - 1)]; };
  q.p50 = at(0.50);
  q.p90 = at(0.90);
  q.p99 = at(0.99);
  q.max = v.back();
  return q;
}

// Produces `total` generated events at kRate with librdkafka and records when
// each was handed over (the message's CreateTime is taken in the same call).
// Returns the send times; the measured events are the first `measured`.
std::vector<Clock::time_point> ProduceSteady(const std::string& brokers, const std::string& topic, int64_t total,
                                             double* achieved_rate, int64_t measured) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // librdkafka's default linger (5 ms) written out: part of any real producer's delay.
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", brokers}, {"linger.ms", "5"}, {"client.id", "slamon-freshness-bench"}}) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << err;
  }
  static std::atomic<int64_t> delivery_failures{0};
  delivery_failures = 0;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++delivery_failures;
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    ADD_FAILURE() << "producer: " << err;
    return {};
  }
  events::GeneratorOptions go;
  go.accounts = 2000;
  go.seed = 23;
  // The stream `slamon produce` sends by default: 30 simulated seconds per
  // event, ending now. Tickets open, get answered and breach all the time, so
  // nearly every published snapshot changes some slamon_sla_* line. (With
  // simulated time running at wall-clock speed, lifecycles take minutes and
  // the SLA lines change only a few times per run: nothing to time.)
  go.seconds_per_event = 30;
  go.start_time = static_cast<int64_t>(std::time(nullptr)) - total * 30;
  events::Generator gen(go);

  std::vector<Clock::time_point> sent(static_cast<size_t>(total));
  const auto t0 = Clock::now();
  for (int64_t i = 0; i < total; ++i) {
    std::this_thread::sleep_until(t0 + std::chrono::nanoseconds(static_cast<int64_t>(i * 1e9 / kRate)));
    const events::GeneratedMessage m = gen.Next();
    sent[static_cast<size_t>(i)] = Clock::now();
    rd_kafka_resp_err_t e;
    int retries = 0;
    while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
                                  RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
           ++retries < 200) {
      rd_kafka_poll(rk, 10);
    }
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    rd_kafka_poll(rk, 0);
  }
  const double seconds = std::chrono::duration<double>(sent[static_cast<size_t>(measured) - 1] - t0).count();
  *achieved_rate = seconds > 0 ? static_cast<double>(measured - 1) / seconds : 0;
  EXPECT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(delivery_failures.load(), 0);
  rd_kafka_destroy(rk);
  return sent;
}

// Latency of each measured event under a counter (stored or applied): the
// first scrape whose count covers it.
std::vector<double> Latencies(const std::vector<Scrape>& scrapes, const std::vector<Clock::time_point>& sent,
                              int64_t measured, int64_t Scrape::*count) {
  std::vector<double> ms;
  int64_t seen = 0;
  for (const Scrape& s : scrapes) {
    for (; seen < std::min(s.*count, measured); ++seen) {
      ms.push_back(std::chrono::duration<double, std::milli>(s.at - sent[static_cast<size_t>(seen)]).count());
    }
  }
  return ms;
}

void Print(const char* what, const Quantiles& q) {
  std::printf("[bench freshness] %-34s p50 %7.1f  p90 %7.1f  p99 %7.1f  max %7.1f ms  (p99 <= %.0f ms: %s)\n", what,
              q.p50, q.p90, q.p99, q.max, kTargetP99Ms, q.p99 <= kTargetP99Ms ? "met" : "NOT met");
}

class FreshnessBench : public BrokerTest {};

TEST_F(FreshnessBench, SteadyRateToMetrics) {
  const int64_t measured = std::max<int64_t>(100, static_cast<int64_t>(BenchSeconds() * kRate));
  // Two more seconds of the same stream after the measured events, so that
  // the last measured events are timed under the same load as the first.
  const int64_t total = measured + static_cast<int64_t>(2 * kRate);
  const std::string topic = NewTopic("bench-fresh", 4);
  const std::string config = WriteConfig(dir_.path(), brokers_, topic, UniqueName("bench-fresh"));
  std::ofstream(config, std::ios::app) << SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  const std::string log = dir_.Sub("run.log");
  DaemonProcess slamon(config, log);
  slamon.Start();

  // Ready = all four partitions assigned, restored (empty) and counted: from
  // then on stored events go straight to the projections.
  ASSERT_TRUE(slamon.WaitReady(std::chrono::seconds(60)));
  ASSERT_EQ(slamon.WaitMetric("slamon_partitions_owned", 4, std::chrono::seconds(60)), 4);
  const int port = slamon.port();

  std::atomic<bool> stop{false};
  std::vector<Scrape> scrapes;
  scrapes.reserve(200000);
  std::thread poller(PollMetrics, port, std::cref(stop), &scrapes);
  double achieved_rate = 0;
  const std::vector<Clock::time_point> sent = ProduceSteady(brokers_, topic, total, &achieved_rate, measured);
  const auto produced = Clock::now();

  // Bounded wait: every event stored, and published by the projection host.
  // The scrapes are read only while the poller is stopped (no shared access).
  auto covered = [&] { return scrapes.back().applied >= measured; };
  bool done = false;
  for (int round = 0; round < 30 && !done && !sent.empty(); ++round) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    stop = true;
    poller.join();
    done = !scrapes.empty() && scrapes.back().stored >= total && covered();
    if (!done) {
      stop = false;
      poller = std::thread(PollMetrics, port, std::cref(stop), &scrapes);
    }
  }
  if (poller.joinable()) {
    stop = true;
    poller.join();
  }
  ASSERT_FALSE(sent.empty());
  ASSERT_FALSE(scrapes.empty());
  EXPECT_EQ(scrapes.back().stored, total) << "not every event was stored within a minute of the last send";
  const std::vector<double> stored = Latencies(scrapes, sent, measured, &Scrape::stored);
  const std::vector<double> business = Latencies(scrapes, sent, measured, &Scrape::applied);
  {
    int64_t changes = 0;
    for (size_t k = 1; k < scrapes.size(); ++k) changes += scrapes[k].business_hash != scrapes[k - 1].business_hash;
    const double span = std::chrono::duration<double>(scrapes.back().at - scrapes.front().at).count();
    std::printf("[bench freshness] SLA lines changed %lld times in %.1f s of scrapes (published every 100 ms)\n",
                static_cast<long long>(changes), span);
  }
  EXPECT_EQ(stored.size(), static_cast<size_t>(measured));
  EXPECT_EQ(business.size(), static_cast<size_t>(measured)) << "not every measured event was published as applied";
  const double drain_s = std::chrono::duration<double>(produced - sent.front()).count();

  EXPECT_EQ(slamon.Stop(std::chrono::seconds(30)), 0) << slamon.Tail();

  std::printf("\n[bench freshness] events measured=%lld (+%lld after them) partitions=4, producer linger.ms=5\n",
              static_cast<long long>(measured), static_cast<long long>(total - measured));
  std::printf(
      "[bench freshness] rate achieved: %.0f events/s (target %.0f), production %.2f s, scrapes=%zu (every %lld ms)\n",
      achieved_rate, kRate, drain_s, scrapes.size(), static_cast<long long>(kPollEvery.count()));
  Print("stored (events_ingested_total):", Of(stored));
  Print("business (events_applied_total):", Of(business));
  // Stalls: the longest time between two answered scrapes (a slow /metrics)
  // and the longest time the stored count stood still while events were sent.
  double gap_ms = 0, still_ms = 0;
  for (size_t k = 1, since = 0; k < scrapes.size(); ++k) {
    gap_ms = std::max(gap_ms, std::chrono::duration<double, std::milli>(scrapes[k].at - scrapes[k - 1].at).count());
    if (scrapes[k].stored != scrapes[since].stored) since = k;
    if (scrapes[k].at <= sent.back() && scrapes[since].stored < total) {
      still_ms =
          std::max(still_ms, std::chrono::duration<double, std::milli>(scrapes[k].at - scrapes[since].at).count());
    }
  }
  std::printf("[bench freshness] longest scrape gap %.1f ms; longest stored-count standstill while sending %.1f ms\n",
              gap_ms, still_ms);
  // A steady delay and a growing backlog look alike in the quantiles: the
  // first and the last second of the measured events tell them apart.
  const auto window = static_cast<std::ptrdiff_t>(std::min<int64_t>(measured / 2, static_cast<int64_t>(kRate)));
  std::printf("[bench freshness] stored p50 of the first / last second: %.1f / %.1f ms\n",
              Of({stored.begin(), stored.begin() + window}).p50, Of({stored.end() - window, stored.end()}).p50);
  std::printf("[bench freshness] freshness = business signal; stored is its lower bound (see the file's header)\n");
  std::fflush(stdout);
}

}  // namespace
}  // namespace slamon::testing
