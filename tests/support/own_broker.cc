#include "tests/support/own_broker.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/process.h"

namespace slamon::testing {
namespace {

std::string LastLine(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') == std::string::npos ? 0 : s.rfind('\n') + 1);
}

}  // namespace

OwnBroker::~OwnBroker() {
  if (running_) Run("stop", 60);
}

std::string OwnBroker::Start() {
  std::string address;
  running_ = Run("start", 150, &address);
  return running_ ? address : "";
}

bool OwnBroker::Down() { return Run("down", 60); }

std::string OwnBroker::Up() {
  std::string address;
  return Run("up", 120, &address) ? address : "";
}

bool OwnBroker::Run(const std::string& verb, int timeout_seconds, std::string* last_line) {
  const RunResult r = RunCapture({std::string(SLAMON_SOURCE_DIR) + "/scripts/kafka", verb, state_}, dir_.path(),
                                 std::chrono::seconds(timeout_seconds));
  if (r.code != 0) {
    ADD_FAILURE() << "scripts/kafka " << verb << " exited " << r.code << " (-1: killed after " << timeout_seconds
                  << " s)\n"
                  << r.err;
    return false;
  }
  if (last_line != nullptr) *last_line = LastLine(r.out);
  return true;
}

}  // namespace slamon::testing
