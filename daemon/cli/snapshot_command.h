// `slamon snapshot`: writes a projection snapshot of a stopped daemon's store
// now; and the snapshot-aware store replay of the offline commands
// (`replay`, `accounts` with --snapshot auto|none).
#pragma once

#include <functional>
#include <string>

#include "events/event.h"
#include "projections/snapshot.h"

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `snapshot` subcommand:
///   slamon snapshot --store DIR --config FILE
/// It opens the store read-write (the daemon must be stopped: RocksDB allows
/// one writer), builds the daemon's projections from the newest snapshot plus
/// the events stored after it, writes a new snapshot (keeping the newest
/// `snapshots.keep` of the config) and prints what it covers.
void AddSnapshotCommand(CLI::App& app);

/// The offline commands' replay: with `use_snapshot` and no `account`, opens
/// the store read-only, loads `targets` from the newest usable snapshot and
/// feeds the events stored after it to `apply`. Otherwise, or without a
/// usable snapshot, it is ReplayStore() (cli_output.h): for one account a
/// scan that decodes only its events.
Status ReplayStoreFrom(const std::string& store_path, const std::string& account, bool use_snapshot,
                       const projections::ReplayTargets& targets,
                       const std::function<void(const events::Event&)>& apply);

}  // namespace slamon::daemon
