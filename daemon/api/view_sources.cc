#include "daemon/api/view_sources.h"

#include <ctime>
#include <string_view>

namespace slamon::daemon {
namespace {
int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }
}  // namespace

ApiDataProvider ApiProviderFromViews(const ProjectionViews& views) {
  return {.accounts =
              [&views] {
                auto h = views.health_snapshot();
                return h ? ApiData<projections::AccountRecord>{h->as_of, h->accounts}
                         : ApiData<projections::AccountRecord>{Now(), {}};
              },
          .breaches =
              [&views] {
                const int64_t now = Now();
                return ApiData<BreachItem>{
                    now, CollectBreaches(
                             views.AtRiskInstances(now), [&views](std::string_view a) { return views.OwnerOf(a); },
                             [&views](std::string_view a) { return views.TeamOf(a); })};
              },
          .account_slas = [&views](std::string_view account_id) { return views.OpenInstances(Now(), account_id); }};
}

bool InScope(const AccessScope& scope, const SlaView& views, std::string_view account_id) {
  if (scope.kind() == AccessScope::Kind::kAll) return true;  // no lookups for the common case
  return scope.AllowsAccount(views.OwnerOf(account_id), views.TeamOf(account_id));
}

ConsoleSources ConsoleSourcesFromViews(const ProjectionViews& views) {
  return {.sla = [&views] { return views.sla_snapshot(); }, .api = ApiProviderFromViews(views)};
}

}  // namespace slamon::daemon
