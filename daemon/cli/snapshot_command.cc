#include "daemon/cli/snapshot_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "daemon/config/daemon_config.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_config.h"
#include "projections/sla/sla_config.h"

namespace slamon::daemon {
namespace {

struct SnapshotArgs {
  std::string store;
  std::string config;
};

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Status RunSnapshot(const SnapshotArgs& args) {
  GET_OR_RET(DaemonConfig cfg, LoadDaemonConfigOr(args.config));
  const ConfigPositions where = cfg.Positions();
  auto sla_config = projections::LoadSlaConfig(cfg.root, where);
  if (!sla_config.ok()) return Status::Invalid(sla_config.status().message());
  auto health_config = projections::LoadHealthConfig(cfg.root, where);
  if (!health_config.ok()) return Status::Invalid(health_config.status().message());
  auto opened = events::EventStore::Open({.path = args.store, .create_if_missing = false});
  if (!opened.ok()) {
    return Status::IoError("cannot open store " + args.store +
                           " (is the daemon running?): " + opened.status().message());
  }
  std::unique_ptr<events::EventStore> store = opened.take();

  // The daemon's projections (projections/registry.h), applied the same way.
  projections::ProjectionSet set({.sla = std::make_shared<const projections::SlaConfig>(sla_config.take()),
                                  .health = std::make_shared<const projections::HealthConfig>(health_config.take()),
                                  .live = false});
  auto apply = [&set](const events::Event& e) { set.Apply(e); };
  const auto t0 = std::chrono::steady_clock::now();
  projections::RestoreResult restored;
  if (Status s = projections::Restore(*store, true, &set, apply, &restored); !s.ok()) {
    return Status::IoError("reading the store failed: " + s.message());
  }
  const double replay_s = Since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  projections::Snapshot snapshot =
      projections::MakeSnapshot(set, store->AllOffsets(), restored.snapshot_events + restored.tail_events,
                                restored.max_occurred_at, static_cast<int64_t>(std::time(nullptr)));
  const double serialize_s = Since(t1);
  const auto t2 = std::chrono::steady_clock::now();
  if (Status s = projections::WriteSnapshot(*store, &snapshot, cfg.snapshots.keep); !s.ok()) {
    return Status::IoError("writing the snapshot failed: " + s.message());
  }
  const double write_s = Since(t2);
  if (Status s = store->Close(); !s.ok()) return Status::IoError("closing the store failed: " + s.message());
  std::printf("wrote %s\n", projections::DescribeSnapshot(snapshot.info).c_str());
  std::printf("built from %s + %lld tail events in %.2f s; serialized in %.2f s, written in %.2f s\n",
              restored.snapshot ? ("snapshot " + std::to_string(restored.snapshot->seq)).c_str() : "nothing",
              static_cast<long long>(restored.tail_events), replay_s, serialize_s, write_s);
  for (const auto& [topic, partitions] : snapshot.info.offsets) {
    for (const auto& [partition, next] : partitions) {
      std::printf("  %s[%d] next offset %lld\n", topic.c_str(), partition, static_cast<long long>(next));
    }
  }
  std::fflush(stdout);
  return Status::OK();
}

}  // namespace

Status ReplayStoreFrom(const std::string& store_path, const std::string& account, bool use_snapshot,
                       const projections::ReplayTargets& targets,
                       const std::function<void(const events::Event&)>& apply) {
  // One account: its index reads only its events, several times faster than
  // loading a snapshot of every account (slamon_snapshot_bench).
  if (!use_snapshot || !account.empty()) return ReplayStore(store_path, account, apply);
  std::unique_ptr<events::EventStore> store;
  {
    auto opened = events::EventStore::Open({.path = store_path, .create_if_missing = false, .read_only = true});
    if (!opened.ok()) return Status::IoError("cannot open store " + store_path + ": " + opened.status().message());
    store = opened.take();
  }
  auto listed = projections::ListSnapshots(*store);
  if (!listed.ok() || listed->empty()) {
    // Nothing to start from: the plain replay.
    store.reset();
    return ReplayStore(store_path, account, apply);
  }
  projections::RestoreResult restored;
  const Status s = projections::Restore(*store, true, targets, apply, &restored);
  if (!s.ok()) return Status::IoError("reading the store failed: " + s.message());
  return Status::OK();
}

void AddSnapshotCommand(CLI::App& app) {
  auto args = std::make_shared<SnapshotArgs>();
  CLI::App* cmd = app.add_subcommand(
      "snapshot", "Write a projection snapshot of the store now (daemon stopped), so replays start from it");
  cmd->add_option("--store", args->store, "Event store directory")->required();
  cmd->add_option("--config", args->config, "Daemon config file (calendars:, policies:, health:, snapshots:)")
      ->required();
  OnRun(cmd, [args] { return RunSnapshot(*args); });
}

}  // namespace slamon::daemon
