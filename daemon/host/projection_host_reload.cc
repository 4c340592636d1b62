// ProjectionHost and configuration reload: swapping the SLA and health
// configs of the live projections without a restart or a store scan.
#include <chrono>
#include <ctime>
#include <string>
#include <utility>

#include "daemon/host/projection_host.h"
#include "events/common/logging.h"

namespace slamon::daemon {

std::shared_ptr<const projections::SlaConfig> ProjectionHost::sla_config() const {
  std::lock_guard<std::mutex> lock(config_mu_);
  return sla_config_;
}

std::shared_ptr<const projections::HealthConfig> ProjectionHost::health_config() const {
  std::lock_guard<std::mutex> lock(config_mu_);
  return health_config_;
}

projections::ProjectionConfigs ProjectionHost::ConfigsLocked() const {
  return {.sla = sla_config_, .health = health_config_, .live = true};
}

Status ProjectionHost::SwitchConfigLocked(std::unique_ptr<projections::ProjectionSet>* set) const {
  // The projections' replay state holds every applied event and none of the
  // config, so loading it into projections built for the new config gives
  // what replaying the same events under that config would.
  GET_OR_RET(*set, (*set)->Rejudged(ConfigsLocked()));
  return Status::OK();
}

Status ProjectionHost::ReplaceConfig(std::shared_ptr<const projections::SlaConfig> sla_config,
                                     projections::HealthConfig health_config) {
  const auto t0 = std::chrono::steady_clock::now();
  auto health = std::make_shared<const projections::HealthConfig>(std::move(health_config));
  size_t tickets = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<const projections::SlaConfig> old_sla;
    std::shared_ptr<const projections::HealthConfig> old_health;
    {
      std::lock_guard<std::mutex> config_lock(config_mu_);
      old_sla = std::exchange(sla_config_, std::move(sla_config));
      old_health = std::exchange(health_config_, std::move(health));
    }
    if (Status s = SwitchConfigLocked(&projections_); !s.ok()) {
      std::lock_guard<std::mutex> config_lock(config_mu_);
      sla_config_ = std::move(old_sla);
      health_config_ = std::move(old_health);
      return s;
    }
    resolution_bounds_ = ResolutionBounds(sla_config_->AllTargets());
    {
      std::lock_guard<std::mutex> config_lock(config_mu_);
      ++config_epoch_;  // a new publication generation: derived counters restart
    }
    tickets = projections_->sla().ticket_count();
  }
  PublishNow();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Log("projections")->info("re-judged {} tickets under the reloaded config in {:.3f} s", tickets, seconds);
  return Status::OK();
}

}  // namespace slamon::daemon
