// Ingest benchmark (label bench): on one real broker, in the same run, a bare
// librdkafka consumer reading topic X vs `slamon run` ingesting topic X (decode,
// validate, dedupe, synced RocksDB batches), both from offset 0 through a
// consumer group. Prints events/s, the ratio, slamon's peak RSS and the parts
// of it slamon measures itself. Size:
// SLAMON_BENCH_INGEST_EVENTS (default 20000; scripts/bench uses 1000000).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <cstdio>

#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using Clock = std::chrono::steady_clock;

int64_t BenchEvents() {
  const char* v = std::getenv("SLAMON_BENCH_INGEST_EVENTS");
  return v ? std::atoll(v) : 20000;
}

// Subscribes with a fresh group and reads until every partition is at its end.
double BareConsumerSeconds(const std::string& brokers, const std::string& topic, int64_t expected) {
  const auto t0 = Clock::now();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (auto [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", brokers},
                                                        {"group.id", UniqueName("bench-bare")},
                                                        {"enable.auto.commit", "false"},
                                                        {"auto.offset.reset", "earliest"},
                                                        {"partition.assignment.strategy", "cooperative-sticky"}}) {
    rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err));
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  int64_t got = 0, bytes = 0;
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  while (got < expected && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++got;
      bytes += static_cast<int64_t>(m->len);  // touch the payload size like a real consumer would
    }
    rd_kafka_message_destroy(m);
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  EXPECT_EQ(got, expected);
  return s;
}

class IngestBench : public BrokerTest {};

TEST_F(IngestBench, BareConsumerVsSlamonRun) {
  const int64_t n = BenchEvents();
  const int partitions = 4;
  const std::string topic = NewTopic("bench-ingest", partitions);
  Process producer(ProduceCommand(brokers_, topic, n, "--accounts 2000 --seed 11"), dir_.Sub("produce.log"));
  ASSERT_EQ(producer.Wait(std::chrono::minutes(10)), 0) << Tail(dir_.Sub("produce.log"));

  const double bare_s = BareConsumerSeconds(brokers_, topic, n);

  // kcat (Debian's bare librdkafka consumer without a group), for reference.
  double kcat_s = 0;
  {
    const auto k0 = Clock::now();
    Process kcat({"/usr/bin/kcat", "-C", "-b", brokers_, "-t", topic, "-e", "-o", "beginning", "-q"}, "/dev/null");
    const std::optional<int> code = kcat.Wait(std::chrono::minutes(10));
    if (code && *code == 0) kcat_s = std::chrono::duration<double>(Clock::now() - k0).count();
  }

  const std::string config = WriteConfig(dir_.path(), brokers_, topic, UniqueName("bench-slamon"));
  const auto t0 = Clock::now();
  DaemonProcess daemon(config, dir_.Sub("run.log"));
  daemon.Start({"--exit-on-eof"});
  ASSERT_EQ(daemon.Wait(std::chrono::minutes(20)), 0) << daemon.Tail();
  const Process& slamon = *daemon.process();
  const double slamon_s = std::chrono::duration<double>(Clock::now() - t0).count();

  const double bare_rate = n / bare_s, slamon_rate = n / slamon_s;
  std::printf("\n[bench ingest] events=%lld partitions=%d (synced RocksDB batches)\n", static_cast<long long>(n),
              partitions);
  std::printf("[bench ingest] bare librdkafka consumer: %10.0f events/s (%.2f s)\n", bare_rate, bare_s);
  std::printf("[bench ingest] slamon run:               %10.0f events/s (%.2f s, process start to exit)\n", slamon_rate,
              slamon_s);
  std::printf("[bench ingest] ratio slamon/bare:        %10.2f (target >= 0.80)\n", slamon_rate / bare_rate);
  if (kcat_s > 0) {
    std::printf("[bench ingest] kcat (no group):          %10.0f events/s (%.2f s); ratio slamon/kcat %.2f\n",
                n / kcat_s, kcat_s, slamon_rate / (n / kcat_s));
  }
  std::printf("[bench ingest] slamon CPU:               %10.2f s = %.2f CPU-s per million events (target <= 3)\n",
              slamon.cpu_seconds(), slamon.cpu_seconds() * 1e6 / static_cast<double>(n));
  std::printf("[bench ingest] slamon peak RSS:          %10.1f MiB\n", slamon.max_rss_kib() / 1024.0);
  // What of it slamon can measure itself: its "memory peaks:" line at shutdown
  // (RocksDB memtables and block cache, dedupe table, decoded batches in
  // flight, librdkafka's queue bound, RocksDB's CRC32C path).
  const std::string log = ReadFile(dir_.Sub("run.log"));
  if (const size_t at = log.rfind("memory peaks: "); at != std::string::npos) {
    std::printf("[bench ingest] slamon %s\n", log.substr(at, log.find('\n', at) - at).c_str());
  } else {
    ADD_FAILURE() << "slamon logged no memory peaks line";
  }
  std::fflush(stdout);
}

}  // namespace
}  // namespace slamon::testing
