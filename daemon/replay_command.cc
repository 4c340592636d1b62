#include "daemon/replay_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "daemon/cli_output.h"
#include "daemon/snapshot_command.h"
#include "events/codec.h"
#include "events/event_store.h"
#include "projections/policy_history.h"
#include "projections/sla_config.h"
#include "projections/sla_projection.h"

namespace slamon::daemon {
namespace {

struct ReplayArgs {
  std::string store;
  std::string config;
  std::string as_of;
  std::string account;
  std::string format = "jsonl";
  std::string policy = "at-open";
  std::string snapshot = "auto";
};

std::string Opt(const std::optional<int64_t>& t) { return t ? projections::FormatUtc(*t) : "-"; }

void PrintTable(const std::vector<projections::SlaRecord>& records) {
  using projections::SlaRecord;
  const std::vector<std::string> header = {"ticket_id", "account_id", "tier",      "priority", "policy", "metric",
                                           "cycle",     "start",      "stop",      "state",    "level",  "target_s",
                                           "elapsed_s", "breached",   "breach_at", "due_at",   "group",  "escalation"};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(records.size() + 1);
  rows.push_back(header);
  for (const SlaRecord& r : records) {
    const bool running = r.state != projections::InstanceState::kStopped;
    rows.push_back({r.ticket_id, r.account_id, r.tier, std::string(projections::PriorityName(r.priority)), r.policy,
                    std::string(projections::MetricName(r.metric)), std::to_string(r.cycle),
                    projections::FormatUtc(r.start), Opt(r.stop), std::string(projections::InstanceStateName(r.state)),
                    running ? std::string(projections::RiskLevelName(r.level)) : "-", std::to_string(r.target_seconds),
                    std::to_string(r.elapsed_seconds), r.breached ? "yes" : "no", Opt(r.breach_at), Opt(r.due_at),
                    r.group.empty() ? "-" : r.group, r.escalation.value_or("-")});
  }
  PrintAligned(rows);
}

int RunReplay(const ReplayArgs& args) {
  int64_t as_of = 0;
  if (!events::ParseRfc3339(args.as_of, &as_of)) {
    std::fprintf(stderr, "replay: --as-of: not an RFC 3339 timestamp with offset: '%s'\n", args.as_of.c_str());
    return 2;
  }
  auto config = projections::LoadSlaConfigFile(args.config);
  if (!config.ok()) {
    std::fprintf(stderr, "replay: %s\n", config.status().message().c_str());
    return 2;
  }
  // --policy at-open: each ticket under the store's policy version in force
  // at its open; a store without policy records falls back to --config.
  projections::SlaProjection::Options options;
  if (args.policy == "at-open") {
    auto history = projections::ReadPolicyHistory(args.store);
    if (!history.ok()) {
      std::fprintf(stderr, "replay: %s\n", history.status().message().c_str());
      return 1;
    }
    if ((*history)->empty()) {
      std::fprintf(stderr, "replay: note: the store has no policy history; using %s for every ticket\n",
                   args.config.c_str());
    } else {
      options.history = *history;
    }
  }
  projections::SlaProjection projection(std::make_shared<const projections::SlaConfig>(config.take()), options);
  if (int code = ReplayStoreFrom("replay", args.store, args.account, args.snapshot == "auto", {.sla = &projection},
                                 [&](const events::Event& e) { projection.Apply(e); });
      code != 0) {
    return code;
  }
  const auto records = projection.Evaluate(as_of, args.account);
  if (args.format == "table") {
    PrintTable(records);
  } else {
    PrintJsonl(records, [](const projections::SlaRecord& r, std::string* out) { projections::AppendJsonl(r, out); });
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

void AddReplayCommand(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "Print the SLA instances at a past instant, replayed from the store");
  cmd->add_option("--store", args->store, "Event store directory")->required();
  cmd->add_option("--config", args->config, "Daemon config file (calendars:, policies:)")->required();
  cmd->add_option("--as-of", args->as_of, "RFC 3339 instant, e.g. 2026-11-24T00:00:00Z")->required();
  cmd->add_option("--account", args->account, "Only this account's tickets");
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"jsonl", "table"}));
  cmd->add_option("--policy", args->policy,
                  "at-open: judge each ticket under the policy version in force when it opened (the store's "
                  "policy history); current: under --config")
      ->check(CLI::IsMember({"at-open", "current"}));
  cmd->add_option("--snapshot", args->snapshot,
                  "auto: start from the newest projection snapshot and replay only the events after it; none: "
                  "replay every event")
      ->check(CLI::IsMember({"auto", "none"}));
  cmd->callback([args] {
    const int code = RunReplay(*args);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace slamon::daemon
