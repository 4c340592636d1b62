// `slamon produce`: writes generated events to a Kafka topic (demo data, benchmarks).
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

void AddProduceCommand(CLI::App& app);

}  // namespace slamon::daemon
