#include "events/kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <thread>

#include "events/common/logging.h"

namespace slamon::events {

StatusOr<std::unique_ptr<EventProducer>> EventProducer::Create(const std::string& brokers,
                                                               const std::map<std::string, std::string>& properties) {
  std::unique_ptr<EventProducer> p(new EventProducer());
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", brokers},  {"client.id", "slamon-produce"}, {"linger.ms", "10"},
      {"batch.num.messages", "10000"}, {"enable.idempotence", "true"},  {"compression.type", "lz4"},
  };
  for (const auto& [k, v] : properties) props[k] = v;
  GET_OR_RET(auto conf, events::MakeKafkaConf(props));
  rd_kafka_conf_set_opaque(conf.get(), p.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      static_cast<EventProducer*>(opaque)->delivery_failures_++;
      Log("produce")->error("delivery failed: {}", rd_kafka_err2str(m->err));
    }
  });
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Status::Invalid(std::string("cannot create Kafka producer: ") + err);
  static_cast<void>(conf.release());  // owned by rk now
  p->rk_.reset(rk);
  return p;
}

EventProducer::~EventProducer() {
  if (rk_) rd_kafka_flush(rk_.get(), 10000);
}

Status EventProducer::EnsureTopic(const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof(err));
  if (nt == nullptr) return Status::Invalid(std::string("topic ") + topic + ": " + err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk_.get());
  rd_kafka_CreateTopics(rk_.get(), &nt, 1, nullptr, q);
  Status result = Status::Unavailable("no answer to CreateTopics for " + topic + " within 30 s");
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (ev != nullptr) {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      result = Status::Unavailable(std::string("CreateTopics: ") + rd_kafka_event_error_string(ev));
    } else if (n == 1) {
      auto e = rd_kafka_topic_result_error(results[0]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        result = Status::OK();
      } else {
        result = Status::Unavailable("cannot create topic " + topic + ": " + rd_kafka_err2str(e));
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  return result;
}

Status EventProducer::Send(const std::string& topic, std::string_view key, std::string_view value) {
  for (;;) {
    rd_kafka_resp_err_t e =
        rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return Status::Unavailable(std::string("produce: ") + rd_kafka_err2str(e));
    rd_kafka_poll(rk_.get(), 50);  // local queue full: let deliveries drain
  }
  rd_kafka_poll(rk_.get(), 0);
  return Status::OK();
}

Status EventProducer::Flush(int timeout_ms) {
  if (rd_kafka_flush(rk_.get(), timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(std::to_string(rd_kafka_outq_len(rk_.get())) + " message(s) not delivered in time");
  }
  if (delivery_failures_ > 0) return Status::Unavailable(std::to_string(delivery_failures_) + " delivery failure(s)");
  return Status::OK();
}

Status EventProducer::Run(const std::string& topic, events::Generator& gen, int64_t count, double rate,
                          const std::atomic<bool>& stop, ProduceStats* stats) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  while (!stop && (count < 0 || stats->sent < count)) {
    if (rate > 0) {
      // Pace against the start time, not the previous send, so the average holds.
      auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(stats->sent / rate));
      if (due > Clock::now())
        std::this_thread::sleep_until(std::min(due, Clock::now() + std::chrono::milliseconds(200)));
      if (due > Clock::now()) continue;
    }
    events::GeneratedMessage m = gen.Next();
    SLAMON_RETURN_IF_ERROR(Send(topic, m.key, m.value));
    ++stats->sent;
    if (!m.valid) ++stats->malformed;
    if (m.duplicate) ++stats->duplicates;
  }
  Status s = Flush(60000);
  stats->failed = delivery_failures_;
  return s;
}

}  // namespace slamon::events
