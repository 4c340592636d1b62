#include "daemon/host/generator_thread.h"

#include <ctime>

#include "events/common/logging.h"
#include "events/demo/generator.h"
#include "events/kafka/producer.h"

namespace slamon::daemon {

void GeneratorThread::Start(const GeneratorSettings& g, const std::string& brokers, const std::string& topic) {
  thread_ = std::thread([this, g, brokers, topic] {
    auto producer = events::EventProducer::Create(brokers);
    if (!producer.ok()) {
      Log("generator")->error("{}", producer.status().message());
      return;
    }
    events::GeneratorOptions go;
    go.accounts = g.accounts;
    go.seed = g.seed;
    go.malformed_fraction = g.malformed_fraction;
    go.duplicate_fraction = g.duplicate_fraction;
    go.seconds_per_event = 1.0 / g.rate;
    go.start_time = static_cast<int64_t>(std::time(nullptr));
    events::Generator gen(go);
    events::ProduceStats stats;
    Log("generator")->info("built-in generator: {} accounts, {:.0f} events/s into {}", g.accounts, g.rate, topic);
    Status s = (*producer)->Run(topic, gen, -1, g.rate, stop_, &stats);
    if (!s.ok()) Log("generator")->warn("stopped: {}", s.message());
  });
}

void GeneratorThread::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace slamon::daemon
