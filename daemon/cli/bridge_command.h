// `slamon bridge --config FILE`: runs the webhook bridge until SIGINT or
// SIGTERM; SIGHUP reloads the config (as POST /-/reload does). Exit codes:
// 0 stopped cleanly, 1 cannot listen or cannot create the Kafka producer,
// 2 bad config or arguments.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

void AddBridgeCommand(CLI::App& app);

}  // namespace slamon::daemon
