#include "tests/support/kafka_test_util.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <set>

#include "events/kafka/producer.h"

namespace slamon::testing {

std::string TestBrokers() {
  const char* b = std::getenv("SLAMON_TEST_BROKERS");
  return b ? b : "";
}

int64_t Scaled(int64_t n, int64_t at_least) {
  const char* env = std::getenv("SLAMON_TEST_SCALE");
  const double scale = env != nullptr ? std::strtod(env, nullptr) : 1.0;
  if (!(scale > 0 && scale <= 1)) return n;
  return std::max(at_least, static_cast<int64_t>(static_cast<double>(n) * scale));
}

std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr)) + "-" + std::to_string(n++);
}

void CreateTopic(const std::string& brokers, const std::string& topic, int partitions) {
  auto p = events::EventProducer::Create(brokers);
  ASSERT_TRUE(p.ok()) << p.status().message();
  Status s = (*p)->EnsureTopic(topic, partitions);
  ASSERT_TRUE(s.ok()) << s.message();
}

namespace {
rd_kafka_t* NewConsumer(const std::string& brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", UniqueName("slamon-test-reader").c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) ADD_FAILURE() << err;
  return rk;
}
}  // namespace

std::map<int32_t, int64_t> EndOffsets(const std::string& brokers, const std::string& topic, int partitions) {
  std::map<int32_t, int64_t> out;
  rd_kafka_t* rk = NewConsumer(brokers);
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    auto e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    out[p] = hi;
  }
  rd_kafka_destroy(rk);
  return out;
}

std::vector<RawMessage> ReadTopic(const std::string& brokers, const std::string& topic, int partitions) {
  auto ends = EndOffsets(brokers, topic, partitions);
  std::vector<RawMessage> out;
  rd_kafka_t* rk = NewConsumer(brokers);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  std::set<int32_t> pending;
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (ends[p] > 0) pending.insert(p);
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 500);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.push_back({m->partition, m->offset, std::string(static_cast<const char*>(m->key), m->key_len),
                     std::string(static_cast<const char*>(m->payload), m->len)});
      if (m->offset + 1 >= ends[m->partition]) pending.erase(m->partition);
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_TRUE(pending.empty()) << "timed out reading topic " << topic;
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

void ProduceRaw(const std::string& brokers, const std::string& topic,
                const std::vector<std::pair<std::string, std::string>>& messages) {
  auto p = events::EventProducer::Create(brokers);
  ASSERT_TRUE(p.ok()) << p.status().message();
  for (const auto& [k, v] : messages) ASSERT_TRUE((*p)->Send(topic, k, v).ok());
  Status s = (*p)->Flush(30000);
  ASSERT_TRUE(s.ok()) << s.message();
}

void ProduceWithHeaders(const std::string& brokers, const std::string& topic,
                        const std::vector<HeaderedMessage>& messages) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << err;
  int failed = 0;
  rd_kafka_conf_set_opaque(conf, &failed);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<int*>(opaque);
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(rk, nullptr) << err;
  for (const auto& m : messages) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(m.headers.size());
    for (const auto& [name, value] : m.headers) {
      rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value ? value->data() : nullptr,
                          value ? static_cast<ssize_t>(value->size()) : 0);
    }
    // On success the producer owns the headers.
    const rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
        RD_KAFKA_V_VALUE(m.value.empty() ? nullptr : const_cast<char*>(m.value.data()), m.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(hdrs);
      ADD_FAILURE() << "produce: " << rd_kafka_err2str(e);
      break;
    }
    rd_kafka_poll(rk, 0);
  }
  EXPECT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(failed, 0) << "messages not delivered";
  rd_kafka_destroy(rk);
}

void BrokerTest::SetUp() {
  brokers_ = TestBrokers();
  if (brokers_.empty()) GTEST_SKIP() << kNoBrokers;
  group_ = UniqueName("g");
  if (topic_prefix_.empty()) return;
  topic_ = topic_partitions_ > 0 ? NewTopic(topic_prefix_, topic_partitions_) : UniqueName(topic_prefix_);
}

std::string BrokerTest::NewTopic(const std::string& prefix, int partitions) {
  std::string topic = UniqueName(prefix);
  CreateTopic(brokers_, topic, partitions);
  return topic;
}

}  // namespace slamon::testing
