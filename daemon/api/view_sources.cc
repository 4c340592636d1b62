#include "daemon/api/view_sources.h"

#include <ctime>
#include <string_view>

#include "daemon/api/scorecards.h"

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
  return {.sla = [&views] { return views.sla_snapshot(); },
          .api = ApiProviderFromViews(views),
          .trends = TrendsSourceFromViews(views)};
}

TrendsSource TrendsSourceFromViews(const ProjectionViews& views) {
  using projections::AccountRecord;
  using projections::TrendDimension;
  using projections::TrendFilter;
  return {
      .series = [&views](const TrendFilter& filter, int weeks) { return views.TrendSeries(filter, weeks); },
      .scorecards =
          [&views](TrendDimension by, const TrendFilter& filter, int weeks) {
            auto h = views.health_snapshot();
            const std::vector<AccountRecord> none;
            return ApiData<projections::Scorecard>{
                h ? h->as_of : Now(),
                LiveScorecards(by, views.TrendTotals(by, filter, weeks), h ? h->accounts : none, filter)};
          },
      .accounts =
          [&views](const TrendFilter& filter) {
            auto h = views.health_snapshot();
            ApiData<AccountRecord> out{h ? h->as_of : Now(), {}};
            if (h) {
              for (const AccountRecord& a : h->accounts) {
                if (AccountMatches(a, filter)) out.items.push_back(a);
              }
            }
            return out;
          },
      .known =
          [&views](TrendDimension by, const std::string& name) {
            if (auto h = views.health_snapshot()) {
              for (const AccountRecord& a : h->accounts) {
                if ((by == TrendDimension::kOwner ? a.owner : a.team) == name) return true;
              }
            }
            return views.TrendNames(by).count(name) > 0;
          },
  };
}

TicketSource TicketSourceFromViews(const ProjectionViews& views) {
  return {.explain = [&views](const HttpRequest&,
                              std::string_view ticket_id) { return views.ExplainTicket(Now(), ticket_id); },
          .in_scope = [&views](const AccessScope& scope,
                               std::string_view account_id) { return InScope(scope, views, account_id); }};
}

}  // namespace slamon::daemon
