#include "daemon/config/field_rows.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace slamon::config::detail {
namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();

// A value that must be a plain scalar: reports "expected TYPE, got a list".
bool Scalar(YamlReader& r, const YAML::Node& n, const std::string& field, std::string_view type) {
  if (n.IsScalar()) return true;
  r.Problem(n, field, fmt::format("expected {}, got {}", type, YamlReader::Describe(n)));
  return false;
}

// " (unit; note)", or "" when both are empty.
std::string Suffix(const IntRange& range) {
  std::string inner = range.unit;
  if (!range.note.empty()) inner += (inner.empty() ? "" : "; ") + range.note;
  return inner.empty() ? "" : " (" + inner + ")";
}

}  // namespace

std::optional<std::string> ReadString(YamlReader& r, const YAML::Node& n, const std::string& field,
                                      const StringRule& rule) {
  if (!Scalar(r, n, field, "a string")) return std::nullopt;
  std::string value = n.Scalar();
  if (rule.check) {
    if (std::string problem = rule.check(value); !problem.empty()) {
      r.Problem(n, field, problem);
      return std::nullopt;
    }
  }
  return value;
}

std::optional<bool> ReadBool(YamlReader& r, const YAML::Node& n, const std::string& field) {
  if (!Scalar(r, n, field, "a boolean")) return std::nullopt;
  bool value = false;
  if (!YAML::convert<bool>::decode(n, value)) {
    r.Problem(n, field, fmt::format("cannot read {} as a boolean (true or false)", YamlReader::Describe(n)));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> ReadInt(YamlReader& r, const YAML::Node& n, const std::string& field, const IntRange& range) {
  if (!Scalar(r, n, field, "an integer")) return std::nullopt;
  int64_t value = 0;
  if (!YAML::convert<int64_t>::decode(n, value)) {
    r.Problem(n, field, fmt::format("cannot read {} as an integer", YamlReader::Describe(n)));
    return std::nullopt;
  }
  if (value < range.min || value > range.max) {
    r.Problem(n, field, "must be " + IntBounds(range));
    return std::nullopt;
  }
  return value;
}

std::optional<double> ReadReal(YamlReader& r, const YAML::Node& n, const std::string& field, const RealRange& range) {
  if (!Scalar(r, n, field, "a number")) return std::nullopt;
  double value = 0;
  if (!YAML::convert<double>::decode(n, value) || !std::isfinite(value)) {
    r.Problem(n, field, fmt::format("cannot read {} as a number", YamlReader::Describe(n)));
    return std::nullopt;
  }
  const bool low = range.min_open ? !(value > range.min) : !(value >= range.min);
  const bool high = range.max_open ? !(value < range.max) : !(value <= range.max);
  if (low || high) {
    r.Problem(n, field, "must be in " + RealBounds(range));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> ReadDuration(YamlReader& r, const YAML::Node& n, const std::string& field,
                                    const DurationRange& range) {
  if (!Scalar(r, n, field, "a duration")) return std::nullopt;
  const auto seconds = ParseDuration(n.Scalar());
  if (!seconds || *seconds < range.min_seconds || *seconds > range.max_seconds) {
    r.Problem(n, field,
              fmt::format("must be {}..{}, e.g. 90s, 15m, 6h, 1d or seconds", FormatDuration(range.min_seconds),
                          FormatDuration(range.max_seconds)));
    return std::nullopt;
  }
  return seconds;
}

std::optional<size_t> ReadChoice(YamlReader& r, const YAML::Node& n, const std::string& field,
                                 const std::vector<std::string>& names) {
  if (n.IsScalar()) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == n.Scalar()) return i;
    }
  }
  r.Problem(n, field, fmt::format("must be one of {}, not {}", JoinNames(names), YamlReader::Describe(n)));
  return std::nullopt;
}

std::optional<std::vector<std::string>> ReadList(YamlReader& r, const YAML::Node& n, const std::string& field,
                                                 const ListRule& rule) {
  // yaml-cpp reads a scalar "a" as a one-element list in some versions and
  // throws in others; a list setting must be written as a list.
  if (!n.IsSequence()) {
    r.Problem(n, field, fmt::format("expected a list (e.g. [a, b]), got {}", YamlReader::Describe(n)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool clean = true;
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      r.Problem(item, field, fmt::format("expected a list of strings, got {} in it", YamlReader::Describe(item)));
      clean = false;
      continue;
    }
    if (rule.item_check) {
      if (std::string problem = rule.item_check(item.Scalar()); !problem.empty()) {
        r.Problem(item, field, problem);
        clean = false;
        continue;
      }
    }
    out.push_back(item.Scalar());
  }
  if (!clean) return std::nullopt;
  if (out.size() < rule.min_items) {
    r.Problem(n, field, fmt::format("needs at least {} {}", rule.min_items, rule.item_name));
    return std::nullopt;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ReadMap(YamlReader& r, const YAML::Node& n, const std::string& field,
                                                          const MapRule& rule) {
  if (!n.IsMap()) {
    r.Problem(n, field, fmt::format("expected a mapping, got {}", YamlReader::Describe(n)));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool clean = true;
  for (const auto& kv : n) {
    const auto key = r.KeyName(kv.first, field);
    if (!key) {
      clean = false;
      continue;
    }
    const std::string entry = YamlReader::Join(field, *key);
    if (!kv.second.IsScalar()) {
      r.Problem(kv.second, entry, fmt::format("expected a plain value, got {}", YamlReader::Describe(kv.second)));
      clean = false;
      continue;
    }
    const std::string& value = kv.second.Scalar();
    if (!rule.values.empty() && std::find(rule.values.begin(), rule.values.end(), value) == rule.values.end()) {
      r.Problem(kv.second, entry, fmt::format("\"{}\" is not one of {}", value, JoinNames(rule.values)));
      clean = false;
      continue;
    }
    if (rule.check) {
      if (std::string problem = rule.check(*key, value); !problem.empty()) {
        r.Problem(kv.second, entry, problem);
        clean = false;
        continue;
      }
    }
    out[*key] = value;
  }
  if (!clean) return std::nullopt;
  return out;
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9 || text.size() > digits + 1) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i < digits; ++i) n = n * 10 + (text[i] - '0');
  if (text.size() == digits) return n;
  switch (text.back()) {
    case 's':
      return n;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    default:
      return std::nullopt;
  }
}

std::string FormatDuration(int64_t seconds) {
  if (seconds == 0) return "0s";
  std::string out;
  if (seconds < 0) {
    out = "-";
    seconds = -seconds;
  }
  for (auto [unit, size] : {std::pair{'d', 86400}, std::pair{'h', 3600}, std::pair{'m', 60}, std::pair{'s', 1}}) {
    if (seconds >= size) {
      out += fmt::format("{}{}", seconds / size, unit);
      seconds %= size;
    }
  }
  return out;
}

std::string FormatReal(double v) {
  // Whole numbers in full ("1000000", not "1e+06"), the rest as short as exact.
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{:g}", v);
}

std::string FormatList(const std::vector<std::string>& items) { return "[" + JoinNames(items) + "]"; }

std::string FormatMap(const std::map<std::string, std::string>& items) {
  std::string out;
  for (const auto& [k, v] : items) out += (out.empty() ? "" : ", ") + k + ": " + v;
  return "{" + out + "}";
}

std::string IntBounds(const IntRange& range) {
  std::string text;
  if (range.min == kMinInt && range.max == kMaxInt) {
    text = "any integer";
  } else if (range.max == kMaxInt) {
    text = fmt::format("≥ {}", range.min);
  } else if (range.min == kMinInt) {
    text = fmt::format("≤ {}", range.max);
  } else {
    text = fmt::format("{}..{}", range.min, range.max);
  }
  return text + Suffix(range);
}

std::string RealBounds(const RealRange& range) {
  return fmt::format("{}{}, {}{}", range.min_open ? '(' : '[', FormatReal(range.min), FormatReal(range.max),
                     range.max_open ? ')' : ']');
}

std::string JoinNames(const std::vector<std::string>& names, std::string_view separator) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += separator;
    out += n;
  }
  return out;
}

}  // namespace slamon::config::detail
