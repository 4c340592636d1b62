// The bridge's own Prometheus series (served on its /metrics):
//   slamon_bridge_requests_total{source,outcome}   every webhook request by its answer
//   slamon_bridge_signature_failures_total{source}  requests refused as not authentic
//   slamon_bridge_signature_matches_total{source,secret}  authentic requests by the
//                                                   position of the secret that verified them
//   slamon_bridge_mapping_errors_total{source}      payloads that could not become valid events
//   slamon_bridge_events_produced_total{source}     events acknowledged by Kafka
//   slamon_bridge_produce_latency_seconds            produce-to-acknowledgement time per event
//   slamon_bridge_kafka_errors_total                 failed deliveries and requests answered 503
//   slamon_bridge_producer_recreated_total           producers recreated after a fatal error
//   slamon_bridge_producer_recreating                1 while the producer is being recreated
//   slamon_bridge_events_resent_total                events re-sent by a recreated producer
//   slamon_bridge_config_reloads_total{result}       config reloads, success or failure
//   slamon_bridge_config_last_reload_successful, …_success_timestamp_seconds,
//   slamon_bridge_config_restart_required            as the daemon's slamon_config_* gauges
// Every {source, outcome} and {source, secret} series of the sources in the
// config exists from the first scrape (a reload adds those of new sources;
// a removed source keeps its series until a restart). Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace slamon::bridge {

/// How a webhook request was answered.
enum class Outcome { kAccepted, kBadSignature, kBadPayload, kUnmappable, kUnavailable, kUnknownSource };
const char* OutcomeName(Outcome o);

class BridgeMetrics {
 public:
  explicit BridgeMetrics(const std::vector<std::string>& sources);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  /// Creates the series of `source` with `secrets` secrets (idempotent).
  void AddSource(const std::string& source, size_t secrets = 1);
  void Request(const std::string& source, Outcome outcome);
  /// An authentic request of `source`, verified by its secret at `position`.
  void SignatureMatched(const std::string& source, size_t position);
  /// A config load at `unix_s`: reloads count; `ok` and `restart_required` set the gauges.
  void ConfigLoaded(bool ok, bool restart_required, int64_t unix_s, bool reload = true);
  void Produced(const std::string& source, size_t events);
  void Delivery(double seconds, bool failed);
  void KafkaError();
  /// The Kafka producer is being recreated after a fatal error (true), or is back (false).
  void ProducerRecreating(bool recreating);
  /// A recreation ended with `resent` events re-sent.
  void ProducerRecreated(size_t resent);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* signature_;
  prometheus::Family<prometheus::Counter>* matches_;
  prometheus::Family<prometheus::Counter>* mapping_;
  prometheus::Family<prometheus::Counter>* produced_;
  prometheus::Histogram* latency_;
  prometheus::Counter* kafka_errors_;
  prometheus::Family<prometheus::Counter>* reloads_;
  prometheus::Gauge* last_successful_;
  prometheus::Gauge* last_success_timestamp_;
  prometheus::Gauge* restart_required_;
  prometheus::Counter* recreated_;
  prometheus::Gauge* recreating_;
  prometheus::Counter* resent_;
};

}  // namespace slamon::bridge
