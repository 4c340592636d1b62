#include "projections/sla/sla_config_yaml.h"

#include <date/date.h>

#include <algorithm>

namespace slamon::projections::detail {

Status KeyName(const YAML::Node& key, const std::string& field, const Errors& err, std::string* out) {
  if (!key.IsScalar()) return err.At(key, field, "a key must be a plain name, not a list or a mapping");
  *out = key.Scalar();
  return Status::OK();
}

std::string Shape(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  return "nothing";
}

bool ScalarString(const YAML::Node& node, std::string* out) {
  if (!node.IsDefined() || !node.IsScalar()) return false;
  *out = node.Scalar();
  return true;
}

Status CheckKeys(const YAML::Node& map, const std::string& field, std::initializer_list<std::string_view> allowed,
                 const Errors& err) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key;
    SLAMON_RETURN_IF_ERROR(KeyName(it->first, field, err, &key));
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return err.At(it->first, field, "unknown field '" + key + "'");
    }
  }
  return Status::OK();
}

Status StringList(const YAML::Node& node, const std::string& field, const Errors& err, std::vector<std::string>* out) {
  out->clear();
  if (node.IsScalar()) {
    out->push_back(node.Scalar());
    return Status::OK();
  }
  if (!node.IsSequence()) return err.At(node, field, "expected a list");
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar()) return err.At(node[i], field + "[" + std::to_string(i) + "]", "expected a string");
    out->push_back(node[i].Scalar());
  }
  return Status::OK();
}

std::optional<int32_t> ParseClock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (size_t i : {0u, 1u, 3u, 4u}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 3600 + m * 60;
}

Status ParseIntervals(const YAML::Node& node, const std::string& field, const Errors& err,
                      std::vector<LocalHours>* hours) {
  std::vector<std::string> items;
  SLAMON_RETURN_IF_ERROR(StringList(node, field, err, &items));
  for (size_t i = 0; i < items.size(); ++i) {
    const YAML::Node item = node.IsSequence() ? node[i] : node;
    const std::string item_field = field + "[" + std::to_string(i) + "]";
    const std::string& text = items[i];
    auto dash = text.find('-');
    auto start = dash == std::string::npos ? std::nullopt : ParseClock(std::string_view(text).substr(0, dash));
    auto end = dash == std::string::npos ? std::nullopt : ParseClock(std::string_view(text).substr(dash + 1));
    if (!start || !end || *start == 86400) {
      return err.At(item, item_field, "bad hours '" + text + "' (expected HH:MM-HH:MM)");
    }
    if (*end <= *start) return err.At(item, item_field, "inverted or empty hours '" + text + "'");
    hours->push_back({*start, *end});
  }
  std::sort(hours->begin(), hours->end(), [](const LocalHours& a, const LocalHours& b) { return a.start < b.start; });
  for (size_t i = 1; i < hours->size(); ++i) {
    if ((*hours)[i].start < (*hours)[i - 1].end) return err.At(node, field, "overlapping hours");
  }
  return Status::OK();
}

std::optional<int32_t> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  size_t parts[3][2] = {{0, 4}, {5, 7}, {8, 10}};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = parts[p][0]; i < parts[p][1]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v[p] = v[p] * 10 + (s[i] - '0');
    }
  }
  date::year_month_day ymd{date::year{v[0]}, date::month{static_cast<unsigned>(v[1])},
                           date::day{static_cast<unsigned>(v[2])}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days(ymd).time_since_epoch().count();
}

}  // namespace slamon::projections::detail
