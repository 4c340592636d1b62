// `slamon run --config FILE`: the daemon (daemon/host/daemon.h) until SIGINT/SIGTERM.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

void AddRunCommand(CLI::App& app);

}  // namespace slamon::daemon
