// Owns the live projections of the daemon: rebuilds them by replaying the
// event store at start-up, applies newly stored events, moves their clock
// with the wall clock, and publishes immutable snapshots for scrapes and the
// API (prometheus-cpp holds one mutex across all Collect() calls, so a scrape
// must only copy a ready snapshot).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "events/event_store.h"
#include "projections/csat_projection.h"
#include "projections/health_projection.h"
#include "projections/sla_config.h"
#include "projections/sla_projection.h"

namespace slamon::daemon {

/// Health state at the last health refresh (re-evaluated as time passes,
/// every `health_period`, not on every scrape).
struct HealthSnapshot {
  int64_t as_of = 0;
  std::vector<projections::AccountRecord> accounts;                 // sorted by account_id
  std::map<std::string, projections::CsatCounts> csat_30d_by_tier;  // tiers with answers only
  projections::ChurnCounts churn;
  /// survey answers ever, by (tier, account_owner) at answer time, satisfied
  std::map<std::tuple<std::string, std::string, bool>, int64_t> csat_responses;
};

class ProjectionHost {
 public:
  ProjectionHost(std::shared_ptr<const projections::SlaConfig> sla_config, projections::HealthConfig health_config,
                 std::chrono::seconds health_period = std::chrono::seconds(15));
  ~ProjectionHost();

  /// Applies every stored event; logs the rate. Call before Start().
  Status Replay(const events::EventStore& store);
  /// Hands over events just stored by the ingest loop (any thread). They are
  /// applied by the host's own thread, so that the projections' work
  /// overlaps with the next batch's decode and fsync instead of delaying it.
  void OnStored(std::vector<events::Event>&& stored);
  /// Events handed over but not applied yet.
  size_t backlog() const;
  /// Starts the host thread: applies handed-over events as they come, and
  /// every `period` AdvanceTo(now) and a new snapshot.
  void Start(std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  void Stop();

  /// The latest published snapshot (never null after Replay()).
  std::shared_ptr<const projections::SlaSnapshot> sla_snapshot() const;
  /// The latest health snapshot (never null after Replay()).
  std::shared_ptr<const HealthSnapshot> health_snapshot() const;

  /// Running instances in warning or breached state now (API). Evaluates
  /// every ticket: O(tickets), meant for API calls, not for scrapes.
  std::vector<projections::SlaRecord> AtRiskInstances(int64_t now) const;
  std::string OwnerOf(std::string_view account_id) const;  // a copy: the table may grow meanwhile

  const projections::SlaConfig& sla_config() const { return *sla_config_; }
  /// First-response histogram bounds (fixed at construction).
  const std::vector<int64_t>& histogram_bounds() const { return sla_.histogram_bounds(); }
  double replay_seconds() const { return replay_seconds_; }
  bool replayed() const { return replayed_; }

 private:
  void Tick();
  void RefreshHealth(int64_t now);
  void ApplyLocked(const events::Event& e);

  std::shared_ptr<const projections::SlaConfig> sla_config_;
  mutable std::mutex mu_;  // guards sla_ and at_risk_
  projections::SlaProjection sla_;
  projections::HealthProjection health_;
  std::map<std::tuple<std::string, std::string, bool>, int64_t> csat_responses_;
  std::chrono::seconds health_period_;
  std::chrono::steady_clock::time_point last_health_{};
  mutable std::mutex snap_mu_;
  std::shared_ptr<const projections::SlaSnapshot> snapshot_;
  std::shared_ptr<const HealthSnapshot> health_snapshot_;
  std::thread clock_;
  mutable std::mutex stop_mu_;  // guards stop_ and pending_
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::vector<std::vector<events::Event>> pending_;
  double replay_seconds_ = 0;
  std::atomic<bool> replayed_{false};
};

}  // namespace slamon::daemon
