// The bridge's Kafka producer: librdkafka's idempotent producer (acks=all,
// so an acknowledged event is on every in-sync replica, and retries never
// duplicate or reorder within a partition), key = account id. Deliver()
// waits for the delivery report of each event of the request, at most the
// configured time, so that the receiver answers 2xx only for events the
// broker holds. Thread-safe: requests deliver concurrently; one background
// thread serves librdkafka's callbacks.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "daemon/bridge/event_sink.h"
#include "events/kafka/kafka_source.h"

namespace slamon::bridge {

struct KafkaSinkSettings {
  std::string brokers;
  std::string topic = "slamon-events";
  /// Passed to librdkafka as is; wins over the defaults, except that
  /// enable.idempotence and acks cannot be weakened.
  std::map<std::string, std::string> properties;
  /// How long one request waits for its delivery reports before it is
  /// answered 503 (the events stay queued and may still be delivered).
  std::chrono::milliseconds delivery_wait{5000};
};

class KafkaSink : public EventSink {
 public:
  /// Called after every delivery report: latency of the event, and whether it failed.
  using DeliveryObserver = std::function<void(double seconds, bool failed)>;

  static StatusOr<std::unique_ptr<KafkaSink>> Create(KafkaSinkSettings settings, DeliveryObserver observer = nullptr);
  ~KafkaSink() override;
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  Status Deliver(const std::vector<MappedEvent>& events) override;
  std::string Unready() const override;
  /// Waits up to `timeout` for queued events (at shutdown).
  void Flush(std::chrono::milliseconds timeout);

 private:
  struct Batch;
  explicit KafkaSink(KafkaSinkSettings settings) : settings_(std::move(settings)) {}
  static void OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* m, void* opaque);
  static void OnError(rd_kafka_s* rk, int err, const char* reason, void* opaque);

  KafkaSinkSettings settings_;
  DeliveryObserver observer_;
  events::KafkaHandle rk_;
  std::atomic<bool> brokers_down_{false};
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace slamon::bridge
