// A rejected configuration file: every problem found, each in the one shape
// of events/common/config_position.h ("FILE:LINE: section.key: problem").
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace slamon::config {

/// A rejected configuration. what() is every problem, one per line, in the
/// order they were found; problems() lists them one by one.
class ConfigError : public std::runtime_error {
 public:
  /// One problem, already formatted.
  explicit ConfigError(const std::string& problem);
  /// Several problems (at least one), already formatted.
  explicit ConfigError(std::vector<std::string> problems);

  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace slamon::config
