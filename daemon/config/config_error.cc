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

std::string FormatProblem(std::string_view where, std::string_view field, std::string_view problem) {
  std::string out;
  out.reserve(where.size() + field.size() + problem.size() + 4);
  out.append(where).append(": ").append(field).append(": ").append(problem);
  return out;
}

ConfigError::ConfigError(const std::string& problem) : std::runtime_error(problem), problems_{problem} {}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(JoinLines(problems)), problems_(std::move(problems)) {}

}  // namespace slamon::config
