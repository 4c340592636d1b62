// The one shape of a configuration problem, for every file slamon reads (the
// daemon config, the web config, the bridge config and its sources, the
// projections' sections):
//
//   FILE:LINE: section.key: problem
//
// LINE is 1-based. A value given on the command line (`--set section.key=v`)
// has no line in the file; it is reported as `--set:N` (the N-th --set) in
// place of FILE:LINE. Problems with the file as a whole (unreadable, not
// YAML, empty) name only the file: there is no key to point at.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace slamon::config {

/// "WHERE: FIELD: PROBLEM", WHERE being "FILE:LINE" or "--set:N".
std::string FormatProblem(std::string_view where, std::string_view field, std::string_view problem);

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
