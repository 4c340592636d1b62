#include <iostream>

#include "daemon/accounts_command.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/replay_command.h"

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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
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
