// Helpers for tests against a real Kafka broker and the slamon binary.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slamon::testing {

/// SLAMON_TEST_BROKERS, or empty (the caller skips loudly).
std::string TestBrokers();
/// `n` times SLAMON_TEST_SCALE (a factor in (0, 1], default 1), at least
/// `at_least`: scripts/sanitize runs the integration tests smaller under
/// ThreadSanitizer, where everything is several times slower.
int64_t Scaled(int64_t n, int64_t at_least = 1);
/// A topic name unique to this process and call.
std::string UniqueName(const std::string& prefix);
/// Creates a topic (idempotent). Aborts the test on failure.
void CreateTopic(const std::string& brokers, const std::string& topic, int partitions);
/// High watermark per partition.
std::map<int32_t, int64_t> EndOffsets(const std::string& brokers, const std::string& topic, int partitions);

struct RawMessage {
  int32_t partition;
  int64_t offset;
  std::string key, value;
};
/// Every message of the topic from offset 0 to the current ends.
std::vector<RawMessage> ReadTopic(const std::string& brokers, const std::string& topic, int partitions);
/// Produces raw messages (key, value) and waits for delivery.
void ProduceRaw(const std::string& brokers, const std::string& topic,
                const std::vector<std::pair<std::string, std::string>>& messages);

/// A message with headers; a header whose value is nullopt is sent without a value.
struct HeaderedMessage {
  std::string key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};
/// Produces messages with their headers (librdkafka directly) and waits for
/// delivery. An empty value is sent as no value (a tombstone).
void ProduceWithHeaders(const std::string& brokers, const std::string& topic,
                        const std::vector<HeaderedMessage>& messages);

/// A child process (the slamon binary) with stdout+stderr to a log file.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::string& log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int sig);
  /// Waits up to `timeout`; returns the exit code (128+signal when killed),
  /// or nullopt on timeout (the process keeps running).
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  /// Peak RSS in KiB of the exited child (from wait4), 0 if unknown.
  long max_rss_kib() const { return max_rss_kib_; }
  /// User + system CPU seconds of the exited child (from wait4), 0 if unknown.
  double cpu_seconds() const { return cpu_seconds_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  long max_rss_kib_ = 0;
  double cpu_seconds_ = 0;
};

/// Writes a daemon config for a real broker and returns its path.
std::string WriteConfig(const std::string& dir, const std::string& brokers, const std::string& topic,
                        const std::string& group, const std::string& kafka_extra = "");
/// The calendars: and policies: sections of a daemon config file, as YAML text.
std::string SlaSectionsOf(const std::string& config_path);
/// Occurrences of `needle` in a file (0 when it does not exist).
size_t CountInFile(const std::string& path, const std::string& needle);
/// The tail of a log file, for failure messages.
std::string Tail(const std::string& path, size_t bytes = 4000);
/// GET http://127.0.0.1:port/path; empty on failure.
std::string HttpGet(int port, const std::string& path);
/// The sum of all samples of `metric` in a Prometheus text exposition.
double SumMetric(const std::string& exposition, const std::string& metric);
/// Reads "slamon: metrics at http://127.0.0.1:PORT/metrics" from a log; 0 until it appears.
int PortFromLog(const std::string& log_path);

}  // namespace slamon::testing

namespace slamon::testing {

/// A finished child process: exit code (128+signal when killed, -1 on a spawn
/// failure or timeout) and what it wrote to stdout and stderr, apart.
struct RunResult {
  int code = -1;
  std::string out, err;
};
/// Runs `args` (argv[0] a path) to completion, at most `timeout` (then it is
/// killed and code is -1); stdout and stderr go through files in `dir`.
RunResult RunCapture(const std::vector<std::string>& args, const std::string& dir,
                     std::chrono::milliseconds timeout = std::chrono::seconds(120));

#ifdef SLAMON_BINARY
/// RunCapture of the slamon binary under test with `args`.
inline RunResult RunSlamon(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> argv = {SLAMON_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCapture(argv, dir);
}
#endif

/// An HTTP response: status 0 when no response came.
struct HttpResult {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  ///< as httplib gives them (case-insensitive lookup there)
  /// The value of header `name` (case-insensitive), "" when absent.
  std::string Header(const std::string& name) const;
};
/// GET http://127.0.0.1:port/path with its status and headers.
HttpResult HttpGetFull(int port, const std::string& path);

}  // namespace slamon::testing
