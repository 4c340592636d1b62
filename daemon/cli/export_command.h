// `slamon export`: prints stored events (or quarantined messages) as JSON lines in store order.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

void AddExportCommand(CLI::App& app);

}  // namespace slamon::daemon
