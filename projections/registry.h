// The registered projections: one list (registry.cc) of every projection the
// daemon keeps, and the set of them that the projection host holds. Adding a
// projection is one folder with its type and one line in that list.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "events/common/status.h"
#include "events/event.h"
#include "projections/accounts/csat_responses.h"
#include "projections/accounts/health_config.h"
#include "projections/accounts/health_projection.h"
#include "projections/projection.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "projections/trends/trends_projection.h"

namespace slamon::projections {

/// What the projections are built for.
struct ProjectionConfigs {
  std::shared_ptr<const SlaConfig> sla;
  std::shared_ptr<const HealthConfig> health;
  bool live = true;  ///< SlaProjectionOptions::live: deadline timers and aggregates for AdvanceTo()
};

/// One empty projection of each registered kind, in registration order: the
/// order every event is applied in, so a projection may read the state of
/// one registered before it (the CSAT answer counter reads the accounts of
/// the health projection).
///
/// Thread-safety: none; the owner serializes every call.
class ProjectionSet {
 public:
  explicit ProjectionSet(ProjectionConfigs configs);
  ProjectionSet(ProjectionSet&&) = default;
  ProjectionSet& operator=(ProjectionSet&&) = default;

  /// Applies `e` to every projection, in order.
  void Apply(const events::Event& e);
  /// Moves every projection's clock to `now`.
  void AdvanceTo(int64_t now);

  /// The same replay state as this set, in empty projections built for
  /// `configs`: what replaying the same events under those configs would
  /// give (the states hold every applied event and none of the config).
  StatusOr<std::unique_ptr<ProjectionSet>> Rejudged(ProjectionConfigs configs) const;

  const ProjectionConfigs& configs() const { return configs_; }
  /// Every projection, in registration order.
  const std::vector<std::unique_ptr<Projection>>& all() const { return all_; }
  /// The projection registered under `name`, or null.
  Projection* Find(std::string_view name) const;

  // Typed access for what the projections answer (the daemon's views).
  SlaProjection& sla() { return *sla_; }
  const SlaProjection& sla() const { return *sla_; }
  HealthProjection& health() { return *health_; }
  const HealthProjection& health() const { return *health_; }
  const CsatResponseCounts& csat_responses() const { return csat_responses_->counts(); }
  const TrendsProjection& trends() const { return *trends_; }

 private:
  template <typename P>
  P* Get() const;

  ProjectionConfigs configs_;
  std::vector<std::unique_ptr<Projection>> all_;
  SlaProjection* sla_ = nullptr;
  HealthProjection* health_ = nullptr;
  CsatResponseCounter* csat_responses_ = nullptr;
  TrendsProjection* trends_ = nullptr;
};

}  // namespace slamon::projections
