// The daemon under test: `slamon run` as a child process, its config, its
// log, and the HTTP port it announces. Every wait is bounded and, when it runs
// out or the daemon exits, fails the test with the tail of the log.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace slamon::testing {

/// Writes `dir`/slamon.yaml for a real broker (store in `dir`/store, HTTP on
/// 127.0.0.1:0) and returns its path. `kafka_extra` continues the kafka:
/// section (or starts the next ones); the file ends with the http: section.
std::string WriteConfig(const std::string& dir, const std::string& brokers, const std::string& topic,
                        const std::string& group, const std::string& kafka_extra = "");
/// The calendars: and policies: sections of a daemon config file, as YAML text.
std::string SlaSectionsOf(const std::string& config_path);
/// The port of the first "metrics at http(s)://127.0.0.1:PORT/metrics" in `log_text`, 0 if none.
int PortIn(const std::string& log_text);
/// `slamon produce --brokers BROKERS --topic TOPIC --count COUNT`, then the
/// words of `extra` ("--accounts 20 --seed 3"): a command line for Process or RunCapture.
std::vector<std::string> ProduceCommand(const std::string& brokers, const std::string& topic, int64_t count,
                                        const std::string& extra = "");

/// `slamon run --config CONFIG --exit-on-eof` to its end, its output appended
/// to `log`; false (and a test failure with the log's tail) unless it exits 0
/// within `timeout`.
bool RunToEof(const std::string& config, const std::string& log,
              std::chrono::milliseconds timeout = std::chrono::seconds(120));

/// `slamon run --config CONFIG ARGS...` with stdout and stderr appended to a
/// log. Start() after an exit (or a kill) restarts it with the same config
/// and log; port(), Ready() and the metrics are those of the current run.
/// Killed (SIGKILL) on destruction if still running. Not thread-safe.
class DaemonProcess {
 public:
  DaemonProcess(std::string config, std::string log);
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  /// Starts the daemon (a previous run must have exited or been killed).
  void Start(const std::vector<std::string>& args = {});
  bool Running();
  void Signal(int sig);
  /// The exit code (128+signal when killed) within `timeout`, nullopt while it still runs.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  /// SIGTERM, then Wait(timeout).
  std::optional<int> Stop(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// The HTTP port the current run announced in the log, 0 until then.
  int port();
  /// Waits for port(); on exit or timeout fails the test and returns 0.
  int WaitPort(std::chrono::milliseconds timeout);
  /// GET /readyz of the current run answers 200.
  bool Ready();
  /// Waits for Ready(); on exit or timeout fails the test and returns false.
  bool WaitReady(std::chrono::milliseconds timeout);
  /// GET /metrics of the current run, "" before the port is known or without an answer.
  std::string Metrics();
  /// The sum of the samples of `metric` on /metrics, -1 without a scrape.
  double Metric(const std::string& metric);
  /// Polls Metric(metric) until `want` holds and returns that value; on exit
  /// or timeout fails the test (saying `wanted`) and returns the last value.
  double WaitMetric(const std::string& metric, const std::function<bool(double)>& want,
                    std::chrono::milliseconds timeout, const std::string& wanted = "as expected");
  /// WaitMetric until the value is at least `at_least`.
  double WaitMetric(const std::string& metric, double at_least, std::chrono::milliseconds timeout);

  /// The end of the log, for failure messages.
  std::string Tail(size_t bytes = 4000) const;
  const std::string& config() const { return config_; }
  const std::string& log() const { return log_; }
  /// The current run (nullptr before Start()).
  Process* process() { return process_.get(); }

 private:
  std::string config_, log_;
  std::unique_ptr<Process> process_;
  size_t log_offset_ = 0;  // where the current run's output starts in the log
  int port_ = 0;
};

}  // namespace slamon::testing
