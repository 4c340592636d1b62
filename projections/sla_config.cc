#include "projections/sla_config.h"

#include <date/date.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

namespace slamon::projections {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> kWeekdaysLong = {"sunday",   "monday", "tuesday", "wednesday",
                                                           "thursday", "friday", "saturday"};

// Builds "file:line: field: message" errors. yaml-cpp marks are 0-based.
class Errors {
 public:
  explicit Errors(const std::string& file) : file_(file) {}
  Status At(const YAML::Node& node, const std::string& field, const std::string& msg) const {
    int line = node.IsDefined() ? node.Mark().line : -1;
    std::string where = line >= 0 ? file_ + ":" + std::to_string(line + 1) : file_;
    return Status::Invalid(where + ": " + field + ": " + msg);
  }

 private:
  const std::string& file_;
};

// A mapping key as a name. yaml-cpp accepts lists and mappings as keys
// (`? [a, b] : 1`); no setting has one, so they are reported, not read as "".
Status KeyName(const YAML::Node& key, const std::string& field, const Errors& err, std::string* out) {
  if (!key.IsScalar()) return err.At(key, field, "a key must be a plain name, not a list or a mapping");
  *out = key.Scalar();
  return Status::OK();
}

// How a node that should have been a scalar looks, for error messages.
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

// A scalar or a sequence of scalars, as strings.
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

// "HH:MM" with HH 00..24 (24 only as 24:00).
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

Status ParseHours(const YAML::Node& node, const std::string& field, const Errors& err, CalendarSpec* spec) {
  if (!node.IsMap()) return err.At(node, field, "expected a map of weekday to intervals");
  std::set<size_t> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key;
    SLAMON_RETURN_IF_ERROR(KeyName(it->first, field, err, &key));
    size_t wd = 7;
    for (size_t i = 0; i < 7; ++i) {
      if (key == kWeekdays[i] || key == kWeekdaysLong[i]) wd = i;
    }
    const std::string day_field = field + "." + key;
    if (wd == 7) return err.At(it->first, day_field, "unknown weekday '" + key + "' (use mon..sun)");
    if (!seen.insert(wd).second) return err.At(it->first, day_field, "weekday given twice");
    std::vector<std::string> items;
    SLAMON_RETURN_IF_ERROR(StringList(it->second, day_field, err, &items));
    std::vector<LocalHours>& hours = spec->hours[wd];
    for (size_t i = 0; i < items.size(); ++i) {
      const YAML::Node item = it->second.IsSequence() ? it->second[i] : it->second;
      const std::string item_field = day_field + "[" + std::to_string(i) + "]";
      const std::string& text = items[i];
      auto dash = text.find('-');
      auto start = dash == std::string::npos ? std::nullopt : ParseClock(std::string_view(text).substr(0, dash));
      auto end = dash == std::string::npos ? std::nullopt : ParseClock(std::string_view(text).substr(dash + 1));
      if (!start || !end || *start == 86400) {
        return err.At(item, item_field, "bad hours '" + text + "' (expected HH:MM-HH:MM)");
      }
      if (*end <= *start) return err.At(item, item_field, "inverted or empty hours '" + text + "'");
      hours.push_back({*start, *end});
    }
    std::sort(hours.begin(), hours.end(), [](const LocalHours& a, const LocalHours& b) { return a.start < b.start; });
    for (size_t i = 1; i < hours.size(); ++i) {
      if (hours[i].start < hours[i - 1].end) return err.At(it->second, day_field, "overlapping hours");
    }
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

Status LoadCalendar(const YAML::Node& node, const std::string& field, const Errors& err, SlaConfig* config) {
  if (!node.IsMap()) return err.At(node, field, "expected a map");
  SLAMON_RETURN_IF_ERROR(CheckKeys(node, field, {"name", "timezone", "hours", "holidays"}, err));
  CalendarSpec spec;
  if (!ScalarString(node["name"], &spec.name) || spec.name.empty()) {
    return err.At(node["name"].IsDefined() ? node["name"] : node, field + ".name", "missing or not a string");
  }
  if (config->FindCalendar(spec.name)) {
    return err.At(node["name"], field + ".name", "duplicate calendar name '" + spec.name + "'");
  }
  if (!ScalarString(node["timezone"], &spec.timezone)) {
    return err.At(node["timezone"].IsDefined() ? node["timezone"] : node, field + ".timezone",
                  "missing or not a string");
  }
  if (!node["hours"].IsDefined()) return err.At(node, field + ".hours", "missing");
  SLAMON_RETURN_IF_ERROR(ParseHours(node["hours"], field + ".hours", err, &spec));
  bool any_hours = false;
  for (const auto& day : spec.hours) any_hours = any_hours || !day.empty();
  if (!any_hours) return err.At(node["hours"], field + ".hours", "calendar has no working hours");
  if (node["holidays"].IsDefined() && !node["holidays"].IsNull()) {
    std::vector<std::string> days;
    SLAMON_RETURN_IF_ERROR(StringList(node["holidays"], field + ".holidays", err, &days));
    for (size_t i = 0; i < days.size(); ++i) {
      auto day = ParseDate(days[i]);
      const YAML::Node item = node["holidays"].IsSequence() ? node["holidays"][i] : node["holidays"];
      if (!day) return err.At(item, field + ".holidays[" + std::to_string(i) + "]", "bad date '" + days[i] + "'");
      spec.holidays.push_back(*day);
    }
  }
  auto calendar = Calendar::Create(std::move(spec));
  if (!calendar.ok()) return err.At(node["timezone"], field + ".timezone", calendar.status().message());
  config->calendars.push_back(calendar.take());
  return Status::OK();
}

Status LoadTargets(const YAML::Node& node, const std::string& field, const Errors& err, SlaPolicy* policy) {
  if (!node.IsMap()) return err.At(node, field, "expected a map of metric to duration");
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key;
    SLAMON_RETURN_IF_ERROR(KeyName(it->first, field, err, &key));
    auto metric = ParseMetric(key);
    if (!metric) return err.At(it->first, field + "." + key, "unknown metric '" + key + "'");
    std::string text;
    if (!ScalarString(it->second, &text)) {
      return err.At(it->second, field + "." + key, "expected a duration (e.g. 4h), got " + Shape(it->second));
    }
    auto seconds = ParseDuration(text);
    if (!seconds) return err.At(it->second, field + "." + key, "bad duration '" + text + "'");
    if (*seconds <= 0) return err.At(it->second, field + "." + key, "target must be > 0");
    policy->targets[static_cast<size_t>(*metric)] = *seconds;
  }
  return Status::OK();
}

Status LoadPolicy(const YAML::Node& node, const std::string& field, const Errors& err, SlaConfig* config) {
  if (!node.IsMap()) return err.At(node, field, "expected a map");
  SLAMON_RETURN_IF_ERROR(
      CheckKeys(node, field, {"name", "match", "calendar", "targets", "pause_on", "pause_metrics", "warn_at"}, err));
  SlaPolicy policy;
  if (!ScalarString(node["name"], &policy.name) || policy.name.empty()) {
    return err.At(node["name"].IsDefined() ? node["name"] : node, field + ".name", "missing or not a string");
  }
  for (const SlaPolicy& p : config->policies) {
    if (p.name == policy.name) {
      return err.At(node["name"], field + ".name", "duplicate policy name '" + policy.name + "'");
    }
  }
  if (const YAML::Node match = node["match"]; match.IsDefined() && !match.IsNull()) {
    if (!match.IsMap()) return err.At(match, field + ".match", "expected a map");
    SLAMON_RETURN_IF_ERROR(CheckKeys(match, field + ".match", {"tier", "priority"}, err));
    if (match["tier"].IsDefined()) {
      SLAMON_RETURN_IF_ERROR(StringList(match["tier"], field + ".match.tier", err, &policy.match_tiers));
    }
    if (match["priority"].IsDefined()) {
      std::vector<std::string> names;
      SLAMON_RETURN_IF_ERROR(StringList(match["priority"], field + ".match.priority", err, &names));
      for (const std::string& n : names) {
        auto p = ParsePriorityName(n);
        if (!p) return err.At(match["priority"], field + ".match.priority", "unknown priority '" + n + "'");
        policy.match_priorities.push_back(*p);
      }
    }
  }
  if (node["calendar"].IsDefined()) {
    if (!ScalarString(node["calendar"], &policy.calendar_name)) {
      return err.At(node["calendar"], field + ".calendar", "expected a string");
    }
  }
  policy.calendar = config->FindCalendar(policy.calendar_name);
  if (!policy.calendar) {
    return err.At(node["calendar"], field + ".calendar", "unknown calendar '" + policy.calendar_name + "'");
  }
  if (!node["targets"].IsDefined()) return err.At(node, field + ".targets", "missing");
  SLAMON_RETURN_IF_ERROR(LoadTargets(node["targets"], field + ".targets", err, &policy));

  std::vector<std::string> names = {"pending", "on_hold"};
  if (node["pause_on"].IsDefined() && !node["pause_on"].IsNull()) {
    SLAMON_RETURN_IF_ERROR(StringList(node["pause_on"], field + ".pause_on", err, &names));
  }
  for (const std::string& n : names) {
    auto s = ParseTicketStatusName(n);
    if (!s) return err.At(node["pause_on"], field + ".pause_on", "unknown status '" + n + "'");
    policy.pause_on[static_cast<size_t>(*s)] = true;
  }
  names = {"resolution", "next_response"};
  if (node["pause_metrics"].IsDefined() && !node["pause_metrics"].IsNull()) {
    SLAMON_RETURN_IF_ERROR(StringList(node["pause_metrics"], field + ".pause_metrics", err, &names));
  }
  for (const std::string& n : names) {
    auto m = ParseMetric(n);
    if (!m) return err.At(node["pause_metrics"], field + ".pause_metrics", "unknown metric '" + n + "'");
    policy.pause_metrics[static_cast<size_t>(*m)] = true;
  }
  if (node["warn_at"].IsDefined()) {
    std::string text;
    char* end = nullptr;
    double v = ScalarString(node["warn_at"], &text) ? std::strtod(text.c_str(), &end) : 0.0;
    if (text.empty() || end != text.c_str() + text.size() || !(v > 0.0 && v <= 1.0)) {
      return err.At(node["warn_at"], field + ".warn_at", "must be a number in (0, 1], got '" + text + "'");
    }
    policy.warn_at = v;
  }
  for (int m = 0; m < kMetricCount; ++m) {
    if (policy.targets[m]) {
      policy.warn_seconds[m] =
          static_cast<int64_t>(std::ceil(policy.warn_at * static_cast<double>(*policy.targets[m])));
    }
  }
  config->policies.push_back(std::move(policy));
  return Status::OK();
}

Status Load(const YAML::Node& root, const std::string& file, SlaConfig* config) {
  const Errors err(file);
  config->calendars.push_back(Calendar::TwentyFourSeven());
  if (!root.IsDefined() || root.IsNull()) return Status::OK();
  if (!root.IsMap()) return err.At(root, "(root)", "expected a map");
  // Other top-level sections belong to the daemon, but no section name is a list or a mapping.
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string key;
    SLAMON_RETURN_IF_ERROR(KeyName(it->first, "(top level)", err, &key));
  }
  if (const YAML::Node cals = root["calendars"]; cals.IsDefined() && !cals.IsNull()) {
    if (!cals.IsSequence()) return err.At(cals, "calendars", "expected a list");
    for (size_t i = 0; i < cals.size(); ++i) {
      SLAMON_RETURN_IF_ERROR(LoadCalendar(cals[i], "calendars[" + std::to_string(i) + "]", err, config));
    }
  }
  if (const YAML::Node pols = root["policies"]; pols.IsDefined() && !pols.IsNull()) {
    if (!pols.IsSequence()) return err.At(pols, "policies", "expected a list");
    for (size_t i = 0; i < pols.size(); ++i) {
      SLAMON_RETURN_IF_ERROR(LoadPolicy(pols[i], "policies[" + std::to_string(i) + "]", err, config));
    }
  }
  return Status::OK();
}

}  // namespace

bool SlaPolicy::Matches(std::string_view tier, events::Priority priority) const {
  if (!match_tiers.empty() && std::find(match_tiers.begin(), match_tiers.end(), tier) == match_tiers.end()) {
    return false;
  }
  return match_priorities.empty() ||
         std::find(match_priorities.begin(), match_priorities.end(), priority) != match_priorities.end();
}

int SlaConfig::Select(std::string_view tier, events::Priority priority) const {
  for (size_t i = 0; i < policies.size(); ++i) {
    if (policies[i].Matches(tier, priority)) return static_cast<int>(i);
  }
  return -1;
}

std::shared_ptr<const Calendar> SlaConfig::FindCalendar(std::string_view name) const {
  if (name == "24x7") return Calendar::TwentyFourSeven();
  for (const auto& c : calendars) {
    if (c->name() == name) return c;
  }
  return nullptr;
}

std::vector<int64_t> SlaConfig::AllTargets() const {
  std::vector<int64_t> out;
  for (const SlaPolicy& p : policies) {
    for (const auto& t : p.targets) {
      if (t) out.push_back(*t);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<int64_t> ParseDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 4;
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (s.size() > 15) return std::nullopt;
    return std::stoll(std::string(s));
  }
  constexpr std::string_view kUnits = "dhms";
  constexpr int64_t kScale[] = {86400, 3600, 60, 1};
  size_t next_unit = 0;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    int64_t n = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i++] - '0');
      if (++digits > 12) return std::nullopt;
    }
    if (digits == 0 || i == s.size()) return std::nullopt;
    size_t unit = kUnits.find(s[i++]);
    if (unit == std::string_view::npos || unit < next_unit) return std::nullopt;
    next_unit = unit + 1;
    total += n * kScale[unit];
    if (total > kMax) return std::nullopt;
  }
  return total;
}

StatusOr<SlaConfig> LoadSlaConfig(const YAML::Node& root, const std::string& file) {
  SlaConfig config;
  try {
    SLAMON_RETURN_IF_ERROR(Load(root, file, &config));
  } catch (const std::exception& e) {
    // yaml-cpp throws on malformed node access; report it instead of escaping.
    return Status::Invalid(file + ": " + e.what());
  }
  return config;
}

StatusOr<SlaConfig> LoadSlaConfigText(const std::string& yaml, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return LoadSlaConfig(root, file);
}

StatusOr<SlaConfig> LoadSlaConfigFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::IoError(path + ": cannot read file");
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  // An empty file is a mistake (the wrong path, a truncated deploy), not a request for defaults.
  if (root.IsNull()) return Status::Invalid(path + ": the file is empty");
  return LoadSlaConfig(root, path);
}

}  // namespace slamon::projections
