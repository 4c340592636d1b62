// Child processes for tests: a long-running one with its output in a log file
// (Process), and one run to completion with its output captured (RunCapture),
// both bounded by timeouts; RunSlamon runs the slamon binary under test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace slamon::testing {

/// A child process (argv[0] a path) with stdout+stderr appended to a log
/// file and stdin from /dev/null; killed (SIGKILL) on destruction if still running.
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

/// The slamon binary under test (this build's).
std::string SlamonBinary();
/// RunCapture of the slamon binary under test with `args`.
RunResult RunSlamon(const std::vector<std::string>& args, const std::string& dir,
                    std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace slamon::testing
