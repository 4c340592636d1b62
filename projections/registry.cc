#include "projections/registry.h"

#include <functional>
#include <string>
#include <utility>

#include "projections/snapshot.h"

namespace slamon::projections {
namespace {

// Builds one projection for `configs`; `built` holds those registered before
// it (a derived projection may hook into them, as trends into the SLA records).
using Factory = std::function<std::unique_ptr<Projection>(const ProjectionConfigs& configs, ProjectionSet& built)>;

template <typename P, typename... Args>
std::unique_ptr<Projection> Make(std::string_view name, Args&&... args) {
  return std::make_unique<RegisteredProjection<P>>(name, std::forward<Args>(args)...);
}

// The registered projections, in the order events are applied; each name is
// its snapshot section (projections/snapshot.h), so names never change.
const std::vector<Factory>& Registrations() {
  static const std::vector<Factory> kRegistered = {
      [](const ProjectionConfigs& c, ProjectionSet&) {
        return Make<SlaProjection>(kSlaSection, c.sla, SlaProjection::Options{.live = c.live});
      },
      // Accounts, CSAT and key-account value are parts of the health projection.
      [](const ProjectionConfigs& c, ProjectionSet&) { return Make<HealthProjection>(kHealthSection, *c.health); },
      [](const ProjectionConfigs&, ProjectionSet& built) {
        return Make<CsatResponseCounter>(kCsatResponsesSection, &built.health().accounts());
      },
      // Derived from the SLA records and the health projection's tables.
      [](const ProjectionConfigs& c, ProjectionSet& built) {
        return Make<TrendsProjection>(kTrendsSection, &built.sla(), &built.health(), c.live);
      },
  };
  return kRegistered;
}

}  // namespace

template <typename P>
P* ProjectionSet::Get() const {
  for (const auto& p : all_) {
    if (auto* registered = dynamic_cast<RegisteredProjection<P>*>(p.get())) return &registered->get();
  }
  return nullptr;
}

ProjectionSet::ProjectionSet(ProjectionConfigs configs) : configs_(std::move(configs)) {
  for (const Factory& make : Registrations()) {
    all_.push_back(make(configs_, *this));
    // The typed accessors, for the next factories and the views.
    if (sla_ == nullptr) sla_ = Get<SlaProjection>();
    if (health_ == nullptr) health_ = Get<HealthProjection>();
  }
  csat_responses_ = Get<CsatResponseCounter>();
  trends_ = Get<TrendsProjection>();
}

void ProjectionSet::Apply(const events::Event& e) {
  for (const auto& p : all_) p->Apply(e);
}

void ProjectionSet::AdvanceTo(int64_t now) {
  for (const auto& p : all_) p->AdvanceTo(now);
}

StatusOr<std::unique_ptr<ProjectionSet>> ProjectionSet::Rejudged(ProjectionConfigs configs) const {
  auto next = std::make_unique<ProjectionSet>(std::move(configs));
  std::string state;
  for (size_t i = 0; i < all_.size(); ++i) {
    state.clear();
    all_[i]->SaveState(&state);
    SLAMON_RETURN_IF_ERROR(next->all_[i]->LoadState(state));
  }
  return next;
}

Projection* ProjectionSet::Find(std::string_view name) const {
  for (const auto& p : all_) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

}  // namespace slamon::projections
