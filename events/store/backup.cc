#include "events/store/backup.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include <charconv>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "events/store/event_store.h"
#include "events/store/rocks_status.h"

namespace slamon::events {
namespace {

namespace fs = std::filesystem;

// The store's event count rides along as the backup's application metadata.
constexpr std::string_view kEventsMeta = "slamon.events=";

// Must be the same for every engine opened on one backup directory
// (BackupEngineOptions contract): shared, checksum-named table files are
// what makes backups incremental.
rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions o(dir);
  o.share_table_files = true;
  o.share_files_with_checksum = true;
  o.sync = true;
  o.max_background_operations = 2;
  return o;
}

StoreBackup FromInfo(const rocksdb::BackupInfo& info) {
  StoreBackup b;
  b.id = info.backup_id;
  b.created_at = info.timestamp;
  b.bytes = info.size;
  b.files = info.number_files;
  std::string_view meta = info.app_metadata;
  if (meta.starts_with(kEventsMeta)) {
    meta.remove_prefix(kEventsMeta.size());
    int64_t n = 0;
    if (std::from_chars(meta.data(), meta.data() + meta.size(), n).ec == std::errc()) b.events = n;
  }
  return b;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

bool HasBackupMeta(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / "meta", ec);
}

// Holds RocksDB's advisory lock on `path` (fcntl; also refused within this
// process while held), so that two writers never share a backup directory
// and a restore never replaces a store a process has open.
class FileLock {
 public:
  FileLock() = default;
  ~FileLock() {
    if (lock_ != nullptr) (void)rocksdb::Env::Default()->UnlockFile(lock_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  rocksdb::Status Acquire(const std::string& path) { return rocksdb::Env::Default()->LockFile(path, &lock_); }

 private:
  rocksdb::FileLock* lock_ = nullptr;
};

}  // namespace

Status EventStore::Backup(const std::string& dir, const BackupOptions& options, StoreBackup* created) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create backup directory " + dir + ": " + ec.message());
  FileLock lock;
  if (rocksdb::Status s = lock.Acquire(dir + "/slamon-backup.lock"); !s.ok()) {
    return Status::Unavailable("backup directory " + dir + " is in use by another backup: " + s.ToString());
  }
  const uint64_t bytes_before = DirectoryBytes(dir);
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(EngineOptions(dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocks(s, "cannot open backup directory " + dir);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);

  // The count first: events stored while the files are gathered are in the
  // backup too, so it holds at least this many.
  const int64_t events = EventCount();
  rocksdb::CreateBackupOptions create;
  // Flushed memtables make the backup table files only (no log to replay on
  // restore); atomic_flush keeps the column families in step.
  create.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  s = engine->CreateNewBackupWithMetadata(create, db_, std::string(kEventsMeta) + std::to_string(events), &id);
  if (!s.ok()) return FromRocks(s, "backup of " + options_.path + " into " + dir + " failed");
  // Read back every file of the new backup against the checksums computed
  // while copying: a backup is reported only once it is known to be whole.
  s = engine->VerifyBackup(id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    (void)engine->DeleteBackup(id);
    return Status::Corruption("backup " + std::to_string(id) + " in " + dir +
                              " does not match what was written (deleted): " + s.ToString());
  }
  if (options.keep > 0) {
    s = engine->PurgeOldBackups(options.keep);
    if (!s.ok()) return FromRocks(s, "backup " + std::to_string(id) + " written, but deleting old backups failed");
  }
  if (created != nullptr) {
    rocksdb::BackupInfo info;
    if (rocksdb::Status got = engine->GetBackupInfo(id, &info); !got.ok()) {
      return FromRocks(got, "backup " + std::to_string(id) + " written, but cannot be listed");
    }
    *created = FromInfo(info);
    const uint64_t bytes_after = DirectoryBytes(dir);
    created->new_bytes = bytes_after > bytes_before ? bytes_after - bytes_before : 0;
  }
  return Status::OK();
}

StatusOr<std::vector<StoreBackup>> ListBackups(const std::string& backup_dir) {
  if (!HasBackupMeta(backup_dir)) return Status::NotFound("no backups in " + backup_dir);
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocks(s, "cannot open backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  if (infos.empty()) return Status::NotFound("no backups in " + backup_dir);
  std::vector<StoreBackup> out;
  out.reserve(infos.size());
  for (const auto& info : infos) out.push_back(FromInfo(info));
  return out;
}

Status EventStore::RestoreStore(const std::string& backup_dir, const std::string& store_dir, uint32_t backup_id,
                                bool replace) {
  auto backups = ListBackups(backup_dir);
  if (!backups.ok()) return backups.status();
  if (backup_id == 0) backup_id = backups->back().id;
  bool known = false;
  std::string ids;
  for (const auto& b : *backups) {
    known = known || b.id == backup_id;
    ids += (ids.empty() ? "" : ", ") + std::to_string(b.id);
  }
  if (!known) {
    return Status::NotFound("no backup " + std::to_string(backup_id) + " in " + backup_dir + " (it has " + ids + ")");
  }

  std::error_code ec;
  const bool exists = fs::exists(store_dir, ec);
  if (exists && !fs::is_directory(store_dir, ec)) return Status::Invalid(store_dir + " is not a directory");
  const bool empty = !exists || fs::is_empty(store_dir, ec);
  if (!empty && !replace) {
    return Status::Invalid("store directory " + store_dir +
                           " is not empty; restore into a new directory, or replace its contents with --force");
  }
  fs::create_directories(store_dir, ec);
  if (ec) return Status::IoError("cannot create " + store_dir + ": " + ec.message());
  // Held through the restore: a store some process has open is never
  // replaced under it (RocksDB's own lock file of the store).
  FileLock lock;
  if (rocksdb::Status s = lock.Acquire(store_dir + "/LOCK"); !s.ok()) {
    return Status::Unavailable("store " + store_dir + " is in use (a running slamon daemon?): " + s.ToString());
  }
  if (!empty) {
    for (const auto& entry : fs::directory_iterator(store_dir, ec)) {
      if (entry.path().filename() == "LOCK") continue;
      fs::remove_all(entry.path(), ec);
      if (ec) return Status::IoError("cannot clear " + entry.path().string() + ": " + ec.message());
    }
  }

  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocks(s, "cannot open backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  // Every file's checksum is checked as it is copied.
  s = engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), backup_id, store_dir, store_dir);
  return FromRocks(
      s, "restore of backup " + std::to_string(backup_id) + " from " + backup_dir + " into " + store_dir + " failed");
}

}  // namespace slamon::events
