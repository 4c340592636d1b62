// The daemon's scheduled backups: every `backup.interval` an incremental,
// checksum-verified backup of the live store into `backup.dir`
// (EventStore::Backup), on a thread of its own so ingest keeps running.
//
// Why a schedule in the config rather than an HTTP endpoint: the store is
// the daemon's alone while it runs, so the daemon has to take the backup;
// a schedule needs no cron job and no extra credentials, and it keeps a
// disk-heavy operation off the HTTP listener, which is often reachable by
// every scraper on the network. Its state is exported as metrics, so a
// failing or stalled backup alerts like anything else.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/config/daemon_config.h"
#include "events/store/event_store.h"

namespace slamon::daemon {

class BackupSchedule {
 public:
  /// With backups configured (settings.dir), registers
  /// slamon_backup_last_success_timestamp_seconds, slamon_backup_last_events,
  /// slamon_backup_duration_seconds and slamon_backup_failures_total in
  /// `registry`; without, nothing (no series to alert on by mistake).
  BackupSchedule(events::EventStore* store, BackupSettings settings, prometheus::Registry& registry);
  ~BackupSchedule();
  BackupSchedule(const BackupSchedule&) = delete;
  BackupSchedule& operator=(const BackupSchedule&) = delete;

  /// Starts the thread (nothing when settings.dir is empty).
  void Start();
  /// Stops the thread; a backup in progress finishes first (before the store closes).
  void Stop();
  /// Takes one backup now (the thread does this every interval).
  void RunOnce();

 private:
  events::EventStore* store_;
  BackupSettings settings_;
  prometheus::Gauge* last_success_ = nullptr;
  prometheus::Gauge* last_events_ = nullptr;
  prometheus::Gauge* duration_ = nullptr;
  prometheus::Counter* failures_ = nullptr;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace slamon::daemon
