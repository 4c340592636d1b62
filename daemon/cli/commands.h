// The subcommands of the slamon binary, one file and header each. Each
// Add*Command registers one CLI11 subcommand whose body returns a Status
// (cli_error.h: OnRun); RunCli prints a failure once as
// "slamon <command>: <message>" and maps it to the exit status.
#pragma once

#include "daemon/cli/accounts_command.h"
#include "daemon/cli/backup_command.h"
#include "daemon/cli/bridge_command.h"
#include "daemon/cli/check_config_command.h"
#include "daemon/cli/export_command.h"
#include "daemon/cli/import_command.h"
#include "daemon/cli/migrate_command.h"
#include "daemon/cli/produce_command.h"
#include "daemon/cli/replay_command.h"
#include "daemon/cli/report_command.h"
#include "daemon/cli/run_command.h"
#include "daemon/cli/snapshot_command.h"
#include "daemon/cli/topic_command.h"
#include "daemon/cli/verify_command.h"

namespace slamon::daemon {

/// Parses argv and runs the chosen subcommand; returns the process exit status.
int RunCli(int argc, char** argv);

}  // namespace slamon::daemon
