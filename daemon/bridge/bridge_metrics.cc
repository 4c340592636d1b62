#include "daemon/bridge/bridge_metrics.h"

namespace slamon::bridge {
namespace {

constexpr Outcome kOutcomes[] = {Outcome::kAccepted,   Outcome::kBadSignature, Outcome::kBadPayload,
                                 Outcome::kUnmappable, Outcome::kUnavailable,  Outcome::kUnknownSource};

}  // namespace

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAccepted:
      return "accepted";
    case Outcome::kBadSignature:
      return "bad_signature";
    case Outcome::kBadPayload:
      return "bad_payload";
    case Outcome::kUnmappable:
      return "unmappable";
    case Outcome::kUnavailable:
      return "kafka_unavailable";
    case Outcome::kUnknownSource:
      return "unknown_source";
  }
  return "unknown";
}

BridgeMetrics::BridgeMetrics(const std::vector<std::string>& sources)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(&prometheus::BuildCounter()
                     .Name("slamon_bridge_requests_total")
                     .Help("Webhook requests by source and how they were answered")
                     .Register(*registry_)),
      signature_(&prometheus::BuildCounter()
                      .Name("slamon_bridge_signature_failures_total")
                      .Help("Webhook requests refused because their signature or secret did not verify")
                      .Register(*registry_)),
      matches_(&prometheus::BuildCounter()
                    .Name("slamon_bridge_signature_matches_total")
                    .Help("Authentic webhook requests by source and the position (0 = first) of the secret in its "
                          "secrets list that verified them")
                    .Register(*registry_)),
      mapping_(&prometheus::BuildCounter()
                    .Name("slamon_bridge_mapping_errors_total")
                    .Help("Webhook payloads that could not be mapped to valid slamon events")
                    .Register(*registry_)),
      produced_(&prometheus::BuildCounter()
                     .Name("slamon_bridge_events_produced_total")
                     .Help("Events acknowledged by Kafka, by source")
                     .Register(*registry_)),
      latency_(&prometheus::BuildHistogram()
                    .Name("slamon_bridge_produce_latency_seconds")
                    .Help("Time from producing an event to its acknowledgement by Kafka (acks=all)")
                    .Register(*registry_)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                     0.5, 1, 2.5, 5, 10})),
      kafka_errors_(&prometheus::BuildCounter()
                         .Name("slamon_bridge_kafka_errors_total")
                         .Help("Failed Kafka deliveries and requests answered 503 because Kafka was unavailable")
                         .Register(*registry_)
                         .Add({})),
      reloads_(&prometheus::BuildCounter()
                    .Name("slamon_bridge_config_reloads_total")
                    .Help("Config reloads (SIGHUP, POST /-/reload) by result: success or failure")
                    .Register(*registry_)),
      recreated_(&prometheus::BuildCounter()
                      .Name("slamon_bridge_producer_recreated_total")
                      .Help("Kafka producers recreated after a fatal producer error")
                      .Register(*registry_)
                      .Add({})),
      recreating_(&prometheus::BuildGauge()
                       .Name("slamon_bridge_producer_recreating")
                       .Help("1 while the Kafka producer is being recreated after a fatal error, else 0")
                       .Register(*registry_)
                       .Add({})),
      resent_(
          &prometheus::BuildCounter()
               .Name("slamon_bridge_events_resent_total")
               .Help("Events a recreated Kafka producer sent again because the failed one had not acknowledged them")
               .Register(*registry_)
               .Add({})) {
  auto gauge = [this](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add({});
  };
  last_successful_ = gauge("slamon_bridge_config_last_reload_successful",
                           "1 when the last config load (start-up or reload) succeeded, 0 when it failed");
  last_success_timestamp_ = gauge("slamon_bridge_config_last_reload_success_timestamp_seconds",
                                  "When the config was last loaded successfully (Unix seconds)");
  restart_required_ = gauge("slamon_bridge_config_restart_required",
                            "1 when the loaded config changes settings only a restart applies");
  reloads_->Add({{"result", "success"}});
  reloads_->Add({{"result", "failure"}});
  for (const std::string& s : sources) AddSource(s);
  requests_->Add({{"source", ""}, {"outcome", OutcomeName(Outcome::kUnknownSource)}});
}

void BridgeMetrics::AddSource(const std::string& source, size_t secrets) {
  for (Outcome o : kOutcomes) {
    if (o != Outcome::kUnknownSource) requests_->Add({{"source", source}, {"outcome", OutcomeName(o)}});
  }
  signature_->Add({{"source", source}});
  for (size_t i = 0; i < secrets; ++i) matches_->Add({{"source", source}, {"secret", std::to_string(i)}});
  mapping_->Add({{"source", source}});
  produced_->Add({{"source", source}});
}

void BridgeMetrics::SignatureMatched(const std::string& source, size_t position) {
  matches_->Add({{"source", source}, {"secret", std::to_string(position)}}).Increment();
}

void BridgeMetrics::ConfigLoaded(bool ok, bool restart_required, int64_t unix_s, bool reload) {
  if (reload) reloads_->Add({{"result", ok ? "success" : "failure"}}).Increment();
  last_successful_->Set(ok ? 1 : 0);
  if (!ok) return;
  last_success_timestamp_->Set(static_cast<double>(unix_s));
  restart_required_->Set(restart_required ? 1 : 0);
}

void BridgeMetrics::Request(const std::string& source, Outcome outcome) {
  requests_->Add({{"source", source}, {"outcome", OutcomeName(outcome)}}).Increment();
  if (outcome == Outcome::kBadSignature) signature_->Add({{"source", source}}).Increment();
  if (outcome == Outcome::kUnmappable) mapping_->Add({{"source", source}}).Increment();
  if (outcome == Outcome::kUnavailable) kafka_errors_->Increment();
}

void BridgeMetrics::Produced(const std::string& source, size_t events) {
  produced_->Add({{"source", source}}).Increment(static_cast<double>(events));
}

void BridgeMetrics::Delivery(double seconds, bool failed) {
  latency_->Observe(seconds);
  if (failed) kafka_errors_->Increment();
}

void BridgeMetrics::KafkaError() { kafka_errors_->Increment(); }

void BridgeMetrics::ProducerRecreating(bool recreating) { recreating_->Set(recreating ? 1 : 0); }

void BridgeMetrics::ProducerRecreated(size_t resent) {
  recreated_->Increment();
  resent_->Increment(static_cast<double>(resent));
}

}  // namespace slamon::bridge
