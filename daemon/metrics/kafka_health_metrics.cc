#include "daemon/metrics/kafka_health_metrics.h"

#include <string>

#include "events/kafka/kafka_health.h"

namespace slamon::daemon {

KafkaHealthMetrics::KafkaHealthMetrics(prometheus::Registry& registry)
    : brokers_up_(&prometheus::BuildGauge()
                       .Name("slamon_kafka_brokers_up")
                       .Help("Brokers the Kafka consumer holds an open connection to; 0 while none is reachable "
                             "(librdkafka keeps reconnecting), -1 before the first statistics.")
                       .Register(registry)
                       .Add({})),
      errors_(&prometheus::BuildCounter()
                   .Name("slamon_kafka_errors_total")
                   .Help("Kafka client errors reported by librdkafka, by error name.")
                   .Register(registry)) {
  // The errors of a broker outage exist from start-up (zero, not missing);
  // any other code appears when it first happens (librdkafka's names are a closed set).
  for (const char* code : {"transport", "all_brokers_down", "resolve", "timed_out"}) errors_->Add({{"code", code}});
  auto& health = events::KafkaHealth::Process();
  brokers_up_->Set(health.brokers_up());
  token_ = health.Subscribe({
      .on_brokers_up = [this](int up) { brokers_up_->Set(up); },
      .on_error =
          [this](std::string_view code) {
            errors_->Add({{"code", std::string(code)}}).Increment();
          },
  });
}

KafkaHealthMetrics::~KafkaHealthMetrics() { events::KafkaHealth::Process().Unsubscribe(token_); }

}  // namespace slamon::daemon
