#include <iostream>

#include "daemon/accounts_command.h"
#include "daemon/cli/backup_command.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/import_command.h"
#include "daemon/replay_command.h"
#include "daemon/report_command.h"
#include "daemon/snapshot_command.h"
#include "daemon/verify_command.h"

namespace slamon::daemon {

int RunCli(int argc, char** argv) {
  CLI::App app{"slamon: event-sourced service-level monitoring for key-account customer service"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SLAMON_VERSION);
  AddRunCommand(app);
  AddProduceCommand(app);
  AddExportCommand(app);
  AddReplayCommand(app);
  AddAccountsCommand(app);
  AddVerifyCommand(app);
  AddImportCommand(app);
  AddReportCommand(app);
  AddSnapshotCommand(app);
  AddBackupCommand(app);
  AddRestoreCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return app.exit(e);  // a subcommand's own exit status
  } catch (const CLI::ParseError& e) {
    // --help / --version exit 0; every usage error (unknown option, a value
    // outside its set, a missing required option) exits 2, like bad config.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const ConfigError& e) {
    std::cerr << "slamon: invalid configuration: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "slamon: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace slamon::daemon
