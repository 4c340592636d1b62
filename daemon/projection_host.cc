#include "daemon/projection_host.h"

#include <ctime>

#include "events/logging.h"

namespace slamon::daemon {
namespace {
int64_t WallClock() { return static_cast<int64_t>(std::time(nullptr)); }
}  // namespace

ProjectionHost::ProjectionHost(std::shared_ptr<const projections::SlaConfig> sla_config,
                               projections::HealthConfig health_config, std::chrono::seconds health_period)
    : sla_config_(sla_config),
      sla_(std::move(sla_config), {.live = true}),
      health_(health_config),
      health_period_(health_period) {}

void ProjectionHost::ApplyLocked(const events::Event& e) {
  sla_.Apply(e);
  health_.Apply(e);
  if (e.type == events::EventType::kSurveyAnswered) {
    // A counter of answers by the tier and owner in force when answered.
    auto state = health_.accounts().At(e.account_id, e.occurred_at);
    std::string tier = state ? state->attributes.tier : "unknown";
    std::string owner = state ? state->attributes.owner : "";
    ++csat_responses_[{std::move(tier), std::move(owner), e.score >= 4}];
  }
}

ProjectionHost::~ProjectionHost() { Stop(); }

Status ProjectionHost::Replay(const events::EventStore& store) {
  const auto t0 = std::chrono::steady_clock::now();
  int64_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SLAMON_RETURN_IF_ERROR(store.ScanEvents([&](const events::StoredEvent& se) {
      ApplyLocked(se.event);
      ++n;
      return true;
    }));
  }
  Tick();
  replay_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Log("projections")
      ->info("replayed {} events in {:.2f} s ({:.0f} events/s): {} tickets, {} accounts", n, replay_seconds_,
             replay_seconds_ > 0 ? n / replay_seconds_ : 0.0, sla_.ticket_count(), sla_.account_count());
  replayed_ = true;
  return Status::OK();
}

void ProjectionHost::OnStored(std::vector<events::Event>&& stored) {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    pending_.push_back(std::move(stored));
  }
  stop_cv_.notify_all();
}

size_t ProjectionHost::backlog() const {
  std::lock_guard<std::mutex> lock(stop_mu_);
  size_t n = 0;
  for (const auto& v : pending_) n += v.size();
  return n;
}

void ProjectionHost::Tick() {
  const int64_t now = WallClock();
  std::shared_ptr<projections::SlaSnapshot> snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sla_.AdvanceTo(now);
    snap = std::make_shared<projections::SlaSnapshot>(sla_.Snapshot());
  }
  {
    std::lock_guard<std::mutex> lock(snap_mu_);
    snapshot_ = std::move(snap);
  }
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
  h->as_of = now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    h->accounts = health_.EvaluateAccounts(now, sla_.Evaluate(now));
    h->csat_30d_by_tier = health_.csat().ByTier(now, projections::kCsatWindow30d, health_.accounts());
    h->churn = health_.Churn(now);
    h->csat_responses = csat_responses_;
  }
  std::lock_guard<std::mutex> lock(snap_mu_);
  health_snapshot_ = std::move(h);
}

std::shared_ptr<const HealthSnapshot> ProjectionHost::health_snapshot() const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return health_snapshot_;
}

void ProjectionHost::Start(std::chrono::milliseconds period) {
  clock_ = std::thread([this, period] {
    auto next_tick = std::chrono::steady_clock::now() + period;
    std::unique_lock<std::mutex> lock(stop_mu_);
    for (;;) {
      stop_cv_.wait_until(lock, next_tick, [this] { return stop_ || !pending_.empty(); });
      if (stop_) break;
      std::vector<std::vector<events::Event>> work;
      work.swap(pending_);
      lock.unlock();
      if (!work.empty()) {
        std::lock_guard<std::mutex> apply_lock(mu_);
        for (const auto& batch : work) {
          for (const auto& e : batch) ApplyLocked(e);
        }
      }
      if (std::chrono::steady_clock::now() >= next_tick) {
        Tick();
        next_tick = std::chrono::steady_clock::now() + period;
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

std::vector<projections::SlaRecord> ProjectionHost::AtRiskInstances(int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<projections::SlaRecord> out;
  for (auto& r : sla_.Evaluate(now)) {
    if (r.state == projections::InstanceState::kStopped) continue;
    if (r.level != projections::RiskLevel::kOk) out.push_back(std::move(r));
  }
  return out;
}

std::string ProjectionHost::OwnerOf(std::string_view account_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return sla_.OwnerOf(account_id);
}

}  // namespace slamon::daemon
