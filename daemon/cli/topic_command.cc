#include "daemon/cli/topic_command.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "daemon/config/daemon_config.h"
#include "events/kafka/topic_admin.h"

namespace slamon::daemon {
namespace {

struct TopicArgs {
  std::string config;
  std::vector<std::string> overrides;
  int partitions = 6;
  int replication_factor = -1;
  bool fix = false;
  int timeout_seconds = 30;
};

std::string Configs(const std::map<std::string, std::string>& configs) {
  std::vector<std::string> parts;
  parts.reserve(configs.size());
  for (const auto& [name, value] : configs) parts.push_back(name + "=" + value);
  return fmt::format("{}", fmt::join(parts, " "));
}

std::string Partitions(int n) { return n > 0 ? fmt::format("{} partition{}", n, n == 1 ? "" : "s") : "partitions ?"; }

// Sets the keep-every-event configs on a topic and reads them back (a
// broker may take a moment to show a change). Returns the problems left.
StatusOr<std::vector<std::string>> Fix(events::TopicAdmin& admin, const std::string& topic,
                                       const events::TopicDescription& current, std::chrono::milliseconds timeout) {
  SLAMON_RETURN_IF_ERROR(admin.AlterTopicConfigs(topic, current, events::KeepEveryEventConfigs(), timeout));
  std::vector<std::string> problems;
  for (int attempt = 0; attempt < 20; ++attempt) {
    GET_OR_RET(events::TopicDescription now, admin.DescribeTopic(topic, timeout));
    problems = events::RetentionProblems(now.configs);
    if (problems.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return problems;
}

// A topic that exists: fine, fixed (--fix), or reported with the fix.
// Returns whether it keeps every event now.
StatusOr<bool> CheckExisting(events::TopicAdmin& admin, const DaemonConfig& cfg, const TopicArgs& a,
                             const std::string& topic, std::string* out) {
  const std::chrono::milliseconds timeout = std::chrono::seconds(a.timeout_seconds);
  events::TopicDescription d;
  // A topic created a moment ago may not be described by every broker yet.
  for (int attempt = 0; attempt < 40 && !d.exists; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    GET_OR_RET(d, admin.DescribeTopic(topic, timeout));
  }
  if (!d.exists) return Status::Unavailable("topic " + topic + " exists, the cluster says, but cannot be described");
  const std::vector<std::string> problems = events::RetentionProblems(d.configs);
  if (problems.empty()) {
    *out += fmt::format("{}: exists ({}) and keeps every event\n", topic, Partitions(d.partitions));
    return true;
  }
  if (!a.fix) {
    *out += fmt::format("{}: exists ({}) but would lose history:\n", topic, Partitions(d.partitions));
    for (const auto& p : problems) *out += "  " + p + "\n";
    *out += fmt::format("  fix: {}\n  or:  slamon topic create --config {} --fix\n",
                        events::RetentionFixCommand(cfg.kafka, topic), a.config);
    return false;
  }
  GET_OR_RET(std::vector<std::string> left, Fix(admin, topic, d, timeout));
  if (!left.empty()) {
    *out += fmt::format("{}: changed, but the cluster still reports: {}\n", topic, fmt::join(left, "; "));
    return false;
  }
  *out += fmt::format("{}: fixed ({}), keeps every event now: {}\n", topic, fmt::join(problems, "; "),
                      Configs(events::KeepEveryEventConfigs()));
  return true;
}

Status CreateTopics(const TopicArgs& a) {
  if (a.replication_factor == 0) return Status::Invalid("--replication-factor: 0 replicas cannot hold a partition");
  GET_OR_RET(DaemonConfig cfg, LoadDaemonConfigOr(a.config, a.overrides));
  if (cfg.kafka.brokers == "embedded") {
    return Status::Invalid(cfg.file +
                           ": kafka.brokers is embedded: the demo's in-process cluster makes its own topic; give a "
                           "real cluster (--set kafka.brokers=HOST:PORT)");
  }
  auto created = events::TopicAdmin::Create(cfg.kafka);
  if (!created.ok()) return Status::Invalid(cfg.file + ": kafka: " + created.status().message());
  std::unique_ptr<events::TopicAdmin> admin = created.take();
  const std::chrono::milliseconds timeout = std::chrono::seconds(a.timeout_seconds);
  int losing = 0;
  for (const std::string& topic : cfg.kafka.topics) {
    std::string out;
    GET_OR_RET(bool made,
               admin->CreateTopic(topic, a.partitions, a.replication_factor, events::KeepEveryEventConfigs(), timeout));
    if (made) {
      out = fmt::format("{}: created ({}, replication factor {}): {}\n", topic, Partitions(a.partitions),
                        a.replication_factor > 0 ? std::to_string(a.replication_factor) : "of the broker's default",
                        Configs(events::KeepEveryEventConfigs()));
    } else {
      GET_OR_RET(bool keeps, CheckExisting(*admin, cfg, a, topic, &out));
      if (!keeps) ++losing;
    }
    WriteStdout(out);
  }
  if (losing > 0) return Status::IoError(fmt::format("{} topic(s) would lose history (see above)", losing));
  return Status::OK();
}

}  // namespace

void AddTopicCommand(CLI::App& app) {
  CLI::App* topic = app.add_subcommand("topic", "Kafka topics of the daemon");
  topic->require_subcommand(1);
  auto a = std::make_shared<TopicArgs>();
  CLI::App* create = topic->add_subcommand(
      "create",
      "Create the config's kafka.topics to keep every event (retention.ms=-1, retention.bytes=-1, "
      "cleanup.policy=delete); an existing topic is checked, and fixed with --fix");
  create->add_option("--config", a->config, "Daemon config file (YAML): kafka.brokers, kafka.topics, kafka.properties")
      ->required();
  create->add_option("--set", a->overrides, "Override a config value, as with `run --set`");
  create
      ->add_option("--partitions", a->partitions,
                   "Partitions of a new topic: the most daemons one consumer group can spread over")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  create
      ->add_option("--replication-factor", a->replication_factor,
                   "Replicas of each partition of a new topic (-1: the broker's default.replication.factor)")
      ->capture_default_str()
      ->check(CLI::Range(-1, 100));
  create->add_flag("--fix", a->fix,
                   "Set retention.ms=-1, retention.bytes=-1, cleanup.policy=delete on an existing topic that would "
                   "lose history (keeping its other topic settings)");
  create->add_option("--timeout", a->timeout_seconds, "Seconds to wait for each answer of the cluster")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  // Failures read "slamon topic create: ...", not just "create".
  create->callback([a] {
    Status s = CreateTopics(*a);
    if (!s.ok()) throw CommandFailed("topic create", std::move(s));
  });
}

}  // namespace slamon::daemon
