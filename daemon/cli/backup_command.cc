#include "daemon/cli/backup_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "daemon/cli/cli_error.h"
#include "events/codec.h"
#include "events/store/event_store.h"
#include "events/store/verify.h"

namespace slamon::daemon {
namespace {

constexpr int kRuntimeError = kExitRuntimeError;
constexpr int kUsageError = kExitInvalidInput;

// Reports through the CLI's one error path (cli_error.h), from deep inside
// the backup and restore steps.
[[noreturn]] void Fail(const std::string& command, int code, const std::string& what) {
  throw CommandFailed(command, code == kUsageError ? Status::Invalid(what) : Status::IoError(what));
}

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string Events(int64_t events) { return events < 0 ? "?" : std::to_string(events); }

void List(const std::string& dir) {
  auto backups = events::ListBackups(dir);
  if (!backups.ok()) Fail("backup", kRuntimeError, backups.status().message());
  std::printf("%-6s %-22s %12s %12s %7s\n", "id", "created", "events", "size", "files");
  for (const auto& b : *backups) {
    std::printf("%-6u %-22s %12s %12s %7u\n", b.id, events::FormatRfc3339(b.created_at).c_str(),
                Events(b.events).c_str(), Mib(b.bytes).c_str(), b.files);
  }
}

void Backup(const std::string& store_dir, const std::string& to, uint32_t keep) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(store_dir) / "CURRENT", ec)) {
    Fail("backup", kUsageError, "no event store at " + store_dir);
  }
  // Opened for writing: the backup flushes the memtables, and RocksDB's lock
  // tells a store a daemon holds from an idle one.
  // A store of an older layout is backed up as it is (the backup to keep
  // before its upgrade).
  auto store = events::EventStore::Open({.path = store_dir, .create_if_missing = false, .upgrade_layout = false});
  if (!store.ok()) {
    const std::string& why = store.status().message();
    if (why.find("lock") != std::string::npos || why.find("LOCK") != std::string::npos) {
      Fail("backup", kRuntimeError,
           "store " + store_dir +
               " is in use by another process (a running slamon daemon?). A running daemon backs itself up: set "
               "`backup: {dir: " +
               to + ", interval: 6h}` in its config (README \"Backups and restore\"), or stop it first");
    }
    Fail("backup", kRuntimeError, why);
  }
  events::StoreBackup made;
  Status s = (*store)->Backup(to, {.keep = keep}, &made);
  Status closed = (*store)->Close();
  if (!s.ok()) Fail("backup", kRuntimeError, s.message());
  if (!closed.ok()) Fail("backup", kRuntimeError, closed.message());
  std::cout << "backup " << made.id << " of " << store_dir << " in " << to << ": " << Events(made.events) << " events, "
            << made.files << " files, " << Mib(made.bytes) << " (" << Mib(made.new_bytes) << " new), checksums verified"
            << std::endl;
}

}  // namespace

void AddBackupCommand(CLI::App& app) {
  struct Args {
    std::string store, to;
    uint32_t keep = 0;
    bool list = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "backup", "Incremental, verified backup of a store no daemon has open (a daemon uses its backup: setting)");
  cmd->add_option("--store", a->store, "Event store directory");
  cmd->add_option("--to", a->to, "Backup directory (created when missing; backups share unchanged files)")->required();
  cmd->add_option("--keep", a->keep, "After the backup, delete all but the newest N (default: keep all)");
  cmd->add_flag("--list", a->list, "List the backups in --to instead");
  cmd->callback([a] {
    if (a->list) {
      List(a->to);
      return;
    }
    if (a->store.empty()) Fail("backup", kUsageError, "--store is required (or --list)");
    Backup(a->store, a->to, a->keep);
  });
}

void AddRestoreCommand(CLI::App& app) {
  struct Args {
    std::string from, store;
    uint32_t backup_id = 0;
    bool force = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("restore", "Restore a backup into a new store directory and verify it");
  cmd->add_option("--from", a->from, "Backup directory")->required();
  cmd->add_option("--store", a->store, "Store directory to create (must be empty or missing)")->required();
  cmd->add_option("--backup-id", a->backup_id, "Backup to restore (default: the newest; see slamon backup --list)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--force", a->force, "Replace the contents of a non-empty --store");
  cmd->callback([a] {
    uint32_t id = a->backup_id;
    if (id == 0) {
      auto backups = events::ListBackups(a->from);
      if (!backups.ok()) Fail("restore", kRuntimeError, backups.status().message());
      id = backups->back().id;
    }
    Status s = events::EventStore::RestoreStore(a->from, a->store, id, a->force);
    if (!s.ok()) Fail("restore", kRuntimeError, s.message());
    // Opened writable: a backup of an older layout is upgraded before it is verified.
    auto store = events::EventStore::Open({.path = a->store, .create_if_missing = false});
    if (!store.ok()) Fail("restore", kRuntimeError, "restored, but it does not open: " + store.status().message());
    auto report = events::VerifyStore(**store);
    if (!report.ok()) Fail("restore", kRuntimeError, "restored, but cannot verify: " + report.status().message());
    if (!report->ok()) {
      Fail("restore", kRuntimeError, "restored, but verify finds it broken: " + events::Describe(*report->first));
    }
    std::cout << "restored backup " << id << " of " << a->from << " into " << a->store << ": " << report->events
              << " events; verify: intact (hash chain, indexes, counters)" << std::endl;
  });
}

}  // namespace slamon::daemon
