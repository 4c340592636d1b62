#include "daemon/config/config_error.h"

#include <utility>

namespace slamon::config {
namespace {

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(const std::string& problem) : std::runtime_error(problem), problems_{problem} {}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(JoinLines(problems)), problems_(std::move(problems)) {}

}  // namespace slamon::config
