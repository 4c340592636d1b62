// The Kafka connectivity metrics of the daemon, fed by events::KafkaHealth:
//   slamon_kafka_brokers_up          gauge: broker connections of the consumer
//                                    (0 during a broker outage; -1 unknown yet)
//   slamon_kafka_errors_total{code}  counter: librdkafka client errors by name
// Owned by PipelineMetrics; registered in its registry.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace slamon::daemon {

class KafkaHealthMetrics {
 public:
  explicit KafkaHealthMetrics(prometheus::Registry& registry);
  ~KafkaHealthMetrics();
  KafkaHealthMetrics(const KafkaHealthMetrics&) = delete;
  KafkaHealthMetrics& operator=(const KafkaHealthMetrics&) = delete;

 private:
  prometheus::Gauge* brokers_up_;
  prometheus::Family<prometheus::Counter>* errors_;
  int token_;
};

}  // namespace slamon::daemon
