// Over 400 lines on purpose: validation of every SLA policy field with the
// file/line/field messages operators rely on; sla_config_yaml.cc holds the
// YAML-specific parsing.
#include "projections/sla/sla_config.h"

#include <date/date.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include "projections/sla/sla_config_yaml.h"

namespace slamon::projections {
namespace {

using detail::CheckKeys;
using detail::Errors;
using detail::KeyName;
using detail::ParseClock;
using detail::ParseDate;
using detail::ParseIntervals;
using detail::ScalarString;
using detail::Shape;
using detail::StringList;

constexpr std::array<std::string_view, 7> kWeekdays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> kWeekdaysLong = {"sunday",   "monday", "tuesday", "wednesday",
                                                           "thursday", "friday", "saturday"};

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
    SLAMON_RETURN_IF_ERROR(ParseIntervals(it->second, day_field, err, &spec->hours[wd]));
  }
  return Status::OK();
}

// `overrides: {"YYYY-MM-DD": [intervals]}`; runs after holidays are parsed.
Status ParseOverrides(const YAML::Node& node, const std::string& field, const Errors& err, CalendarSpec* spec) {
  if (!node.IsDefined() || node.IsNull()) return Status::OK();
  if (!node.IsMap()) return err.At(node, field, "expected a map of date to intervals");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
    const std::string day_field = field + "." + key;
    auto day = ParseDate(key);
    if (!day) return err.At(it->first, day_field, "bad date '" + key + "' (expected YYYY-MM-DD)");
    if (std::find(spec->holidays.begin(), spec->holidays.end(), *day) != spec->holidays.end()) {
      return err.At(it->first, day_field, "date is both a holiday and an override");
    }
    for (const DateHours& d : spec->overrides) {
      if (d.day == *day) return err.At(it->first, day_field, "date given twice");
    }
    DateHours entry{*day, {}};
    if (!it->second.IsNull()) SLAMON_RETURN_IF_ERROR(ParseIntervals(it->second, day_field, err, &entry.hours));
    spec->overrides.push_back(std::move(entry));
  }
  return Status::OK();
}

Status LoadCalendar(const YAML::Node& node, const std::string& field, const Errors& err, SlaConfig* config) {
  if (!node.IsMap()) return err.At(node, field, "expected a map");
  SLAMON_RETURN_IF_ERROR(CheckKeys(node, field, {"name", "timezone", "hours", "holidays", "overrides"}, err));
  CalendarSpec spec;
  if (!ScalarString(node["name"], &spec.name) || spec.name.empty()) {
    return err.At(node["name"].IsDefined() ? node["name"] : node, field + ".name", "missing or not a string");
  }
  if (spec.name == "24x7" && node["overrides"].IsDefined()) {
    return err.At(node["overrides"], field + ".overrides", "the 24x7 calendar has no overrides");
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
  SLAMON_RETURN_IF_ERROR(ParseOverrides(node["overrides"], field + ".overrides", err, &spec));
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
    if (*metric == Metric::kAssignment) {
      return err.At(it->first, field + "." + key, "assignment targets are per group: use group_targets");
    }
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

// A duration node (as in `targets`) into *out.
Status DurationField(const YAML::Node& node, const std::string& field, const Errors& err, int64_t* out) {
  std::string text;
  auto seconds = ScalarString(node, &text) ? ParseDuration(text) : std::nullopt;
  if (!seconds) return err.At(node, field, "bad duration '" + text + "'");
  *out = *seconds;
  return Status::OK();
}

// use_account_calendar, escalation and group_targets.
Status LoadPolicyExtensions(const YAML::Node& node, const std::string& field, const Errors& err, SlaPolicy* policy) {
  if (const YAML::Node flag = node["use_account_calendar"]; flag.IsDefined()) {
    // A YAML boolean (true/false, yes/no, on/off in any of YAML's spellings).
    bool value = false;
    if (!flag.IsScalar() || !YAML::convert<bool>::decode(flag, value)) {
      return err.At(flag, field + ".use_account_calendar", "expected true or false");
    }
    policy->use_account_calendar = value;
  }
  if (const YAML::Node steps = node["escalation"]; steps.IsDefined() && !steps.IsNull()) {
    if (!steps.IsSequence()) return err.At(steps, field + ".escalation", "expected a list of {name, after}");
    for (size_t i = 0; i < steps.size(); ++i) {
      const std::string step_field = field + ".escalation[" + std::to_string(i) + "]";
      const YAML::Node step = steps[i];
      if (!step.IsMap()) return err.At(step, step_field, "expected a map {name, after}");
      SLAMON_RETURN_IF_ERROR(CheckKeys(step, step_field, {"name", "after"}, err));
      EscalationStep s;
      if (!ScalarString(step["name"], &s.name) || s.name.empty()) {
        return err.At(step["name"].IsDefined() ? step["name"] : step, step_field + ".name", "missing or not a string");
      }
      if (!step["after"].IsDefined()) return err.At(step, step_field + ".after", "missing");
      SLAMON_RETURN_IF_ERROR(DurationField(step["after"], step_field + ".after", err, &s.after));
      if (!policy->escalation.empty() && s.after <= policy->escalation.back().after) {
        return err.At(step["after"], step_field + ".after", "escalation steps must have strictly increasing 'after'");
      }
      policy->escalation.push_back(std::move(s));
    }
  }
  if (const YAML::Node groups = node["group_targets"]; groups.IsDefined() && !groups.IsNull()) {
    if (!groups.IsMap()) return err.At(groups, field + ".group_targets", "expected a map of group to duration");
    for (auto it = groups.begin(); it != groups.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
      const std::string group_field = field + ".group_targets." + key;
      if (key.empty()) return err.At(it->first, group_field, "empty group name");
      if (policy->FindGroup(key)) return err.At(it->first, group_field, "group given twice");
      GroupTarget g{key, 0, 0};
      SLAMON_RETURN_IF_ERROR(DurationField(it->second, group_field, err, &g.seconds));
      if (g.seconds <= 0) return err.At(it->second, group_field, "target must be > 0");
      policy->group_targets.push_back(std::move(g));
    }
  }
  return Status::OK();
}

// Long on purpose: one policy's keys in document order, each checked with
// its own message naming the field.
Status LoadPolicy(const YAML::Node& node, const std::string& field, const Errors& err, SlaConfig* config) {
  if (!node.IsMap()) return err.At(node, field, "expected a map");
  SLAMON_RETURN_IF_ERROR(CheckKeys(node, field,
                                   {"name", "match", "calendar", "targets", "pause_on", "pause_metrics", "warn_at",
                                    "use_account_calendar", "escalation", "group_targets"},
                                   err));
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
    SLAMON_RETURN_IF_ERROR(CheckKeys(match, field + ".match", {"tier", "priority", "channel", "team"}, err));
    if (match["channel"].IsDefined()) {
      policy.match_channel = true;
      SLAMON_RETURN_IF_ERROR(StringList(match["channel"], field + ".match.channel", err, &policy.match_channels));
    }
    if (match["team"].IsDefined()) {
      policy.match_team = true;
      SLAMON_RETURN_IF_ERROR(StringList(match["team"], field + ".match.team", err, &policy.match_teams));
    }
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
  names = {"resolution", "next_response", "assignment"};
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
  SLAMON_RETURN_IF_ERROR(LoadPolicyExtensions(node, field, err, &policy));
  auto warn = [&policy](int64_t target) {
    return static_cast<int64_t>(std::ceil(policy.warn_at * static_cast<double>(target)));
  };
  for (int m = 0; m < kMetricCount; ++m) {
    if (policy.targets[m]) policy.warn_seconds[m] = warn(*policy.targets[m]);
  }
  for (GroupTarget& g : policy.group_targets) g.warn_seconds = warn(g.seconds);
  config->policies.push_back(std::move(policy));
  return Status::OK();
}

Status Load(const YAML::Node& root, const ConfigPositions& where, SlaConfig* config) {
  const Errors err(where);
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

std::string_view SlaPolicy::Mismatch(std::string_view tier, events::Priority priority, std::string_view channel,
                                     std::string_view team) const {
  auto listed = [](const std::vector<std::string>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  if (!match_tiers.empty() && !listed(match_tiers, tier)) return "tier";
  if (!match_priorities.empty() &&
      std::find(match_priorities.begin(), match_priorities.end(), priority) == match_priorities.end()) {
    return "priority";
  }
  // A ticket without a channel (an account without a team) matches no list.
  if (match_channel && (channel.empty() || !listed(match_channels, channel))) return "channel";
  if (match_team && (team.empty() || !listed(match_teams, team))) return "team";
  return {};
}

int SlaConfig::Select(std::string_view tier, events::Priority priority, std::string_view channel,
                      std::string_view team) const {
  for (size_t i = 0; i < policies.size(); ++i) {
    if (policies[i].Matches(tier, priority, channel, team)) return static_cast<int>(i);
  }
  return -1;
}

bool SlaConfig::MatchesContext() const {
  return std::any_of(policies.begin(), policies.end(),
                     [](const SlaPolicy& p) { return p.match_channel || p.match_team; });
}

std::vector<std::string> SlaConfig::AllGroups() const {
  std::vector<std::string> out;
  for (const SlaPolicy& p : policies) {
    for (const GroupTarget& g : p.group_targets) out.push_back(g.group);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
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

StatusOr<SlaConfig> LoadSlaConfig(const YAML::Node& root, const ConfigPositions& where) {
  SlaConfig config;
  try {
    SLAMON_RETURN_IF_ERROR(Load(root, where, &config));
  } catch (const std::exception& e) {
    // yaml-cpp throws on malformed node access; report it instead of escaping.
    return Status::Invalid(where.Problem(root, "(top level)", e.what()));
  }
  return config;
}

StatusOr<SlaConfig> LoadSlaConfig(const YAML::Node& root, const std::string& file) {
  return LoadSlaConfig(root, ConfigPositions(file, root));
}

StatusOr<SlaConfig> LoadSlaConfigText(const std::string& yaml, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  return LoadSlaConfig(root, file);
}

StatusOr<SlaConfig> LoadSlaConfigFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::IoError(path + ": cannot read the config file");
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  // An empty file is a mistake (the wrong path, a truncated deploy), not a request for defaults.
  if (root.IsNull()) return Status::Invalid(path + ": the config file is empty");
  return LoadSlaConfig(root, path);
}

}  // namespace slamon::projections
