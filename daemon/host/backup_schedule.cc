#include "daemon/host/backup_schedule.h"

#include <chrono>
#include <ctime>

#include "events/common/logging.h"

namespace slamon::daemon {

BackupSchedule::BackupSchedule(events::EventStore* store, BackupSettings settings, prometheus::Registry& registry)
    : store_(store), settings_(std::move(settings)) {
  if (settings_.dir.empty()) return;
  last_success_ = &prometheus::BuildGauge()
                       .Name("slamon_backup_last_success_timestamp_seconds")
                       .Help(
                           "When the last scheduled store backup was written and verified (Unix seconds); 0 "
                           "before the first")
                       .Register(registry)
                       .Add({});
  last_events_ = &prometheus::BuildGauge()
                      .Name("slamon_backup_last_events")
                      .Help("Events the last scheduled store backup holds at least")
                      .Register(registry)
                      .Add({});
  duration_ = &prometheus::BuildGauge()
                   .Name("slamon_backup_duration_seconds")
                   .Help("How long the last scheduled store backup took, verification included")
                   .Register(registry)
                   .Add({});
  failures_ = &prometheus::BuildCounter()
                   .Name("slamon_backup_failures_total")
                   .Help("Scheduled store backups that failed (the next is tried one interval later)")
                   .Register(registry)
                   .Add({});
}

BackupSchedule::~BackupSchedule() { Stop(); }

void BackupSchedule::Start() {
  if (settings_.dir.empty() || thread_.joinable()) return;
  Log("backup")->info("backing up the store into {} every {} s{}", settings_.dir, settings_.interval.count(),
                      settings_.keep ? ", keeping the newest " + std::to_string(settings_.keep) : std::string());
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!wake_.wait_for(lock, settings_.interval, [this] { return stop_; })) {
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

void BackupSchedule::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackupSchedule::RunOnce() {
  if (settings_.dir.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  events::StoreBackup made;
  Status s = store_->Backup(settings_.dir, {.keep = settings_.keep}, &made);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  duration_->Set(seconds);
  if (!s.ok()) {
    failures_->Increment();
    Log("backup")->error("store backup into {} failed: {}; next try in {} s", settings_.dir, s.message(),
                         settings_.interval.count());
    return;
  }
  last_success_->Set(static_cast<double>(std::time(nullptr)));
  last_events_->Set(static_cast<double>(made.events));
  Log("backup")->info("backup {} written and verified in {:.1f} s: {} events, {:.1f} MiB new of {:.1f} MiB", made.id,
                      seconds, made.events, static_cast<double>(made.new_bytes) / (1 << 20),
                      static_cast<double>(made.bytes) / (1 << 20));
}

}  // namespace slamon::daemon
