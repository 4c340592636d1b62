#include "tests/support/daemon_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/files.h"
#include "tests/support/http_client.h"

namespace slamon::testing {

using Clock = std::chrono::steady_clock;

std::string WriteConfig(const std::string& dir, const std::string& brokers, const std::string& topic,
                        const std::string& group, const std::string& kafka_extra) {
  std::string path = dir + "/slamon.yaml";
  std::ofstream f(path);
  f << "store:\n  path: " << dir << "/store\n"
    << "kafka:\n  brokers: " << brokers << "\n  topics: [" << topic << "]\n  group_id: " << group << "\n"
    << kafka_extra << "http:\n  listen: 127.0.0.1:0\n";
  return path;
}

std::string SlaSectionsOf(const std::string& config_path) {
  YAML::Node root = YAML::LoadFile(config_path);
  YAML::Node out;
  out["calendars"] = root["calendars"];
  out["policies"] = root["policies"];
  YAML::Emitter e;
  e << out;
  return std::string(e.c_str()) + "\n";
}

int PortIn(const std::string& log_text) {
  static const std::regex kPortLine("metrics at https?://127\\.0\\.0\\.1:([0-9]+)/metrics");
  std::smatch m;
  if (std::regex_search(log_text, m, kPortLine)) return std::stoi(m[1]);
  return 0;
}

std::vector<std::string> ProduceCommand(const std::string& brokers, const std::string& topic, int64_t count,
                                        const std::string& extra) {
  std::vector<std::string> args = {SlamonBinary(), "produce", "--brokers", brokers,
                                   "--topic",      topic,     "--count",   std::to_string(count)};
  std::istringstream words(extra);
  for (std::string w; words >> w;) args.push_back(w);
  return args;
}

DaemonProcess::DaemonProcess(std::string config, std::string log) : config_(std::move(config)), log_(std::move(log)) {}

void DaemonProcess::Start(const std::vector<std::string>& args) {
  if (process_ && process_->Running()) ADD_FAILURE() << "Start() while the daemon still runs\n" << Tail();
  std::error_code ec;
  const auto size = std::filesystem::file_size(log_, ec);
  log_offset_ = ec ? 0 : static_cast<size_t>(size);
  port_ = 0;
  std::vector<std::string> argv = {SlamonBinary(), "run", "--config", config_};
  argv.insert(argv.end(), args.begin(), args.end());
  process_.reset();  // reaps the previous run before the next one starts
  process_ = std::make_unique<Process>(argv, log_);
}

bool DaemonProcess::Running() { return process_ && process_->Running(); }

void DaemonProcess::Signal(int sig) {
  if (process_) process_->Signal(sig);
}

std::optional<int> DaemonProcess::Wait(std::chrono::milliseconds timeout) {
  return process_ ? process_->Wait(timeout) : std::optional<int>(-1);
}

std::optional<int> DaemonProcess::Stop(std::chrono::milliseconds timeout) {
  Signal(SIGTERM);
  return Wait(timeout);
}

int DaemonProcess::port() {
  if (port_ == 0) {
    std::ifstream f(log_, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(log_offset_));
    std::string text(1 << 20, '\0');
    f.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(f.gcount()));
    port_ = PortIn(text);
  }
  return port_;
}

int DaemonProcess::WaitPort(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (port() == 0) {
    if (!Running() || Clock::now() > deadline) {
      ADD_FAILURE() << "the daemon " << (Running() ? "announced no port in time" : "exited before it announced a port")
                    << "\n"
                    << Tail();
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return port_;
}

bool DaemonProcess::Ready() { return port() != 0 && HttpGetFull(port(), "/readyz").status == 200; }

bool DaemonProcess::WaitReady(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!Ready()) {
    if (!Running() || Clock::now() > deadline) {
      ADD_FAILURE() << "/readyz never answered 200" << (Running() ? "" : " (the daemon exited)") << "\n" << Tail();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

std::string DaemonProcess::Metrics() { return port() != 0 ? HttpGet(port(), "/metrics") : std::string(); }

double DaemonProcess::Metric(const std::string& metric) {
  const std::string text = Metrics();
  return text.empty() ? -1 : SumMetric(text, metric);
}

double DaemonProcess::WaitMetric(const std::string& metric, const std::function<bool(double)>& want,
                                 std::chrono::milliseconds timeout, const std::string& wanted) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const double v = Metric(metric);
    if (want(v)) return v;
    if (!Running() || Clock::now() > deadline) {
      ADD_FAILURE() << metric << " = " << v << ", expected " << wanted << (Running() ? "" : " (the daemon exited)")
                    << "\n"
                    << Tail();
      return v;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

double DaemonProcess::WaitMetric(const std::string& metric, double at_least, std::chrono::milliseconds timeout) {
  return WaitMetric(
      metric, [at_least](double v) { return v >= at_least; }, timeout, ">= " + std::to_string(at_least));
}

bool RunToEof(const std::string& config, const std::string& log, std::chrono::milliseconds timeout) {
  DaemonProcess daemon(config, log);
  daemon.Start({"--exit-on-eof"});
  const std::optional<int> code = daemon.Wait(timeout);
  if (code == 0) return true;
  ADD_FAILURE() << "slamon run --exit-on-eof "
                << (code ? "exited " + std::to_string(*code)
                         : "still ran after " + std::to_string(timeout.count()) + " ms")
                << "\n"
                << daemon.Tail();
  return false;
}

std::string DaemonProcess::Tail(size_t bytes) const { return testing::Tail(log_, bytes); }

}  // namespace slamon::testing
