#include "daemon/bridge/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <mutex>

#include "events/common/logging.h"

namespace slamon::bridge {

// The outcome of one request's events. Shared by the waiting request and the
// delivery reports: a report may come after the request gave up waiting.
struct KafkaSink::Batch {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  size_t failed = 0;
  std::string first_error;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

namespace {

// What a message's opaque points to: its batch (kept alive) and its sink.
struct Ticket {
  std::shared_ptr<void> batch;
  KafkaSink* sink;
};

}  // namespace

StatusOr<std::unique_ptr<KafkaSink>> KafkaSink::Create(KafkaSinkSettings settings, DeliveryObserver observer) {
  std::unique_ptr<KafkaSink> sink(new KafkaSink(std::move(settings)));
  sink->observer_ = std::move(observer);
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", sink->settings_.brokers},
      {"client.id", "slamon-bridge"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  for (const auto& [k, v] : sink->settings_.properties) props[k] = v;
  // The delivery guarantee the receiver's answers rest on.
  props["enable.idempotence"] = "true";
  props["acks"] = "all";
  GET_OR_RET(auto conf, events::MakeKafkaConf(props));
  rd_kafka_conf_set_opaque(conf.get(), sink.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    KafkaSink::OnError(rk, err, reason, opaque);
  });
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Status::Invalid(std::string("cannot create Kafka producer: ") + err);
  static_cast<void>(conf.release());  // owned by rk now
  sink->rk_.reset(rk);
  sink->poller_ = std::thread([s = sink.get()] {
    while (!s->stop_) rd_kafka_poll(s->rk_.get(), 100);
  });
  return sink;
}

KafkaSink::~KafkaSink() {
  Flush(std::chrono::milliseconds(5000));
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  // Undelivered messages are purged so that their reports (and the batches
  // they keep alive) are released before the handle goes.
  rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_.get(), 0);
}

void KafkaSink::Flush(std::chrono::milliseconds timeout) {
  if (rk_) rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
}

void KafkaSink::OnError(rd_kafka_s*, int err, const char* reason, void* opaque) {
  auto* sink = static_cast<KafkaSink*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  // librdkafka's own log already reports every connection failure; only
  // the states that change the bridge's answers are worth a line here.
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    sink->brokers_down_ = true;
    Log("bridge")->warn("kafka: all brokers are down: webhooks are answered 503 until one is back");
  } else if (code == RD_KAFKA_RESP_ERR__FATAL) {
    Log("bridge")->error("kafka: fatal producer error: {}", reason);
  }
}

void KafkaSink::OnDelivery(rd_kafka_s*, const rd_kafka_message_s* m, void* opaque) {
  auto* ticket = static_cast<Ticket*>(m->_private);
  auto* sink = static_cast<KafkaSink*>(opaque);
  auto batch = std::static_pointer_cast<Batch>(ticket->batch);
  delete ticket;
  const bool failed = m->err != RD_KAFKA_RESP_ERR_NO_ERROR;
  if (!failed) sink->brokers_down_ = false;
  double seconds = 0;
  {
    std::lock_guard lock(batch->mu);
    if (failed && batch->failed++ == 0) batch->first_error = rd_kafka_err2str(m->err);
    --batch->pending;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - batch->started).count();
  }
  batch->cv.notify_all();
  if (sink->observer_) sink->observer_(seconds, failed);
}

Status KafkaSink::Deliver(const std::vector<MappedEvent>& events) {
  if (events.empty()) return Status::OK();
  auto batch = std::make_shared<Batch>();
  batch->pending = events.size();
  size_t queued = 0;
  Status result = Status::OK();
  for (const MappedEvent& e : events) {
    auto* ticket = new Ticket{batch, this};
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 0; attempt < 50; ++attempt) {
      err = rd_kafka_producev(
          rk_.get(), RD_KAFKA_V_TOPIC(settings_.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(const_cast<char*>(e.key.data()), e.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(e.json.data()), e.json.size()), RD_KAFKA_V_OPAQUE(ticket), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the poller drains reports
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      delete ticket;
      result = Status::Unavailable(std::string("produce: ") + rd_kafka_err2str(err));
      break;
    }
    ++queued;
  }
  std::unique_lock lock(batch->mu);
  // Events never queued will never be reported.
  batch->pending -= events.size() - queued;
  const bool done = batch->cv.wait_for(lock, settings_.delivery_wait, [&] { return batch->pending == 0; });
  if (!result.ok()) return result;
  if (!done) {
    return Status::Unavailable(std::to_string(batch->pending) + " of " + std::to_string(events.size()) +
                               " event(s) not acknowledged within " + std::to_string(settings_.delivery_wait.count()) +
                               " ms");
  }
  if (batch->failed > 0) {
    return Status::Unavailable(std::to_string(batch->failed) + " event(s) not delivered: " + batch->first_error);
  }
  return Status::OK();
}

std::string KafkaSink::Unready() const { return brokers_down_ ? "all Kafka brokers are down" : ""; }

}  // namespace slamon::bridge
