#include "daemon/bridge/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "events/common/logging.h"

namespace slamon::bridge {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The outcome of one request's events. Shared by the waiting request and the
// delivery reports: a report may come after the request gave up waiting.
struct KafkaSink::Batch {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  size_t failed = 0;
  std::string first_error;
  Clock::time_point started = Clock::now();
};

// One event on its way, what its message's opaque points to. It holds the
// event's bytes (librdkafka reads them from here, without a copy, until the
// report) so that a recreated producer can send the event again, and keeps
// its batch alive for a report that comes after the request gave up.
struct KafkaSink::Entry {
  std::shared_ptr<Batch> batch;
  std::string key;
  std::string json;
  uint64_t seq = 0;   // hand-over order; re-sent events keep it
  int handovers = 0;  // how many failed producers gave it back
};

namespace {

// An event given back by this many failed producers fails (its request: 503,
// the sender retries) instead of waiting for yet another producer.
constexpr int kMaxHandovers = 3;
// How long a failed producer's in-flight requests may still be acknowledged
// before the rest is purged: fewer purged messages, fewer duplicates.
constexpr milliseconds kDrainWait{1000};
// Bound on serving the reports of purged messages.
constexpr milliseconds kPurgeWait{5000};
// A fatal error this long after the previous recreation is recreated at once.
constexpr std::chrono::seconds kCalmPeriod{60};

bool IsFatal(rd_kafka_t* rk) {
  char unused[8];
  return rd_kafka_fatal_error(rk, unused, sizeof(unused)) != RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::string FatalReason(rd_kafka_t* rk) {
  char reason[512] = "";
  const rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk, reason, sizeof(reason));
  return std::string(rd_kafka_err2name(err)) + ": " + reason;
}

// Serves reports until none is outstanding or `wait` passed; how many are left.
int ServeReports(rd_kafka_t* rk, milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  while (rd_kafka_outq_len(rk) > 0 && Clock::now() < deadline) rd_kafka_poll(rk, 50);
  return rd_kafka_outq_len(rk);
}

}  // namespace

StatusOr<std::unique_ptr<KafkaSink>> KafkaSink::Create(KafkaSinkSettings settings, Observers observers) {
  std::unique_ptr<KafkaSink> sink(new KafkaSink(std::move(settings)));
  sink->observers_ = std::move(observers);
  sink->properties_ = {
      {"bootstrap.servers", sink->settings_.brokers},
      {"client.id", "slamon-bridge"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  for (const auto& [k, v] : sink->settings_.properties) sink->properties_[k] = v;
  // The delivery guarantee the receiver's answers rest on.
  sink->properties_["enable.idempotence"] = "true";
  sink->properties_["acks"] = "all";
  GET_OR_RET(sink->rk_, sink->NewProducer());
  sink->poller_ = std::thread([s = sink.get()] { s->PollLoop(); });
  return sink;
}

StatusOr<events::KafkaHandle> KafkaSink::NewProducer() {
  GET_OR_RET(auto conf, events::MakeKafkaConf(properties_));
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    KafkaSink::OnError(rk, err, reason, opaque);
  });
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Status::Invalid(std::string("cannot create Kafka producer: ") + err);
  static_cast<void>(conf.release());  // owned by rk now
  return events::KafkaHandle(rk);
}

KafkaSink::~KafkaSink() {
  Flush(milliseconds(5000));
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (poller_.joinable()) poller_.join();
  // Undelivered messages are purged so that their reports (and the batches
  // they keep alive) are released before the handle goes.
  if (rk_) {
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    ServeReports(rk_.get(), kPurgeWait);
  }
  std::vector<Entry*> left;
  {
    std::lock_guard lock(mu_);
    left.swap(aside_);
  }
  for (Entry* e : left) Finish(e, true, "the bridge stopped");
}

void KafkaSink::Flush(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (outstanding_ > 0 && Clock::now() < deadline) {
    bool served = false;
    {
      std::shared_lock lock(handle_mu_);
      if (rk_ && rd_kafka_outq_len(rk_.get()) > 0) {
        rd_kafka_flush(rk_.get(), 100);
        served = true;
      }
    }
    // Otherwise the rest waits for a recreation, served by the background thread.
    if (!served) std::this_thread::sleep_for(milliseconds(20));
  }
}

void KafkaSink::OnError(rd_kafka_s*, int err, const char*, void* opaque) {
  auto* sink = static_cast<KafkaSink*>(opaque);
  // librdkafka's own log already reports every connection failure; only
  // the states that change the bridge's answers are worth a line here (a
  // fatal error is logged by the recreation, with its reason).
  if (static_cast<rd_kafka_resp_err_t>(err) == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    sink->brokers_down_ = true;
    Log("bridge")->warn("kafka: all brokers are down: webhooks are answered 503 until one is back");
  }
}

void KafkaSink::OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* m, void* opaque) {
  auto* e = static_cast<Entry*>(m->_private);
  auto* sink = static_cast<KafkaSink*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    sink->brokers_down_ = false;
    sink->Finish(e, false, "");
    return;
  }
  // Not acknowledged by a producer that failed fatally (its own report, or
  // our purge of it): the next producer sends the event again. It may be in
  // the topic already; its id makes the copy harmless.
  const bool purged = m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
  if (!sink->stop_ && (purged || m->err == RD_KAFKA_RESP_ERR__FATAL || IsFatal(rk))) {
    sink->SetAside(e);
    return;
  }
  sink->Finish(e, true, rd_kafka_err2str(m->err));
}

void KafkaSink::Finish(Entry* e, bool failed, const std::string& error) {
  std::unique_ptr<Entry> owned(e);  // keeps the batch alive until the end
  Batch& batch = *e->batch;
  double seconds = 0;
  {
    std::lock_guard lock(batch.mu);
    if (failed && batch.failed++ == 0) batch.first_error = error;
    --batch.pending;
    seconds = std::chrono::duration<double>(Clock::now() - batch.started).count();
  }
  batch.cv.notify_all();
  --outstanding_;
  if (observers_.delivery) observers_.delivery(seconds, failed);
}

void KafkaSink::SetAside(Entry* e) {
  if (++e->handovers >= kMaxHandovers) {
    Finish(e, true, "not acknowledged by " + std::to_string(kMaxHandovers) + " producers in a row");
    return;
  }
  std::lock_guard lock(mu_);
  aside_.push_back(e);
}

int KafkaSink::Produce(rd_kafka_s* rk, const std::string& topic, Entry* e, bool serve) {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int attempt = 0; attempt < 50; ++attempt) {
    // No RD_KAFKA_MSG_F_COPY: the entry outlives the message (freed after its report).
    err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(0),
                            RD_KAFKA_V_KEY(e->key.data(), e->key.size()),
                            RD_KAFKA_V_VALUE(e->json.data(), e->json.size()), RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    // Room comes as reports are served: by the background thread, or here when this is it.
    if (serve) {
      rd_kafka_poll(rk, 20);
    } else {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  return err;
}

Status KafkaSink::Deliver(const std::vector<MappedEvent>& events) {
  if (events.empty()) return Status::OK();
  const auto deadline = Clock::now() + settings_.delivery_wait;
  if (recreating_) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return !recreating_ || stop_; })) {
      return Status::Unavailable("the Kafka producer is being recreated after a fatal error");
    }
  }
  if (stop_) return Status::Unavailable("the bridge is stopping");
  auto batch = std::make_shared<Batch>();
  batch->pending = events.size();
  size_t queued = 0;
  Status result = Status::OK();
  {
    std::shared_lock handle(handle_mu_);
    for (const MappedEvent& event : events) {
      auto* e = new Entry{batch, event.key, event.json, next_seq_++, 0};
      ++outstanding_;
      const int err = rk_ ? Produce(rk_.get(), settings_.topic, e, false) : RD_KAFKA_RESP_ERR__FATAL;
      if (err == RD_KAFKA_RESP_ERR__FATAL) {
        SetAside(e);  // the producer failed (or is being replaced): the next one sends it
      } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        delete e;
        --outstanding_;
        result =
            Status::Unavailable(std::string("produce: ") + rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
        break;
      }
      ++queued;
    }
  }
  std::unique_lock lock(batch->mu);
  // Events never queued will never be reported.
  batch->pending -= events.size() - queued;
  const bool done = batch->cv.wait_until(lock, deadline, [&] { return batch->pending == 0; });
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

std::string KafkaSink::Unready() const {
  if (recreating_) return "the Kafka producer is being recreated after a fatal error";
  return brokers_down_ ? "all Kafka brokers are down" : "";
}

Status KafkaSink::InjectFatalErrorForTesting(const std::string& reason) {
  std::shared_lock handle(handle_mu_);
  if (!rk_) return Status::Unavailable("no producer (being recreated)");
  const rd_kafka_resp_err_t err =
      rd_kafka_test_fatal_error(rk_.get(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason.c_str());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable(rd_kafka_err2str(err));
  return Status::OK();
}

// ---- the background thread: reports, and the recreation after a fatal error ----

void KafkaSink::PollLoop() {
  while (!stop_) {
    rd_kafka_t* rk = rk_.get();  // only this thread replaces rk_
    if (rk == nullptr) return;   // a recreation gave up because the sink stops
    rd_kafka_poll(rk, 100);
    if (!stop_ && IsFatal(rk)) Recreate();
  }
}

void KafkaSink::Recreate() {
  const auto started = Clock::now();
  {
    std::lock_guard lock(mu_);
    recreating_ = true;  // new requests wait for the new producer
  }
  if (observers_.recreating) observers_.recreating(true);
  Log("bridge")->error(
      "kafka: fatal producer error ({}): recreating the producer; events not yet acknowledged are re-sent by the new "
      "one, webhooks wait for it (or are answered 503 when their wait runs out)",
      FatalReason(rk_.get()));
  events::KafkaHandle old;
  {
    std::unique_lock handle(handle_mu_);  // requests that see no producer set their events aside
    old = std::move(rk_);
  }
  Retire(std::move(old));
  size_t resent = 0;
  bool installed = false;
  while (!installed && WaitBackoff()) {
    auto fresh = NewProducer();
    last_recreation_ = Clock::now();
    if (fresh.ok()) {
      resent = Install(fresh.take());
      installed = true;
    } else {
      Log("bridge")->error("kafka: cannot recreate the producer: {}", fresh.status().message());
    }
  }
  if (!installed) return;  // stopping: the destructor fails what was set aside
  const uint64_t n = ++recreations_;
  {
    std::lock_guard lock(mu_);
    recreating_ = false;
  }
  cv_.notify_all();
  if (observers_.recreating) observers_.recreating(false);
  if (observers_.recreated) observers_.recreated(resent);
  Log("bridge")->warn(
      "kafka: producer recreated after a fatal error in {} ms (recreation {} since start); {} event(s) "
      "not acknowledged by the failed producer re-sent",
      std::chrono::duration_cast<milliseconds>(Clock::now() - started).count(), n, resent);
}

bool KafkaSink::WaitBackoff() {
  const auto now = Clock::now();
  if (last_recreation_ == Clock::time_point{} || now - last_recreation_ > kCalmPeriod) {
    backoff_ = milliseconds(0);
  } else {
    backoff_ =
        backoff_.count() == 0 ? settings_.recreate_backoff : std::min(backoff_ * 2, settings_.recreate_backoff_max);
    Log("bridge")->warn("kafka: the producer failed again {} ms after the last recreation: next attempt in {} ms",
                        std::chrono::duration_cast<milliseconds>(now - last_recreation_).count(), backoff_.count());
  }
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, backoff_, [&] { return stop_.load(); });
  return !stop_;
}

void KafkaSink::Retire(events::KafkaHandle old) {
  rd_kafka_t* rk = old.get();
  // In-flight requests may still be acknowledged (their reports say so);
  // librdkafka already failed what was only queued.
  rd_kafka_flush(rk, static_cast<int>(kDrainWait.count()));
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  if (const int left = ServeReports(rk, kPurgeWait); left > 0) {
    // Not expected: the purge reports every message. Their requests time out (503).
    Log("bridge")->warn("kafka: {} report(s) of the failed producer did not come; dropping it anyway", left);
  }
}

size_t KafkaSink::Install(events::KafkaHandle fresh) {
  std::unique_lock handle(handle_mu_);
  rk_ = std::move(fresh);
  std::vector<Entry*> entries;
  {
    std::lock_guard lock(mu_);
    entries.swap(aside_);
  }
  // In hand-over order, so that events of one account keep their order.
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) { return a->seq < b->seq; });
  for (Entry* e : entries) {
    const int err = Produce(rk_.get(), settings_.topic, e, true);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      SetAside(e);  // this producer failed at once too: the next recreation takes it
    } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Finish(e, true, rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
    }
  }
  return entries.size();
}

}  // namespace slamon::bridge
