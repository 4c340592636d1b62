#include "daemon/host/projection_host.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include "events/common/logging.h"
#include "events/store/partition_scan.h"

namespace slamon::daemon {
namespace {
int64_t WallClock() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

ProjectionHost::ProjectionHost(std::shared_ptr<const projections::SlaConfig> sla_config,
                               projections::HealthConfig health_config, std::chrono::seconds health_period)
    : sla_config_(std::move(sla_config)),
      health_config_(std::make_shared<const projections::HealthConfig>(std::move(health_config))),
      projections_(std::make_unique<projections::ProjectionSet>(ConfigsLocked())),
      histogram_bounds_(projections_->sla().histogram_bounds()),
      health_period_(health_period),
      resolution_bounds_(ResolutionBounds(sla_config_->AllTargets())) {}

void ProjectionHost::ApplyLocked(const events::Event& e) {
  projections_->Apply(e);
  // Any account.* event may change an owner or an address.
  if (events::Name(e.type).starts_with("account.")) owner_emails_dirty_ = true;
  ++applied_events_;
  max_occurred_at_ = std::max(max_occurred_at_, e.occurred_at);
  if (snapshot_every_ > 0 && applied_events_ - snapshot_events_ >= snapshot_every_) snapshot_wanted_ = true;
}

Status ProjectionHost::Rebuild(const events::EventStore& store, const PartitionSet& partitions, int64_t* events) {
  const auto t0 = std::chrono::steady_clock::now();
  projections::ProjectionConfigs configs;
  uint64_t config_epoch = 0;
  {
    std::lock_guard<std::mutex> lock(config_mu_);
    configs = ConfigsLocked();
    config_epoch = config_epoch_;
  }
  auto set = std::make_unique<projections::ProjectionSet>(std::move(configs));
  int64_t n = 0;
  // Accounts live in one partition each (events are keyed by account), so
  // applying partition after partition keeps every account's order.
  for (const auto& [topic, partition] : partitions) {
    SLAMON_RETURN_IF_ERROR(events::ScanStoredPartition(store, topic, partition, 0, [&](const events::StoredEvent& se) {
      set->Apply(se.event);
      ++n;
      return true;
    }));
  }
  const int64_t now = WallClock();
  set->AdvanceTo(now);
  auto snap = std::make_shared<const projections::SlaSnapshot>(set->sla().Snapshot());
  uint64_t generation = 0;
  int64_t applied = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (config_epoch_ != config_epoch) {
      // The config was reloaded during the scan: judge under the new one.
      SLAMON_RETURN_IF_ERROR(SwitchConfigLocked(&set));
      set->AdvanceTo(now);
      snap = std::make_shared<const projections::SlaSnapshot>(set->sla().Snapshot());
    }
    std::lock_guard<std::mutex> pending_lock(stop_mu_);
    projections_ = std::move(set);
    for (const auto& batch : pending_) live_applied_ += static_cast<int64_t>(batch.size());
    pending_.clear();  // stored before the scan began: included in it
    generation = ++generation_ + config_epoch_;
    applied = live_applied_;
  }
  {
    std::lock_guard<std::mutex> lock(snap_mu_);
    snapshot_ = std::move(snap);
    snapshot_generation_ = generation;
  }
  if (on_published_) on_published_(applied);
  RefreshHealth(now);
  if (events != nullptr) *events = n;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Log("projections")
      ->info("rebuilt the projections of {} partition(s) from the store: {} events in {:.3f} s ({:.0f} events/s)",
             partitions.size(), n, seconds, seconds > 0 ? static_cast<double>(n) / seconds : 0.0);
  return Status::OK();
}

ProjectionHost::~ProjectionHost() { Stop(); }

Status ProjectionHost::Replay(const events::EventStore& store) {
  const auto t0 = std::chrono::steady_clock::now();
  projections::RestoreResult restored;
  SLAMON_RETURN_IF_ERROR(RestoreFromStore(store, &restored));  // the newest snapshot + the tail
  const int64_t n = restored.tail_events;
  Tick();
  replay_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Log("projections")
      ->info("replayed {} events in {:.2f} s ({:.0f} events/s): {} tickets, {} accounts", n, replay_seconds_,
             replay_seconds_ > 0 ? n / replay_seconds_ : 0.0, projections_->sla().ticket_count(),
             projections_->sla().account_count());
  replayed_ = true;
  return Status::OK();
}

void ProjectionHost::OnStored(std::vector<events::Event>&& stored) {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    pending_.push_back(std::move(stored));
    if (snapshot_wanted_ && !snapshot_mark_ && store_ != nullptr) {
      snapshot_mark_ = SnapshotMark{pending_.size(), store_->AllOffsets()};
    }
  }
  stop_cv_.notify_all();
}

size_t ProjectionHost::backlog() const {
  std::lock_guard<std::mutex> lock(stop_mu_);
  size_t n = 0;
  for (const auto& v : pending_) n += v.size();
  return n;
}

std::shared_ptr<const OwnerEmails> ProjectionHost::OwnerEmailsLocked(int64_t now, bool force) {
  const auto steady = std::chrono::steady_clock::now();
  if (!force && (!owner_emails_dirty_ || steady - owner_emails_at_ < std::chrono::seconds(1))) return nullptr;
  owner_emails_dirty_ = false;
  owner_emails_at_ = steady;
  return std::make_shared<const OwnerEmails>(OwnerEmailsOf(projections_->health().accounts(), now));
}

std::shared_ptr<const OwnerEmails> ProjectionHost::owner_emails() const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return owner_emails_;
}

int64_t ProjectionHost::PublishSlaSnapshot() {
  const int64_t now = WallClock();
  std::shared_ptr<projections::SlaSnapshot> snap;
  std::shared_ptr<const OwnerEmails> emails;
  uint64_t generation = 0;
  int64_t applied = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    applied = live_applied_;
    // Before the SLA snapshot: a new owner's breach is labelled with the address at once.
    emails = OwnerEmailsLocked(now, false);
    projections_->AdvanceTo(now);
    snap = std::make_shared<projections::SlaSnapshot>(projections_->sla().Snapshot());
    generation = generation_ + config_epoch_;
  }
  bool published = false;
  {
    std::lock_guard<std::mutex> lock(snap_mu_);
    if (emails) owner_emails_ = std::move(emails);
    // A Rebuild() on another thread may have published newer projections meanwhile.
    if (generation >= snapshot_generation_) {
      snapshot_ = std::move(snap);
      snapshot_generation_ = generation;
      published = true;
    }
  }
  if (published && on_published_) on_published_(applied);
  return now;
}

void ProjectionHost::Tick() {
  const int64_t now = PublishSlaSnapshot();
  const auto steady = std::chrono::steady_clock::now();
  if (health_snapshot() == nullptr || steady - last_health_ >= health_period_) {
    last_health_ = steady;
    RefreshHealth(now);
  }
}

// Health signals change as time passes (silence grows, windows slide) even
// without events, so the whole account set is re-evaluated periodically —
// O(accounts + tickets) every health_period, never per scrape.
void ProjectionHost::RefreshHealth(int64_t now) {
  auto h = std::make_shared<HealthSnapshot>();
  std::shared_ptr<const OwnerEmails> emails;
  h->as_of = now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const projections::HealthProjection& health = projections_->health();
    const auto records = projections_->sla().Evaluate(now);
    h->accounts = health.EvaluateAccounts(now, records);
    h->value = AggregateValue(health, h->accounts, records, now, resolution_bounds_);
    for (const auto& a : h->accounts) {
      ++h->accounts_by_level[{a.tier, a.level}];
      if (a.level == projections::HealthLevel::kAtRisk) ++h->at_risk_by_owner[{a.tier, a.owner}];
    }
    h->csat_30d_by_tier = health.csat().ByTier(now, projections::kCsatWindow30d, health.accounts());
    h->churn = health.Churn(now);
    h->csat_responses = projections_->csat_responses();
    h->generation = generation_ + config_epoch_;
    emails = OwnerEmailsLocked(now, true);
  }
  std::lock_guard<std::mutex> lock(snap_mu_);
  owner_emails_ = std::move(emails);
  if (health_snapshot_ == nullptr || h->generation >= health_snapshot_->generation) health_snapshot_ = std::move(h);
}

Status ProjectionHost::AddPartitions(const events::EventStore& store, const PartitionSet& partitions, int64_t* events) {
  const auto t0 = std::chrono::steady_clock::now();
  int64_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [topic, partition] : partitions) {
      SLAMON_RETURN_IF_ERROR(
          events::ScanStoredPartition(store, topic, partition, 0, [&](const events::StoredEvent& se) {
            ApplyLocked(se.event);
            ++n;
            return true;
          }));
    }
  }
  PublishNow();
  if (events != nullptr) *events = n;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Log("projections")
      ->info(
          "added {} restored partition(s) to the projections from the store: {} events in {:.3f} s ({:.0f} "
          "events/s)",
          partitions.size(), n, seconds, seconds > 0 ? static_cast<double>(n) / seconds : 0.0);
  return Status::OK();
}

// Publishes snapshots of the current projections now (from any thread).
void ProjectionHost::PublishNow() { RefreshHealth(PublishSlaSnapshot()); }

std::shared_ptr<const HealthSnapshot> ProjectionHost::health_snapshot() const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return health_snapshot_;
}

// Applied events reach the SLA metrics within kPublishAfterApply: a snapshot
// is published that long after the previous one when events were applied,
// instead of waiting for the next tick (freshness); the tick (`period`) still
// advances the clocks and refreshes health when nothing arrives.
constexpr std::chrono::milliseconds kPublishAfterApply{100};

void ProjectionHost::Start(std::chrono::milliseconds period) {
  clock_ = std::thread([this, period] {
    using SteadyClock = std::chrono::steady_clock;
    auto next_tick = SteadyClock::now() + period;
    auto last_publish = SteadyClock::time_point{};
    auto publish_due = SteadyClock::time_point::max();  // set once applied events wait for a publish
    std::unique_lock<std::mutex> lock(stop_mu_);
    for (;;) {
      stop_cv_.wait_until(lock, std::min(next_tick, publish_due), [this] { return stop_ || !pending_.empty(); });
      if (stop_) break;
      std::vector<std::vector<events::Event>> work;
      work.swap(pending_);
      std::optional<SnapshotMark> mark;
      mark.swap(snapshot_mark_);
      const uint64_t taken_at = generation_;
      lock.unlock();
      std::optional<projections::Snapshot> snapshot;
      if (!work.empty()) {
        std::lock_guard<std::mutex> apply_lock(mu_);
        for (const auto& batch : work) live_applied_ += static_cast<int64_t>(batch.size());
        // A Rebuild() since the work was taken scanned these events already.
        if (generation_ != taken_at) work.clear();
        for (size_t i = 0; i < work.size(); ++i) {
          for (const auto& e : work[i]) ApplyLocked(e);
          if (mark && i + 1 == mark->batches) snapshot = TakeSnapshotLocked(std::move(mark->offsets));
        }
        if (!work.empty() && publish_due == SteadyClock::time_point::max()) {
          publish_due = last_publish + kPublishAfterApply;
        }
      }
      if (snapshot) WriteSnapshotNow(&*snapshot);  // outside mu_: scrapes and the API go on
      const auto now = SteadyClock::now();
      if (now >= next_tick) {
        Tick();
        next_tick = SteadyClock::now() + period;
        last_publish = now;
        publish_due = SteadyClock::time_point::max();
      } else if (now >= publish_due) {
        PublishSlaSnapshot();
        last_publish = now;
        publish_due = SteadyClock::time_point::max();
      }
      lock.lock();
    }
  });
}

void ProjectionHost::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (clock_.joinable()) clock_.join();
}

std::shared_ptr<const projections::SlaSnapshot> ProjectionHost::sla_snapshot() const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return snapshot_;
}

std::pair<std::shared_ptr<const projections::SlaSnapshot>, uint64_t> ProjectionHost::sla_snapshot_and_generation()
    const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return {snapshot_, snapshot_generation_};
}

std::vector<projections::SlaRecord> ProjectionHost::AtRiskInstances(int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<projections::SlaRecord> out;
  for (auto& r : projections_->sla().Evaluate(now)) {
    if (r.state == projections::InstanceState::kStopped) continue;
    if (r.level != projections::RiskLevel::kOk) out.push_back(std::move(r));
  }
  return out;
}

std::vector<projections::SlaRecord> ProjectionHost::OpenInstances(int64_t now, std::string_view account_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<projections::SlaRecord> out;
  for (auto& r : projections_->sla().Evaluate(now, account_id)) {
    if (r.state != projections::InstanceState::kStopped) out.push_back(std::move(r));
  }
  return out;
}

std::string ProjectionHost::OwnerOf(std::string_view account_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return projections_->sla().OwnerOf(account_id);
}

StatusOr<projections::TicketExplanation> ProjectionHost::ExplainTicket(int64_t now, std::string_view ticket_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return projections_->sla().Explain(ticket_id, now);
}

projections::TrendSeries ProjectionHost::TrendSeries(const projections::TrendFilter& filter, int weeks) const {
  std::lock_guard<std::mutex> lock(mu_);
  return projections_->trends().Series(filter, weeks);
}

std::map<std::string, projections::TrendCounts> ProjectionHost::TrendTotals(projections::TrendDimension by,
                                                                            const projections::TrendFilter& filter,
                                                                            int weeks) const {
  std::lock_guard<std::mutex> lock(mu_);
  return projections_->trends().Totals(by, filter, weeks);
}

std::set<std::string> ProjectionHost::TrendNames(projections::TrendDimension by) const {
  std::lock_guard<std::mutex> lock(mu_);
  return projections_->trends().Names(by);
}

std::string ProjectionHost::TeamOf(std::string_view account_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return projections_->sla().TeamOf(account_id);
}

}  // namespace slamon::daemon
