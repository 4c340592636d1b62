#include "daemon/cli/check_config_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "events/kafka/topic_admin.h"
#include "projections/sla/sla_types.h"

namespace slamon::daemon {
namespace {

// Seconds in the config's own duration syntax ("1d2h", "30m", "45s").
std::string Duration(int64_t seconds) {
  if (seconds == 0) return "0s";
  std::string out;
  for (auto [unit, size] : {std::pair{'d', 86400}, std::pair{'h', 3600}, std::pair{'m', 60}, std::pair{'s', 1}}) {
    if (seconds >= size) {
      out += fmt::format("{}{}", seconds / size, unit);
      seconds %= size;
    }
  }
  return out;
}

std::string Joined(const std::vector<std::string>& items, const char* separator = ",") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::string Match(const projections::SlaPolicy& p) {
  std::vector<std::string> parts;
  if (!p.match_tiers.empty()) parts.push_back("tier " + Joined(p.match_tiers));
  if (!p.match_priorities.empty()) {
    std::vector<std::string> names;
    for (auto pr : p.match_priorities) names.emplace_back(projections::PriorityName(pr));
    parts.push_back("priority " + Joined(names));
  }
  if (p.match_channel) parts.push_back("channel " + Joined(p.match_channels));
  if (p.match_team) parts.push_back("team " + Joined(p.match_teams));
  return parts.empty() ? "any ticket" : Joined(parts, ", ");
}

std::string Targets(const projections::SlaPolicy& p) {
  std::vector<std::string> parts;
  for (int m = 0; m < projections::kMetricCount; ++m) {
    const auto metric = static_cast<projections::Metric>(m);
    if (auto t = p.targets[static_cast<size_t>(m)]) {
      parts.push_back(fmt::format("{} {}", projections::MetricName(metric), Duration(*t)));
    }
  }
  for (const auto& g : p.group_targets) parts.push_back(fmt::format("assignment[{}] {}", g.group, Duration(g.seconds)));
  return parts.empty() ? "no targets" : Joined(parts, ", ");
}

// What decides when an instance warns, pauses and escalates (the alert inputs).
std::string AlertSettings(const projections::SlaPolicy& p) {
  std::vector<std::string> parts = {fmt::format("warn at {:g}%", p.warn_at * 100)};
  std::vector<std::string> paused;
  for (int s = 0; s < projections::kTicketStatusCount; ++s) {
    if (p.pause_on[static_cast<size_t>(s)]) {
      paused.emplace_back(projections::TicketStatusName(static_cast<events::TicketStatus>(s)));
    }
  }
  if (!paused.empty()) {
    std::vector<std::string> metrics;
    for (int m = 0; m < projections::kMetricCount; ++m) {
      if (p.pause_metrics[static_cast<size_t>(m)]) {
        metrics.emplace_back(projections::MetricName(static_cast<projections::Metric>(m)));
      }
    }
    parts.push_back("paused on " + Joined(paused) + " (" + Joined(metrics) + ")");
  }
  if (!p.escalation.empty()) {
    std::vector<std::string> steps;
    for (const auto& e : p.escalation) steps.push_back(e.name + " +" + Duration(e.after));
    parts.push_back("escalation " + Joined(steps, ", "));
  }
  return Joined(parts, "; ");
}

Status Check(const std::string& file, const std::vector<std::string>& overrides, int kafka_timeout_seconds) {
  events::KafkaSettings kafka;
  try {
    const CheckedConfig config = LoadCheckedConfig(file, overrides);
    WriteStdout(DescribeConfig(config));
    kafka = config.daemon.kafka;
  } catch (const std::exception& e) {  // ConfigError, and anything yaml-cpp lets through
    return Status::Invalid(std::string("INVALID: ") + e.what());
  }
  // A valid config stays valid when the cluster cannot be asked: the topic
  // lines only warn, and the exit status does not change.
  WriteStdout(DescribeTopics(kafka, file, std::chrono::seconds(kafka_timeout_seconds)));
  return Status::OK();
}

}  // namespace

std::string DescribeTopics(const events::KafkaSettings& kafka, const std::string& file,
                           std::chrono::milliseconds timeout) {
  if (kafka.brokers == "embedded") return "  topics      not checked (the embedded cluster)\n";
  if (timeout.count() <= 0) return "  topics      not checked (--kafka-timeout 0)\n";
  auto checked = events::CheckTopicRetention(kafka, timeout);
  if (!checked.ok()) return "  topics      could not check retention: " + checked.status().message() + "\n";
  std::string out;
  for (const auto& c : *checked) {
    if (!c.exists) {
      out += fmt::format("  topic       {}: does not exist yet (create it: slamon topic create --config {})\n", c.topic,
                         file);
    } else if (c.problems.empty()) {
      out += fmt::format("  topic       {}: keeps every event\n", c.topic);
    } else {
      out += fmt::format(
          "  topic       {}: WARNING: would lose history: {}\n              fix: {} (or: slamon topic "
          "create --config {} --fix)\n",
          c.topic, fmt::join(c.problems, "; "), events::RetentionFixCommand(kafka, c.topic), file);
    }
  }
  return out;
}

std::string DescribeConfig(const CheckedConfig& config) {
  const DaemonConfig& d = config.daemon;
  std::string out = fmt::format("{}: valid\n", d.file);
  out += fmt::format("  store       {} (sync {})\n", d.store.path, d.store.sync ? "every batch" : "off");
  out += fmt::format("  kafka       brokers {}; topics {}; group {}\n", d.kafka.brokers, Joined(d.kafka.topics),
                     d.kafka.group_id);
  out += fmt::format("  http        {}{}\n", d.http.listen, d.http.basic_auth_user.empty() ? "" : " (basic auth)");
  out += fmt::format("  readiness   ready while lag <= {} messages\n", d.ready_max_lag);
  out += fmt::format("  snapshots   {}\n",
                     d.snapshots.every_events == 0
                         ? std::string("off")
                         : fmt::format("every {} events, keep {}", d.snapshots.every_events, d.snapshots.keep));
  std::vector<std::string> calendars;
  for (const auto& c : config.sla->calendars) {
    const auto& spec = c->spec();
    std::string s = c->name();
    if (!spec.timezone.empty()) {
      s += " (" + spec.timezone;
      if (!spec.holidays.empty()) s += fmt::format(", {} holidays", spec.holidays.size());
      if (!spec.overrides.empty()) s += fmt::format(", {} date overrides", spec.overrides.size());
      s += ")";
    }
    calendars.push_back(std::move(s));
  }
  out += "  calendars   " + Joined(calendars, ", ") + "\n";
  out += fmt::format("  policies    {} (first match wins)\n", config.sla->policies.size());
  int n = 0;
  for (const auto& p : config.sla->policies) {
    out += fmt::format("    {}. {}: {}; calendar {}{}\n       {}; {}\n", ++n, p.name, Match(p), p.calendar_name,
                       p.use_account_calendar ? " (or the account's)" : "", Targets(p), AlertSettings(p));
  }
  if (config.sla->policies.empty()) out += "    (none: no ticket gets an SLA)\n";
  std::vector<std::string> weights;
  for (int s = 0; s < projections::kHealthSignalCount; ++s) {
    const auto signal = static_cast<projections::HealthSignal>(s);
    weights.push_back(fmt::format("{} {:g}", projections::HealthSignalName(signal), config.health.weight(signal)));
  }
  out += "  health      weights " + Joined(weights, ", ") + "\n";
  std::vector<std::string> followup;
  for (const auto& [tier, seconds] : config.health.value.followup) followup.push_back(tier + " " + Duration(seconds));
  out += fmt::format("  value       currency {}; follow-up {}\n", config.health.value.currency,
                     followup.empty() ? "off" : Joined(followup, ", "));
  out += fmt::format("  log         {}\n", d.log_level);
  return out;
}

void AddCheckConfigCommand(CLI::App& app) {
  struct Args {
    std::string file;
    std::vector<std::string> overrides;
    int kafka_timeout_seconds = 5;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "check-config", "Validate a daemon config as `run` would (without starting) and summarize it; exit 2 if invalid");
  cmd->add_option("file", a->file, "Daemon config file (YAML)")->required();
  cmd->add_option("--set", a->overrides, "Override a config value, as with `run --set`");
  cmd->add_option("--kafka-timeout", a->kafka_timeout_seconds,
                  "Seconds to wait for the cluster when checking the topics' retention (0: do not ask it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600));
  OnRun(cmd, [a] {
    std::fflush(stdout);
    return Check(a->file, a->overrides, a->kafka_timeout_seconds);
  });
}

}  // namespace slamon::daemon
