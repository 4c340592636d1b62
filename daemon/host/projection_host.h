// Owns the live projections of the daemon (one of each registered in
// projections/registry.h, driven alike): rebuilds them by replaying the
// event store at start-up, applies newly stored events, moves their clock
// with the wall clock, and publishes immutable snapshots for scrapes and the
// API (prometheus-cpp holds one mutex across all Collect() calls, so a scrape
// must only copy a ready snapshot).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "daemon/views/projection_views.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_projection.h"
#include "projections/registry.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "projections/snapshot.h"

namespace slamon::daemon {

/// The (topic, partition) pairs whose events the projections hold.
using PartitionSet = std::set<std::pair<std::string, int32_t>>;

/// Implements the read-only views (daemon/views/projection_views.h) that the
/// API, the console and the metrics read.
class ProjectionHost final : public ProjectionViews {
 public:
  ProjectionHost(std::shared_ptr<const projections::SlaConfig> sla_config, projections::HealthConfig health_config,
                 std::chrono::seconds health_period = std::chrono::seconds(15));
  ~ProjectionHost() override;

  /// Applies every stored event; logs the rate. Call before Start().
  /// Starts from the newest projection snapshot and applies only the events
  /// stored after it (projections/snapshot.h).
  Status Replay(const events::EventStore& store);
  /// Projection snapshots (projection_host_snapshots.cc): after Replay(),
  /// one every `every_events` applied events (0 = never), serialized by the
  /// host thread under the projections' mutex and written outside it; the
  /// newest `keep` are kept. Only while the host holds every partition (no
  /// Rebuild() yet). Call before Replay().
  void set_snapshots(int64_t every_events, int keep) {
    snapshot_every_ = every_events;
    snapshot_keep_ = keep;
  }
  /// Replaces the projections by ones built from the stored events of
  /// `partitions` only (a consumer-group member counts the partitions it
  /// owns, no others), and publishes their snapshots at once. Events handed
  /// over by OnStored() before the call and not applied yet are dropped: the
  /// store scan includes them. Call with no OnStored() and no store write
  /// running meanwhile (the ingest loop drains its store pipeline first).
  /// `*events` receives the number applied.
  Status Rebuild(const events::EventStore& store, const PartitionSet& partitions, int64_t* events = nullptr);
  /// Adds the stored events of `partitions` (none of them held yet) to the
  /// projections, as live ingestion would (accounts live in one partition:
  /// each account's order is kept), and publishes snapshots at once. Linear
  /// in the added partitions, unlike Rebuild(). Same threading rule.
  Status AddPartitions(const events::EventStore& store, const PartitionSet& partitions, int64_t* events = nullptr);
  /// Incremented by every Rebuild(): counters derived from the projections
  /// restart from the rebuilt values (a Prometheus counter reset).
  uint64_t generation() const { return generation_; }
  /// True while the projections hold every partition of the store completely
  /// (no partition dropped by a Rebuild(), none restoring): only then does
  /// state + store offsets make a valid projection snapshot. Kept by the
  /// ingest loop (any thread).
  void set_holds_every_stored_partition(bool v) { holds_every_stored_partition_ = v; }
  bool holds_every_stored_partition() const { return holds_every_stored_partition_; }
  /// Hands over events just stored by the ingest loop (any thread). They are
  /// applied by the host's own thread, so that the projections' work
  /// overlaps with the next batch's decode and fsync instead of delaying it.
  void OnStored(std::vector<events::Event>&& stored);
  /// Events handed over but not applied yet.
  size_t backlog() const;
  /// Called after each publication of an SLA snapshot with the number of
  /// events handed over by OnStored() that it includes (cumulative since
  /// start; events a Rebuild() dropped because its scan covered them count
  /// as included). Exact: slamon_events_applied_total. Set before Start().
  void set_on_published(std::function<void(int64_t applied)> h) { on_published_ = std::move(h); }
  /// Starts the host thread: applies handed-over events as they come, and
  /// every `period` AdvanceTo(now) and a new snapshot.
  void Start(std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  void Stop();

  /// The latest published snapshot (never null after Replay()).
  std::shared_ptr<const projections::SlaSnapshot> sla_snapshot() const override;
  /// The same, with its publication generation: it changes with every
  /// Rebuild() and every ReplaceConfig(), when counters derived from the
  /// projections restart from the new values (a Prometheus counter reset).
  std::pair<std::shared_ptr<const projections::SlaSnapshot>, uint64_t> sla_snapshot_and_generation() const override;
  /// The latest health snapshot (never null after Replay()).
  std::shared_ptr<const HealthSnapshot> health_snapshot() const override;

  /// Running instances in warning or breached state now (API). Evaluates
  /// every ticket: O(tickets), meant for API calls, not for scrapes.
  std::vector<projections::SlaRecord> AtRiskInstances(int64_t now) const override;
  /// Running instances (any level) of one account now (the account card).
  std::vector<projections::SlaRecord> OpenInstances(int64_t now, std::string_view account_id) const override;
  std::string OwnerOf(std::string_view account_id) const override;  // a copy: the table may grow meanwhile
  StatusOr<projections::TicketExplanation> ExplainTicket(int64_t now, std::string_view ticket_id) const override;
  /// The trends at the last clock tick, under the projections' lock.
  projections::TrendSeries TrendSeries(const projections::TrendFilter& filter, int weeks) const override;
  std::map<std::string, projections::TrendCounts> TrendTotals(projections::TrendDimension by,
                                                              const projections::TrendFilter& filter,
                                                              int weeks) const override;
  std::set<std::string> TrendNames(projections::TrendDimension by) const override;
  std::string TeamOf(std::string_view account_id) const override;

  /// The configs in force (ReplaceConfig() may swap them at any time: keep
  /// the pointer for as long as you read through it).
  std::shared_ptr<const projections::SlaConfig> sla_config() const override;
  std::shared_ptr<const projections::HealthConfig> health_config() const override;
  /// Each owner's e-mail address: recomputed within a second of applied
  /// account events, and at every health refresh (never null after Replay()).
  std::shared_ptr<const OwnerEmails> owner_emails() const override;
  /// Configuration reload (projection_host_reload.cc): the projections are
  /// re-built in memory from their own state under the new configs (no store
  /// scan) and from then on judge every ticket and account under them, as if
  /// the daemon had started with them; snapshots are published at once. Holds
  /// the projections' lock meanwhile (API calls wait; scrapes do not). Any thread.
  Status ReplaceConfig(std::shared_ptr<const projections::SlaConfig> sla_config,
                       projections::HealthConfig health_config);
  /// First-response histogram bounds of the config at construction, for the
  /// series of tiers without data (tiers with data carry their snapshot's
  /// bounds). A copy: scrapes read it without the lock under which a rebuild
  /// or a reload swaps the projections.
  const std::vector<int64_t>& histogram_bounds() const override { return histogram_bounds_; }
  double replay_seconds() const { return replay_seconds_; }
  bool replayed() const { return replayed_; }

 private:
  void Tick();
  // Advances the SLA clocks to now and publishes their snapshot (unless a
  // newer one is already published); returns the instant used.
  int64_t PublishSlaSnapshot();
  void PublishNow();
  // The configs in force, for a new set of projections. Requires config_mu_ or mu_.
  projections::ProjectionConfigs ConfigsLocked() const;
  // Moves the state of `set` into projections built for the configs in
  // force. Requires mu_.
  Status SwitchConfigLocked(std::unique_ptr<projections::ProjectionSet>* set) const;
  void RefreshHealth(int64_t now);
  void ApplyLocked(const events::Event& e);
  // The owners' addresses when account events were applied since the last
  // computation (at most once a second), or `force`d; else null. Requires mu_.
  std::shared_ptr<const OwnerEmails> OwnerEmailsLocked(int64_t now, bool force);
  // Snapshots (projection_host_snapshots.cc).
  struct SnapshotMark {
    size_t batches = 0;                 // pending_ batches it covers (those handed over before it)
    projections::StoreOffsets offsets;  // read right after the last of them was stored
  };
  Status RestoreFromStore(const events::EventStore& store, projections::RestoreResult* result);
  std::optional<projections::Snapshot> TakeSnapshotLocked(projections::StoreOffsets offsets);
  void WriteSnapshotNow(projections::Snapshot* snapshot);

  mutable std::mutex mu_;         // guards projections_, resolution_bounds_
  mutable std::mutex config_mu_;  // with mu_, guards writes of the two configs; alone, their reads
  std::shared_ptr<const projections::SlaConfig> sla_config_;
  std::shared_ptr<const projections::HealthConfig> health_config_;
  std::atomic<uint64_t> config_epoch_{0};  // ReplaceConfig() calls; changed under mu_ and config_mu_
  std::unique_ptr<projections::ProjectionSet> projections_;
  const std::vector<int64_t> histogram_bounds_;  // projections_'s at construction; read without a lock
  std::chrono::seconds health_period_;
  std::vector<int64_t> resolution_bounds_;  // from the SLA config's targets
  std::chrono::steady_clock::time_point last_health_{};
  mutable std::mutex snap_mu_;
  std::shared_ptr<const projections::SlaSnapshot> snapshot_;
  uint64_t snapshot_generation_ = 0;
  // Changed by Rebuild() with both mu_ and stop_mu_ held: the host thread
  // applies a batch only if no rebuild happened since it took it.
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> holds_every_stored_partition_{true};
  std::shared_ptr<const HealthSnapshot> health_snapshot_;
  std::shared_ptr<const OwnerEmails> owner_emails_;          // guarded by snap_mu_
  bool owner_emails_dirty_ = true;                           // guarded by mu_
  std::chrono::steady_clock::time_point owner_emails_at_{};  // guarded by mu_
  std::thread clock_;
  mutable std::mutex stop_mu_;  // guards stop_ and pending_
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::vector<std::vector<events::Event>> pending_;
  double replay_seconds_ = 0;
  std::atomic<bool> replayed_{false};
  // Snapshots: the offsets the state covers are read on the ingest thread
  // right after a batch is stored (OnStored), when a snapshot is wanted.
  const events::EventStore* store_ = nullptr;
  int64_t snapshot_every_ = 0;
  int snapshot_keep_ = 3;
  int64_t live_applied_ = 0;  // handed-over events applied or covered by a Rebuild(), guarded by mu_
  std::function<void(int64_t)> on_published_;
  int64_t applied_events_ = 0;   // guarded by mu_
  int64_t max_occurred_at_ = 0;  // guarded by mu_
  int64_t snapshot_events_ = 0;  // applied_events_ at the last snapshot, guarded by mu_
  std::atomic<bool> snapshot_wanted_{false};
  std::optional<SnapshotMark> snapshot_mark_;  // guarded by stop_mu_
};

}  // namespace slamon::daemon
