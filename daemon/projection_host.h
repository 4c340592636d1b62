// Owns the live projections of the daemon: rebuilds them by replaying the
// event store at start-up, applies newly stored events, moves their clock
// with the wall clock, and publishes immutable snapshots for scrapes and the
// API (prometheus-cpp holds one mutex across all Collect() calls, so a scrape
// must only copy a ready snapshot).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "events/event_store.h"
#include "projections/sla_config.h"
#include "projections/sla_projection.h"

namespace slamon::daemon {

class ProjectionHost {
 public:
  explicit ProjectionHost(std::shared_ptr<const projections::SlaConfig> sla_config);
  ~ProjectionHost();

  /// Applies every stored event; logs the rate. Call before Start().
  Status Replay(const events::EventStore& store);
  /// Applies events just stored by the ingest loop (any thread).
  void OnStored(const std::vector<const events::Event*>& stored);
  /// Starts the clock thread: AdvanceTo(now) and a new snapshot every `period`.
  void Start(std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  void Stop();

  /// The latest published snapshot (never null after Replay()).
  std::shared_ptr<const projections::SlaSnapshot> sla_snapshot() const;
  /// Running instances in warning or breached state now (API). Evaluates
  /// every ticket: O(tickets), meant for API calls, not for scrapes.
  std::vector<projections::SlaRecord> AtRiskInstances() const;
  const std::string& OwnerOf(std::string_view account_id) const;

  const projections::SlaConfig& sla_config() const { return *sla_config_; }
  /// First-response histogram bounds (fixed at construction).
  const std::vector<int64_t>& histogram_bounds() const { return sla_.histogram_bounds(); }
  double replay_seconds() const { return replay_seconds_; }
  bool replayed() const { return replayed_; }

 private:
  void Tick();

  std::shared_ptr<const projections::SlaConfig> sla_config_;
  mutable std::mutex mu_;  // guards sla_ and at_risk_
  projections::SlaProjection sla_;
  std::vector<projections::SlaRecord> at_risk_;
  mutable std::mutex snap_mu_;
  std::shared_ptr<const projections::SlaSnapshot> snapshot_;
  std::thread clock_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  double replay_seconds_ = 0;
  std::atomic<bool> replayed_{false};
};

}  // namespace slamon::daemon
