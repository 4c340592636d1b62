// Subcommands of the slamon binary. Each Add*Command registers one CLI11
// subcommand whose callback signals a non-zero exit status by throwing
// CLI::RuntimeError(code) (caught in RunCli).
#pragma once

#include <CLI/CLI.hpp>

namespace slamon::daemon {

void AddRunCommand(CLI::App& app);
void AddProduceCommand(CLI::App& app);
void AddExportCommand(CLI::App& app);

/// Parses argv and runs the chosen subcommand; returns the process exit status.
int RunCli(int argc, char** argv);

}  // namespace slamon::daemon
