// slamon's JSON-lines output (`replay`, `accounts`, `export`) read back in
// tests. Header-only: nlohmann_json is linked by every test.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace slamon::testing {

/// One JSON value per non-empty line of `text`; throws on a line that is not JSON.
inline std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

/// The first_response records of `slamon replay` output, by ticket id.
inline std::map<std::string, nlohmann::json> FirstResponsesByTicket(const std::string& replay_out) {
  std::map<std::string, nlohmann::json> out;
  for (const nlohmann::json& j : JsonLines(replay_out)) {
    if (j.at("metric") == "first_response") out[j.at("ticket_id").get<std::string>()] = j;
  }
  return out;
}

}  // namespace slamon::testing
