// The built-in generator's thread for the demo: feeds the embedded Kafka,
// paced to the wall clock so that SLA clocks behave like production. Stopped
// and joined on destruction, so no path out of the daemon leaves it joinable.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "daemon/config/daemon_config.h"

namespace slamon::daemon {

class GeneratorThread {
 public:
  GeneratorThread() = default;
  ~GeneratorThread() { Stop(); }
  GeneratorThread(const GeneratorThread&) = delete;
  GeneratorThread& operator=(const GeneratorThread&) = delete;

  void Start(const GeneratorSettings& settings, const std::string& brokers, const std::string& topic);
  void Stop();

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace slamon::daemon
