// The bridge's Kafka producer: librdkafka's idempotent producer (acks=all,
// so an acknowledged event is on every in-sync replica, and retries never
// duplicate or reorder within a partition), key = account id. Deliver()
// waits for the delivery report of each event of the request, at most the
// configured time, so that the receiver answers 2xx only for events the
// broker holds.
//
// A fatal producer error (librdkafka's rd_kafka_fatal_error: the idempotent
// producer's out-of-order sequence, a fenced or invalid producer id, ...)
// leaves that producer unable to send anything. The sink then recreates it:
// it drains the failed producer (in-flight requests get a moment to be
// acknowledged), purges what is left, creates a new producer with the same
// settings and re-sends, in their original order, every event whose delivery
// was not reported as acknowledged. A waiting request is answered 2xx once
// the new producer delivered its events, or 503 when its wait runs out first;
// an event is never reported acknowledged unless a producer's delivery report
// said so. A re-sent event may duplicate one the broker accepted just before
// the error (its acknowledgement lost with the purge): it carries the same
// id, and the daemon stores an id once. While the producer is being
// recreated, new requests wait (within their delivery wait) and /readyz says
// why the bridge is not ready. Recreations are spaced by a backoff that
// doubles while fatal errors repeat.
//
// Thread-safe: requests deliver concurrently; one background thread serves
// librdkafka's callbacks and does the recreation.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

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
  /// The wait before recreating the producer after a fatal error when the
  /// previous recreation was recent; doubled per repeat up to the maximum.
  std::chrono::milliseconds recreate_backoff{500};
  std::chrono::milliseconds recreate_backoff_max{30000};
};

class KafkaSink : public EventSink {
 public:
  /// Called after every delivery report: latency of the event, and whether it failed.
  using DeliveryObserver = std::function<void(double seconds, bool failed)>;
  /// Observers must not call back into the sink. `delivery` runs on whichever
  /// thread serves the report; the others on the background thread.
  struct Observers {
    DeliveryObserver delivery;
    /// true when a fatal error starts a recreation, false when it ended.
    std::function<void(bool recreating)> recreating;
    /// After each successful recreation: how many events were re-sent.
    std::function<void(size_t resent)> recreated;
  };

  static StatusOr<std::unique_ptr<KafkaSink>> Create(KafkaSinkSettings settings, Observers observers = {});
  ~KafkaSink() override;
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  Status Deliver(const std::vector<MappedEvent>& events) override;
  std::string Unready() const override;
  /// Waits up to `timeout` until every event handed to the sink was reported
  /// delivered or failed, including events awaiting a recreation (at shutdown).
  void Flush(std::chrono::milliseconds timeout);
  /// How many times the producer was recreated after a fatal error.
  uint64_t recreations() const { return recreations_; }

  /// Test seam, reachable from C++ only (no setting or option leads here):
  /// raises a fabricated fatal error on the current producer
  /// (rd_kafka_test_fatal_error with an out-of-order sequence number), as the
  /// broker's idempotence checks would.
  Status InjectFatalErrorForTesting(const std::string& reason);

 private:
  struct Batch;
  struct Entry;
  explicit KafkaSink(KafkaSinkSettings settings) : settings_(std::move(settings)) {}
  StatusOr<events::KafkaHandle> NewProducer();
  static void OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* m, void* opaque);
  static void OnError(rd_kafka_s* rk, int err, const char* reason, void* opaque);
  /// Queues `e` on `rk`, waiting (bounded) for room; `serve` polls `rk`
  /// while waiting (the background thread, which serves reports itself).
  static int Produce(rd_kafka_s* rk, const std::string& topic, Entry* e, bool serve);
  /// Reports `e` delivered or failed to its request and frees it.
  void Finish(Entry* e, bool failed, const std::string& error);
  /// Puts `e` aside for the next producer, or fails it when it was re-sent too often.
  void SetAside(Entry* e);
  void PollLoop();
  /// The recreation after a fatal error (background thread).
  void Recreate();
  /// Waits out the backoff before a recreation; false when the sink stops.
  bool WaitBackoff();
  /// Drains and purges `old`, then destroys it; failed reports are set aside.
  void Retire(events::KafkaHandle old);
  /// Installs `fresh` and queues the set-aside events on it; how many.
  size_t Install(events::KafkaHandle fresh);

  KafkaSinkSettings settings_;
  Observers observers_;
  std::map<std::string, std::string> properties_;  // the producer's, kept for recreating it

  // rk_ is replaced only by the background thread, holding handle_mu_
  // exclusively; everyone else uses it holding handle_mu_ shared.
  mutable std::shared_mutex handle_mu_;
  events::KafkaHandle rk_;

  std::mutex mu_;  // guards aside_, wakes waiters on recreating_/stop_
  std::condition_variable cv_;
  std::vector<Entry*> aside_;  // not acknowledged by a failed producer: for the next one
  std::atomic<bool> recreating_{false};
  std::atomic<uint64_t> next_seq_{0};
  std::atomic<int64_t> outstanding_{0};  // entries not yet finished
  std::atomic<uint64_t> recreations_{0};
  std::chrono::steady_clock::time_point last_recreation_{};
  std::chrono::milliseconds backoff_{0};

  std::atomic<bool> brokers_down_{false};
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace slamon::bridge
