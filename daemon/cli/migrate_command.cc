#include "daemon/cli/migrate_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "daemon/cli/cli_error.h"
#include "events/store/event_store.h"
#include "events/store/verify.h"

namespace slamon::daemon {
namespace {

Status RunMigrate(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return Status::Invalid("--store " + path + ": no such directory");
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec)) {
    return Status::Invalid("--store " + path + ": not an event store (no RocksDB CURRENT file)");
  }
  auto store = events::EventStore::Open({.path = path, .create_if_missing = false});
  if (!store.ok()) return Status::IoError(store.status().message());
  if (const auto& up = (*store)->Upgrade()) {
    std::printf("slamon migrate: store %s upgraded from layout %u to %u: %lld event(s) rewritten in %.2f s\n",
                path.c_str(), up->from, up->to, static_cast<long long>(up->events), up->seconds);
    if (up->missing_links > 0) {
      std::printf("  %lld event(s) had no hash-chain link before the upgrade (verify reports them)\n",
                  static_cast<long long>(up->missing_links));
    }
  } else {
    std::printf("slamon migrate: store %s already has the current layout; nothing to do\n", path.c_str());
  }
  auto report = events::VerifyStore(**store);
  if (!report.ok()) return Status::IoError(report.status().message());
  if (!report->ok()) {
    return Status::Corruption("the store does not verify: " + events::Describe(*report->first) + " (" +
                              std::to_string(report->problems) + " problem(s); run `slamon verify` for details)");
  }
  std::printf("  verified: %lld event(s) in %lld partition(s), every hash-chain link matches\n",
              static_cast<long long>(report->events), static_cast<long long>(report->partitions));
  return Status::OK();
}

}  // namespace

void AddMigrateCommand(CLI::App& app) {
  auto store = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("migrate", "Upgrade a store written by an older slamon in place, then verify it");
  cmd->add_option("--store", *store, "Event store directory (stop its daemon first)")->required();
  OnRun(cmd, [store] { return RunMigrate(*store); });
}

}  // namespace slamon::daemon
