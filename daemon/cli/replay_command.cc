#include "daemon/cli/replay_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/cli/as_of_options.h"
#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "daemon/cli/snapshot_command.h"
#include "daemon/config/yaml_reader.h"
#include "events/codec.h"
#include "events/store/event_store.h"
#include "projections/policy_history.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"

namespace slamon::daemon {
namespace {

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

Status RunReplay(const AsOfArgs& args) {
  GET_OR_RET(const int64_t as_of, ParseInstantOption("--as-of", args.as_of));
  // The one reader (file, YAML, emptiness), then only the SLA sections.
  std::optional<config::YamlReader> reader;
  try {
    reader.emplace(config::YamlReader::FromFile(args.config));
  } catch (const config::ConfigError& e) {
    return Status::Invalid(e.what());
  }
  auto config = projections::LoadSlaConfig(reader->root(), reader->positions());
  if (!config.ok()) return Status::Invalid(config.status().message());
  auto sla = std::make_shared<const projections::SlaConfig>(config.take());
  // --policy at-open: each ticket under the store's policy version in force
  // at its open; a store without policy records falls back to --config.
  projections::SlaProjection::Options options;
  GET_OR_RET(options.history, PolicyHistoryFor(args));
  projections::SlaProjection projection(std::move(sla), options);
  SLAMON_RETURN_IF_ERROR(ReplayStoreFrom(args.store, args.account, args.snapshot == "auto", {.sla = &projection},
                                         [&](const events::Event& e) { projection.Apply(e); }));
  const auto records = projection.Evaluate(as_of, args.account);
  if (args.format == "table") {
    PrintTable(records);
  } else {
    PrintJsonl(records, [](const projections::SlaRecord& r, std::string* out) { projections::AppendJsonl(r, out); });
  }
  std::fflush(stdout);
  return Status::OK();
}

}  // namespace

void AddReplayCommand(CLI::App& app) {
  auto args = std::make_shared<AsOfArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "Print the SLA instances at a past instant, replayed from the store");
  AddAsOfOptions(cmd, args.get(),
                 {.config = "Daemon config file (calendars:, policies:)",
                  .account = "Only this account's tickets",
                  .policy = "at-open: judge each ticket under the policy version in force when it opened (the store's "
                            "policy history); current: under --config"});
  OnRun(cmd, [args] { return RunReplay(*args); });
}

}  // namespace slamon::daemon
