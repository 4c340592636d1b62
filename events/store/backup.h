// Backups of the event store: incremental copies made with RocksDB's
// BackupEngine into a backup directory, and restores from them.
//
// Incremental: table files are immutable, so each one is copied once and
// shared by every backup that holds it (named by its checksum and DB session,
// so equal names mean equal bytes); a backup after a day of ingest copies the
// day's new files only. Each backup is a consistent point-in-time image of
// all column families (events, indexes, offsets, chain heads, policies,
// snapshots): it can be taken while the daemon writes, and a restored store
// resumes each partition from its own stored offsets.
//
// EventStore::Backup and EventStore::RestoreStore (event_store.h) are the
// entry points; this header holds what they report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/common/status.h"

namespace slamon::events {

/// One backup in a backup directory.
struct StoreBackup {
  uint32_t id = 0;         ///< 1, 2, ... increasing; restore takes the newest when none is named
  int64_t created_at = 0;  ///< Unix seconds
  uint64_t bytes = 0;      ///< of its files, shared ones included
  uint32_t files = 0;      ///< shared ones included
  int64_t events = -1;     ///< the store's event count when the backup began (it holds at least these); -1 unknown
  uint64_t new_bytes = 0;  ///< copied for this backup (the rest was shared); only from EventStore::Backup
};

struct BackupOptions {
  /// After a successful backup, delete all but the newest `keep` (0: keep all).
  uint32_t keep = 0;
};

/// The backups in `backup_dir`, oldest first. NotFound when the directory
/// holds no backup.
StatusOr<std::vector<StoreBackup>> ListBackups(const std::string& backup_dir);

}  // namespace slamon::events
