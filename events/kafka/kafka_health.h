// Kafka connectivity as librdkafka reports it: the brokers the consumer holds
// an open connection to (from its statistics) and client errors by name (from
// the error callback). librdkafka reconnects by itself during a broker outage;
// this only makes the outage and the recovery visible (the daemon exports it
// as slamon_kafka_brokers_up and slamon_kafka_errors_total{code}).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

struct rd_kafka_conf_s;

namespace slamon::events {

/// Process-wide, because librdkafka's callbacks know only their handle.
/// Thread-safe: the callbacks run on whichever thread polls the handle.
class KafkaHealth {
 public:
  /// The one instance of the process.
  static KafkaHealth& Process();

  /// Called on every change, under the instance's lock (so Unsubscribe
  /// waits for a running call): keep listeners short and never call back
  /// into KafkaHealth from them.
  struct Listener {
    std::function<void(int brokers_up)> on_brokers_up;
    std::function<void(std::string_view code)> on_error;
  };
  /// Registers a listener and returns its token for Unsubscribe.
  int Subscribe(Listener listener);
  void Unsubscribe(int token);

  /// A librdkafka error: counted under ErrorCode(err). "All brokers down"
  /// from a consumer also sets brokers_up to 0 at once (statistics follow
  /// only every statistics.interval.ms). An authentication or TLS failure
  /// of a consumer is kept (with `reason`) as security_failure().
  void OnError(int err, bool from_consumer, std::string_view reason = {});
  /// "Kafka authentication failed: REASON" (or "Kafka TLS handshake failed:
  /// ...") after a consumer's login was refused, until a broker connection
  /// is up again; empty otherwise. Retrying never fixes a wrong password or
  /// CA, so /readyz names it instead of a bare "no partitions assigned".
  std::string security_failure() const;
  /// A consumer's statistics JSON (librdkafka STATISTICS.md). Returns false
  /// when it cannot be read (then nothing changes).
  bool OnStatistics(std::string_view json);

  /// Distinct broker addresses the consumer holds an open connection to
  /// (librdkafka connects only to the brokers it needs); -1 before the first
  /// statistics arrived.
  int brokers_up() const;
  /// Errors counted under `code` so far.
  uint64_t errors(std::string_view code) const;

  /// librdkafka's error name in lower case without the leading underscore
  /// of local errors: "transport", "all_brokers_down", "not_coordinator".
  static std::string ErrorCode(int err);

 private:
  void SetBrokersUpLocked(int up);

  mutable std::mutex mu_;
  int brokers_up_ = -1;
  std::string security_failure_;
  std::map<std::string, uint64_t, std::less<>> errors_;
  std::map<int, Listener> listeners_;
  int next_token_ = 0;
};

/// Feeds KafkaHealth from the statistics of a consumer created from `conf`
/// (needs statistics.interval.ms > 0 to ever fire).
void TrackKafkaStatistics(rd_kafka_conf_s* conf);

}  // namespace slamon::events
