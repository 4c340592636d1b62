// Read-only views of the live projections: what the JSON API, the web
// console and the Prometheus collectors read, so that none of them depends
// on the projection host (daemon/host/projection_host.h implements these).
//
// Thread-safety: every method may be called from any thread, concurrently
// with the projections being updated. Snapshots are immutable published
// values; the instance queries copy under the host's lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/views/health_snapshot.h"
#include "daemon/views/owner_emails.h"
#include "events/common/status.h"
#include "projections/accounts/health_config.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_explain.h"
#include "projections/sla/sla_record.h"
#include "projections/sla/sla_snapshot.h"
#include "projections/trends/trend_types.h"

namespace slamon::daemon {

/// The SLA clocks.
class SlaView {
 public:
  virtual ~SlaView() = default;

  /// The latest published SLA aggregates (null before the store is replayed).
  virtual std::shared_ptr<const projections::SlaSnapshot> sla_snapshot() const = 0;
  /// The same, with its publication generation: it changes whenever counters
  /// derived from the projections restart from new values (a rebuild or a
  /// config reload: a Prometheus counter reset).
  virtual std::pair<std::shared_ptr<const projections::SlaSnapshot>, uint64_t> sla_snapshot_and_generation() const = 0;
  /// The SLA config in force (a reload may swap it: keep the pointer while reading through it).
  virtual std::shared_ptr<const projections::SlaConfig> sla_config() const = 0;
  /// First-response histogram bounds (fixed for the daemon's life).
  virtual const std::vector<int64_t>& histogram_bounds() const = 0;

  /// Running instances in warning or breached state at `now`. Evaluates every
  /// ticket: O(tickets), meant for API calls, not for scrapes.
  virtual std::vector<projections::SlaRecord> AtRiskInstances(int64_t now) const = 0;
  /// Running instances (any level) of one account at `now` (the account card).
  virtual std::vector<projections::SlaRecord> OpenInstances(int64_t now, std::string_view account_id) const = 0;
  /// The account's owner ("" when unknown).
  virtual std::string OwnerOf(std::string_view account_id) const = 0;
  /// One ticket's instances explained at `now` (projections/sla/sla_explain.h),
  /// recomputed from the ticket's events: O(that ticket). NotFound when the
  /// projections hold no ticket.opened of it at or before `now`.
  virtual StatusOr<projections::TicketExplanation> ExplainTicket(int64_t now, std::string_view ticket_id) const = 0;
  /// The account's team ("" when unknown).
  virtual std::string TeamOf(std::string_view account_id) const = 0;
};

/// Accounts: health, CSAT and key-account value.
class AccountsView {
 public:
  virtual ~AccountsView() = default;

  /// The latest health refresh (null before the store is replayed).
  virtual std::shared_ptr<const HealthSnapshot> health_snapshot() const = 0;
  /// The health config in force (a reload may swap it: keep the pointer while reading through it).
  virtual std::shared_ptr<const projections::HealthConfig> health_config() const = 0;
  /// Each owner's e-mail address (owner_emails.h), refreshed within about a
  /// second of an account change (null before the store is replayed).
  virtual std::shared_ptr<const OwnerEmails> owner_emails() const = 0;
};

/// Weekly trends per tier, team and account owner (projections/trends/), at
/// the projections' last clock tick (about a second old at most).
class TrendsView {
 public:
  virtual ~TrendsView() = default;

  /// The last `weeks` weeks (1..52) summed over the buckets `filter` matches;
  /// no weeks (as_of 0) before the store is replayed. O(buckets × weeks).
  virtual projections::TrendSeries TrendSeries(const projections::TrendFilter& filter, int weeks) const = 0;
  /// The same weeks summed per tier, team or owner.
  virtual std::map<std::string, projections::TrendCounts> TrendTotals(projections::TrendDimension by,
                                                                      const projections::TrendFilter& filter,
                                                                      int weeks) const = 0;
  /// The tiers, teams or owners with data in the kept weeks.
  virtual std::set<std::string> TrendNames(projections::TrendDimension by) const = 0;
};

/// The views, as one daemon's projections offer them.
class ProjectionViews : public SlaView, public AccountsView, public TrendsView {};

}  // namespace slamon::daemon
