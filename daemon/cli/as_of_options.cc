#include "daemon/cli/as_of_options.h"

#include <cstdio>

namespace slamon::daemon {

void AddAsOfOptions(CLI::App* cmd, AsOfArgs* args, const AsOfHelp& help) {
  cmd->add_option("--store", args->store, "Event store directory")->required();
  cmd->add_option("--config", args->config, help.config)->required();
  cmd->add_option("--as-of", args->as_of, "RFC 3339 instant, e.g. 2026-11-24T00:00:00Z")->required();
  cmd->add_option("--account", args->account, help.account);
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"jsonl", "table"}));
  cmd->add_option("--policy", args->policy, help.policy)->check(CLI::IsMember({"at-open", "current"}));
  cmd->add_option("--snapshot", args->snapshot,
                  "auto: start from the newest projection snapshot and replay only the events after it; none: "
                  "replay every event")
      ->check(CLI::IsMember({"auto", "none"}));
}

StatusOr<std::shared_ptr<const projections::PolicyHistory>> PolicyHistoryFor(const AsOfArgs& args) {
  if (args.policy != "at-open") return std::shared_ptr<const projections::PolicyHistory>();
  auto history = projections::ReadPolicyHistory(args.store);
  if (!history.ok()) return Status::IoError(history.status().message());
  if ((*history)->empty()) {
    std::fprintf(stderr, "note: the store has no policy history; using %s for every ticket\n", args.config.c_str());
    return std::shared_ptr<const projections::PolicyHistory>();
  }
  return history;
}

}  // namespace slamon::daemon
