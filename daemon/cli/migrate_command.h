// `slamon migrate`: upgrades a store written by an older slamon in place.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `migrate` subcommand:
///   slamon migrate --store DIR
/// Opens the store writable, which upgrades an older layout in place
/// (events/store/migrate.h), then verifies it as `slamon verify` does. Stop
/// the daemon first: a store another process has open is refused. Exit codes:
/// 0 upgraded (or already current) and intact, 1 upgrade failed or the store
/// does not verify, 2 a missing or non-store path.
void AddMigrateCommand(CLI::App& app);

}  // namespace slamon::daemon
