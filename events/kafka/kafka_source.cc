// Over 400 lines on purpose: the consumer's rebalance protocol (incremental
// assign from stored offsets, revoke-flush, pause/resume) and the embedded
// mock cluster share librdkafka handle plumbing that is clearer in one place.
#include "events/kafka/kafka_source.h"

#include <fmt/ranges.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <string_view>

#include "events/common/logging.h"
#include "events/kafka/kafka_health.h"

namespace slamon::events {

namespace detail {
void KafkaDeleter::operator()(rd_kafka_s* rk) const { rd_kafka_destroy(rk); }
void KafkaDeleter::operator()(rd_kafka_message_s* m) const { rd_kafka_message_destroy(m); }
void KafkaDeleter::operator()(rd_kafka_topic_partition_list_s* l) const { rd_kafka_topic_partition_list_destroy(l); }
}  // namespace detail

namespace {

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, detail::KafkaDeleter>;

// librdkafka reports a refused login or TLS handshake twice: as a FAIL log
// line and through the error callback. ErrorCb says it once, plainly.
bool IsSecurityFailureLog(std::string_view fac, std::string_view buf) {
  return fac == "FAIL" && (buf.find("SASL authentication error") != std::string_view::npos ||
                           buf.find("SSL handshake failed") != std::string_view::npos);
}

// A wrong password or CA never heals by retrying, but librdkafka retries
// forever (which keeps the daemon alive and not ready, as it should be):
// log it at most once a minute, with how often it happened in between.
class SecurityFailureThrottle {
 public:
  /// Returns true when the failure should be logged now; *suppressed gets
  /// the number of failures not logged since the last logged one.
  bool Allow(uint64_t* suppressed) {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (logged_once_ && now - last_ < std::chrono::seconds(60)) {
      ++suppressed_;
      return false;
    }
    logged_once_ = true;
    last_ = now;
    *suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  std::mutex mu_;
  bool logged_once_ = false;
  std::chrono::steady_clock::time_point last_;
  uint64_t suppressed_ = 0;
};

void LogCb(const rd_kafka_t* /*rk*/, int level, const char* fac, const char* buf) {
  if (IsSecurityFailureLog(fac, buf)) return;
  auto log = Log("kafka");
  if (level <= 3) {
    log->error("{}: {}", fac, buf);
  } else if (level <= 4) {
    log->warn("{}: {}", fac, buf);
  } else if (level <= 6) {
    log->info("{}: {}", fac, buf);
  } else {
    log->debug("{}: {}", fac, buf);
  }
}

void ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  KafkaHealth::Process().OnError(err, rd_kafka_type(rk) == RD_KAFKA_CONSUMER, reason);
  auto log = Log("kafka");
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL) {
    static SecurityFailureThrottle throttle;
    uint64_t suppressed = 0;
    if (!throttle.Allow(&suppressed)) return;
    log->error(
        "{}: {}; check kafka.properties (security.protocol, sasl.mechanism, sasl.username, sasl.password, "
        "ssl.ca.location); still retrying, not ready until it connects{}",
        err == RD_KAFKA_RESP_ERR__AUTHENTICATION ? "Kafka authentication failed" : "Kafka TLS handshake failed", reason,
        suppressed ? " (" + std::to_string(suppressed) + " more since the last report)" : std::string());
  } else if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
    log->critical("fatal client error: {}", fatal);
  } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    // librdkafka reconnects by itself; say so once per occurrence, not as an error.
    log->warn("{} (librdkafka keeps reconnecting)", reason);
  } else {
    log->warn("{}: {}", rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)), reason);
  }
}

}  // namespace

void RouteKafkaLogs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, LogCb);
  rd_kafka_conf_set_error_cb(conf, ErrorCb);
}

StatusOr<std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)>> MakeKafkaConf(
    const std::map<std::string, std::string>& props, RejectedProperty* rejected) {
  std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)> conf(rd_kafka_conf_new(), rd_kafka_conf_destroy);
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      if (rejected != nullptr) *rejected = {k, err};
      return Status::Invalid("kafka property \"" + k + "\": " + err);
    }
  }
  RouteKafkaLogs(conf.get());
  return conf;
}

std::map<std::string, std::string> ConsumerProperties(const KafkaSettings& settings) {
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", settings.brokers},
      {"group.id", settings.group_id},
      {"client.id", "slamon"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.partition.eof", "true"},
      {"max.poll.interval.ms", "300000"},
      {"statistics.interval.ms", "1000"},  // broker states for KafkaHealth (slamon_kafka_brokers_up)
  };
  for (const auto& [k, v] : settings.properties) props[k] = v;
  return props;
}

std::optional<RejectedProperty> CheckConsumerProperties(const KafkaSettings& settings) {
  RejectedProperty rejected;
  if (MakeKafkaConf(ConsumerProperties(settings), &rejected).ok()) return std::nullopt;
  return rejected;
}

Message::Message(KafkaMessagePtr m) : msg_(std::move(m)) {
  // librdkafka parses headers only when asked; a message without any
  // answers NOENT at once, so plain messages pay one call and no copy.
  rd_kafka_headers_t* hdrs = nullptr;
  if (!msg_ || rd_kafka_message_headers(msg_.get(), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || hdrs == nullptr) return;
  const size_t n = rd_kafka_header_cnt(hdrs);
  headers_.reserve(n);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; i < n && rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    headers_.push_back({name,
                        value != nullptr ? std::string_view(static_cast<const char*>(value), size) : std::string_view(),
                        value != nullptr});
  }
}

Message Message::Owned(std::string topic, int32_t partition, int64_t offset, std::string payload) {
  Message m;
  m.owned_ = std::make_unique<OwnedParts>(OwnedParts{std::move(topic), partition, offset, std::move(payload)});
  return m;
}

std::string_view Message::topic() const {
  // Both arms as views: a `const char*` : `std::string` conditional would be a
  // temporary string, and the view would dangle.
  return msg_ ? std::string_view(rd_kafka_topic_name(msg_->rkt)) : std::string_view(owned_->topic);
}
int32_t Message::partition() const { return msg_ ? msg_->partition : owned_->partition; }
int64_t Message::offset() const { return msg_ ? msg_->offset : owned_->offset; }
std::string_view Message::payload() const {
  if (!msg_) return owned_->payload;
  return msg_->payload ? std::string_view(static_cast<const char*>(msg_->payload), msg_->len) : std::string_view();
}

StatusOr<std::unique_ptr<KafkaSource>> KafkaSource::Create(const KafkaSettings& settings, OffsetLookup lookup,
                                                           FlushBeforeRevoke flush) {
  std::unique_ptr<KafkaSource> src(new KafkaSource());
  src->settings_ = settings;
  src->lookup_ = std::move(lookup);
  src->flush_ = std::move(flush);

  GET_OR_RET(auto conf, MakeKafkaConf(ConsumerProperties(settings)));
  TrackKafkaStatistics(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), src.get());
  rd_kafka_conf_set_rebalance_cb(
      conf.get(), [](rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
        RebalanceCb(rk, err, parts, opaque);
      });
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Status::Invalid(std::string("cannot create Kafka consumer: ") + err);
  static_cast<void>(conf.release());  // owned by rk now
  src->rk_.reset(rk);
  rd_kafka_poll_set_consumer(rk);
  return src;
}

Status KafkaSource::Subscribe() {
  PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(settings_.topics.size())));
  for (const auto& t : settings_.topics)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(rk_.get(), topics.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Invalid(std::string("cannot subscribe: ") + rd_kafka_err2str(e));
  }
  Log("kafka")->info("consumer group \"{}\" subscribed to {} at {}", settings_.group_id,
                     fmt::join(settings_.topics, ","), settings_.brokers);
  return Status::OK();
}

KafkaSource::~KafkaSource() { Close(); }

void KafkaSource::Close() {
  if (closed_ || !rk_) return;
  closed_ = true;
  if (auto e = rd_kafka_consumer_close(rk_.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log("kafka")->warn("consumer close: {}", rd_kafka_err2str(e));
  }
}

void KafkaSource::RebalanceCb(rd_kafka_s* /*rk*/, int err, rd_kafka_topic_partition_list_s* parts, void* opaque) {
  // Never let an exception leave a librdkafka callback.
  try {
    static_cast<KafkaSource*>(opaque)->OnRebalance(err, parts);
  } catch (const std::exception& e) {
    Log("kafka")->critical("rebalance handling failed: {}", e.what());
  }
}

void KafkaSource::OnRebalance(int err, rd_kafka_topic_partition_list_s* parts) {
  rd_kafka_t* rk = rk_.get();
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  auto log = Log("kafka");
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < parts->cnt; ++i) {
      auto& p = parts->elems[i];
      const int64_t next = lookup_(p.topic, p.partition);
      p.offset = next >= 0 ? next : RD_KAFKA_OFFSET_BEGINNING;
      assigned_.emplace(p.topic, p.partition);
      at_eof_.erase({p.topic, p.partition});
      const LogFields fields{{"topic", p.topic}, {"partition", p.partition}};
      log->info("assigned {}[{}], resuming at {}", p.topic, p.partition,
                next >= 0 ? std::to_string(next) : std::string("the beginning"));
    }
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) {
        log->error("incremental assign failed: {}", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else if (auto e = rd_kafka_assign(rk, parts); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log->error("assign failed: {}", rd_kafka_err2str(e));
    }
    if (paused_) rd_kafka_pause_partitions(rk, parts);  // the store is refusing writes: fetch nothing new
    ++generation_;
    return;
  }
  // Revoked or lost: store what was gathered first. Even for lost partitions
  // storing is right: the store is ours, its offsets move with the events.
  if (pending_ != nullptr && !pending_->empty()) {
    flush_(*pending_);
    pending_->clear();
  }
  for (int i = 0; i < parts->cnt; ++i) {
    assigned_.erase({parts->elems[i].topic, parts->elems[i].partition});
    at_eof_.erase({parts->elems[i].topic, parts->elems[i].partition});
    const LogFields fields{{"topic", parts->elems[i].topic}, {"partition", parts->elems[i].partition}};
    log->info("revoked {}[{}]", parts->elems[i].topic, parts->elems[i].partition);
  }
  if (cooperative) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) {
      log->error("incremental unassign failed: {}", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
  } else {
    rd_kafka_assign(rk, nullptr);
  }
  ++generation_;
}

void KafkaSource::PauseAll() {
  paused_ = true;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
  for (const auto& [t, p] : assigned_) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), p);
  if (list->cnt == 0) return;
  if (auto e = rd_kafka_pause_partitions(rk_.get(), list.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log("kafka")->warn("pause: {}", rd_kafka_err2str(e));
  }
}

void KafkaSource::ResumeAt(const OffsetLookup& lookup) {
  paused_ = false;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
  for (const auto& [t, p] : assigned_) {
    const int64_t next = lookup(t, p);
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), p)->offset = next >= 0 ? next : RD_KAFKA_OFFSET_BEGINNING;
    at_eof_.erase({t, p});
  }
  if (list->cnt == 0) return;
  if (auto e = rd_kafka_resume_partitions(rk_.get(), list.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log("kafka")->warn("resume: {}", rd_kafka_err2str(e));
  }
  // Messages fetched (and dropped) while paused were never stored: fetch
  // them again from where the store stands.
  if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_.get(), list.get(), 10000)) {
    Log("kafka")->error("seek after resume: {}", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  }
}

PollStatus KafkaSource::Poll(std::vector<Message>* batch) {
  batch->clear();
  if (fatal_) return PollStatus::kFatal;
  pending_ = batch;
  const auto deadline = std::chrono::steady_clock::now() + settings_.batch_max_wait;
  size_t bytes = 0;
  while (static_cast<int>(batch->size()) < settings_.batch_max_messages && bytes < settings_.batch_max_bytes) {
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (remaining <= 0) break;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(remaining));
    if (m == nullptr) continue;
    KafkaMessagePtr owned(m);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_eof_.emplace(rd_kafka_topic_name(m->rkt), m->partition);
      if (AllAssignedAtEof()) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        fatal_ = true;
        break;
      }
      Log("kafka")->warn("consume error: {}", rd_kafka_message_errstr(m));
      continue;
    }
    at_eof_.erase({rd_kafka_topic_name(m->rkt), m->partition});
    bytes += m->len;
    batch->emplace_back(std::move(owned));
  }
  pending_ = nullptr;
  if (fatal_) return PollStatus::kFatal;
  return batch->empty() ? PollStatus::kIdle : PollStatus::kMessages;
}

void KafkaSource::CommitForVisibility(const std::map<std::pair<std::string, int32_t>, int64_t>& next_offsets) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
  for (const auto& [tp, next] : next_offsets) {
    if (!assigned_.count(tp)) continue;
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = next;
  }
  if (list->cnt == 0) return;
  if (auto e = rd_kafka_commit(rk_.get(), list.get(), /*async=*/1); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log("kafka")->debug("offset commit (for lag visibility only): {}", rd_kafka_err2str(e));
  }
}

bool KafkaSource::AllAssignedAtEof() const {
  if (assigned_.empty()) return false;
  for (const auto& tp : assigned_) {
    if (!at_eof_.count(tp)) return false;
  }
  return true;
}

int64_t KafkaSource::HighWatermark(const std::string& topic, int32_t partition) const {
  int64_t lo = -1, hi = -1;
  if (rd_kafka_get_watermark_offsets(rk_.get(), topic.c_str(), partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  return hi;
}

StatusOr<std::unique_ptr<EmbeddedKafka>> EmbeddedKafka::Start(const std::vector<std::string>& topics, int partitions) {
  std::unique_ptr<EmbeddedKafka> ek(new EmbeddedKafka());
  GET_OR_RET(auto conf, MakeKafkaConf({{"client.id", "slamon-embedded"}}));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Status::Invalid(std::string("cannot create the embedded Kafka handle: ") + err);
  static_cast<void>(conf.release());  // owned by rk now
  ek->rk_.reset(rk);
  auto* mc = rd_kafka_mock_cluster_new(rk, 1);
  if (mc == nullptr) return Status::Unavailable("cannot start librdkafka's mock cluster");
  ek->mcluster_ = mc;
  for (const auto& t : topics) {
    if (auto e = rd_kafka_mock_topic_create(mc, t.c_str(), partitions, 1); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable("embedded Kafka: cannot create topic " + t + ": " + rd_kafka_err2str(e));
    }
  }
  ek->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mc);
  Log("kafka")->info("embedded Kafka (librdkafka mock cluster) at {} with {} partition(s) per topic", ek->bootstrap_,
                     partitions);
  return ek;
}

EmbeddedKafka::~EmbeddedKafka() {
  if (mcluster_ != nullptr) rd_kafka_mock_cluster_destroy(static_cast<rd_kafka_mock_cluster_t*>(mcluster_));
}

}  // namespace slamon::events
