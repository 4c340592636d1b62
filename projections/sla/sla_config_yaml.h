// YAML helpers shared by the SLA config loader (sla_config.cc): error
// messages in the one config problem shape ("FILE:LINE: field: problem"),
// and the small scalar parsers.
// Internal to projections/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/config_position.h"
#include "events/common/status.h"
#include "projections/core/calendar.h"

namespace slamon::projections::detail {

/// Builds "FILE:LINE: field: message" errors (events/common/config_position.h),
/// placing nodes that came from a --set option as "--set:N".
class Errors {
 public:
  explicit Errors(const ConfigPositions& where) : where_(where) {}
  Status At(const YAML::Node& node, const std::string& field, const std::string& msg) const {
    return Status::Invalid(where_.Problem(node, field, msg));
  }

 private:
  const ConfigPositions& where_;
};

/// A mapping key as a name. yaml-cpp accepts lists and mappings as keys
/// (`? [a, b] : 1`); no setting has one, so they are reported, not read as "".
Status KeyName(const YAML::Node& key, const std::string& field, const Errors& err, std::string* out);
/// How a node that should have been a scalar looks, for error messages.
std::string Shape(const YAML::Node& node);
/// The scalar text of `node`; false when it is missing or not a scalar.
bool ScalarString(const YAML::Node& node, std::string* out);
/// An error naming the first key of `map` not in `allowed`.
Status CheckKeys(const YAML::Node& map, const std::string& field, std::initializer_list<std::string_view> allowed,
                 const Errors& err);
/// A scalar or a sequence of scalars, as strings.
Status StringList(const YAML::Node& node, const std::string& field, const Errors& err, std::vector<std::string>* out);
/// "HH:MM" with HH 00..24 (24 only as 24:00), as seconds since midnight.
std::optional<int32_t> ParseClock(std::string_view s);
/// A list of "HH:MM-HH:MM" intervals appended to *hours and sorted;
/// inverted or overlapping intervals are errors.
Status ParseIntervals(const YAML::Node& node, const std::string& field, const Errors& err,
                      std::vector<LocalHours>* hours);
/// "YYYY-MM-DD" as days since 1970-01-01; nullopt when malformed.
std::optional<int32_t> ParseDate(std::string_view s);

}  // namespace slamon::projections::detail
