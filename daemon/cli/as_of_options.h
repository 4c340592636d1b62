// What the offline "state at a past instant" commands (`replay`, `accounts`)
// share: their options and the choice of policy version.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "events/common/status.h"
#include "projections/policy_history.h"

namespace slamon::daemon {

struct AsOfArgs {
  std::string store;
  std::string config;
  std::string as_of;
  std::string account;
  std::string format = "jsonl";
  std::string policy = "at-open";
  std::string snapshot = "auto";
};

struct AsOfHelp {
  const char* config;   ///< which config sections the command reads
  const char* account;  ///< what --account restricts
  const char* policy;   ///< what at-open and current mean for this command
};

/// Adds --store, --config, --as-of, --account, --format, --policy and --snapshot.
void AddAsOfOptions(CLI::App* cmd, AsOfArgs* args, const AsOfHelp& help);

/// With --policy at-open, the store's policy history; nullptr with --policy
/// current, or when the store has none (a note on stderr then says that
/// --config judges everything).
StatusOr<std::shared_ptr<const projections::PolicyHistory>> PolicyHistoryFor(const AsOfArgs& args);

}  // namespace slamon::daemon
