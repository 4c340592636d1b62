#include "events/kafka/kafka_health.h"

#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include <cctype>
#include <set>

#include "events/common/logging.h"

namespace slamon::events {

KafkaHealth& KafkaHealth::Process() {
  static KafkaHealth* health = new KafkaHealth();  // never destroyed: librdkafka threads may outlive statics
  return *health;
}

int KafkaHealth::Subscribe(Listener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  const int token = next_token_++;
  listeners_.emplace(token, std::move(listener));
  return token;
}

void KafkaHealth::Unsubscribe(int token) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.erase(token);
}

std::string KafkaHealth::ErrorCode(int err) {
  std::string name = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err));
  if (!name.empty() && name.front() == '_') name.erase(0, 1);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name.empty() ? std::to_string(err) : name;
}

void KafkaHealth::OnError(int err, bool from_consumer, std::string_view reason) {
  const std::string code = ErrorCode(err);
  std::lock_guard<std::mutex> lock(mu_);
  ++errors_[code];
  if (from_consumer && err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    security_failure_ = "Kafka authentication failed: " + std::string(reason);
  } else if (from_consumer && err == RD_KAFKA_RESP_ERR__SSL) {
    security_failure_ = "Kafka TLS handshake failed: " + std::string(reason);
  }
  for (const auto& [token, l] : listeners_) {
    if (l.on_error) l.on_error(code);
  }
  if (from_consumer && err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) SetBrokersUpLocked(0);
}

bool KafkaHealth::OnStatistics(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object brokers;
  if (parser.parse(json.data(), json.size()).get_object()["brokers"].get_object().get(brokers) != simdjson::SUCCESS) {
    return false;
  }
  // The bootstrap entry and the broker learned from metadata share an
  // address; logical (coordinator) and internal entries are not connections.
  std::set<std::string_view> up;
  for (auto [name, b] : brokers) {
    std::string_view source, state, address;
    if (b["source"].get_string().get(source) != simdjson::SUCCESS ||
        b["state"].get_string().get(state) != simdjson::SUCCESS ||
        b["nodename"].get_string().get(address) != simdjson::SUCCESS) {
      continue;
    }
    if (source == "logical" || source == "internal" || state != "UP") continue;
    up.insert(address);
  }
  std::lock_guard<std::mutex> lock(mu_);
  SetBrokersUpLocked(static_cast<int>(up.size()));
  return true;
}

void KafkaHealth::SetBrokersUpLocked(int up) {
  if (up == brokers_up_) return;
  auto log = Log("kafka");
  if (up == 0 && brokers_up_ != 0) {
    log->warn("no broker connection; librdkafka keeps reconnecting");
  } else if (up > 0 && brokers_up_ == 0) {
    log->info("broker connection restored ({} broker(s) up)", up);
  }
  brokers_up_ = up;
  if (up > 0) security_failure_.clear();  // a connection is up: the login worked
  for (const auto& [token, l] : listeners_) {
    if (l.on_brokers_up) l.on_brokers_up(up);
  }
}

int KafkaHealth::brokers_up() const {
  std::lock_guard<std::mutex> lock(mu_);
  return brokers_up_;
}

std::string KafkaHealth::security_failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return security_failure_;
}

uint64_t KafkaHealth::errors(std::string_view code) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = errors_.find(code);
  return it == errors_.end() ? 0 : it->second;
}

void TrackKafkaStatistics(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_stats_cb(conf, [](rd_kafka_t* /*rk*/, char* json, size_t len, void* /*opaque*/) -> int {
    // Never let an exception leave a librdkafka callback.
    try {
      KafkaHealth::Process().OnStatistics(std::string_view(json, len));
    } catch (const std::exception& e) {
      Log("kafka")->error("statistics: {}", e.what());
    }
    return 0;  // librdkafka frees the JSON
  });
}

}  // namespace slamon::events
