// `slamon backup` and `slamon restore`: incremental, checksum-verified backups
// of a store that no daemon has open, and restores into a new store
// directory (events/store/backup.h).
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers
///   slamon backup --store DIR --to BACKUPDIR [--keep N]
///   slamon backup --list --to BACKUPDIR
/// Exit codes: 0 written and verified (or listed), 1 failed, including a
/// store a running daemon holds (the message points at the daemon's own
/// `backup:` setting), 2 usage errors and a missing store.
void AddBackupCommand(CLI::App& app);

/// Registers
///   slamon restore --from BACKUPDIR --store DIR [--backup-id N] [--force]
/// Restores the newest backup (or N) into DIR, refusing a non-empty DIR
/// unless --force and a store some process has open always, then runs the
/// `slamon verify` checks on the result. Exit codes: 0 restored and intact,
/// 1 refused, failed or not intact, 2 usage errors.
void AddRestoreCommand(CLI::App& app);

}  // namespace slamon::daemon
