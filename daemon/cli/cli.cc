#include <iostream>

#include "daemon/cli/cli_error.h"
#include "daemon/cli/commands.h"
#include "daemon/metrics/build_info.h"

namespace slamon::daemon {

int RunCli(int argc, char** argv) {
  CLI::App app{"slamon: event-sourced service-level monitoring for key-account customer service"};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionLine());
  AddRunCommand(app);
  AddProduceCommand(app);
  AddExportCommand(app);
  AddReplayCommand(app);
  AddAccountsCommand(app);
  AddVerifyCommand(app);
  AddMigrateCommand(app);
  AddImportCommand(app);
  AddReportCommand(app);
  AddSnapshotCommand(app);
  AddBridgeCommand(app);
  AddCheckConfigCommand(app);
  AddBackupCommand(app);
  AddRestoreCommand(app);
  AddTopicCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CommandFailed& e) {
    // An empty message: the command already reported its outcome (verify's report).
    if (!e.status().message().empty())
      std::cerr << "slamon " << e.command() << ": " << e.status().message() << std::endl;
    return ExitCodeFor(e.status());
  } catch (const CLI::ParseError& e) {
    // --help / --version exit 0; every usage error (unknown option, a value
    // outside its set, a missing required option) exits 2, like bad config.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "slamon: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace slamon::daemon
