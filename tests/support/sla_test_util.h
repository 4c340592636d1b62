// Helpers for the projections tests: event builders, times, the doc config,
// replaying events and finding records.
#pragma once

#include <date/date.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "events/event.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"

namespace slamon::projections::testing {

/// RFC 3339 with offset ("2026-11-20T17:30:00+08:00" or "...Z") to Unix seconds.
inline int64_t T(const std::string& s) {
  auto num = [&](size_t pos, size_t len) { return std::stoi(s.substr(pos, len)); };
  if (s.size() < 20 || s[10] != 'T') throw std::invalid_argument("bad time " + s);
  const date::year_month_day ymd{date::year{num(0, 4)}, date::month{static_cast<unsigned>(num(5, 2))},
                                 date::day{static_cast<unsigned>(num(8, 2))}};
  int64_t t = static_cast<int64_t>(date::sys_days(ymd).time_since_epoch().count()) * 86400 + num(11, 2) * 3600 +
              num(14, 2) * 60 + num(17, 2);
  if (s[19] == 'Z') return t;
  const int64_t off = num(20, 2) * 3600 + num(23, 2) * 60;
  return s[19] == '+' ? t - off : t + off;
}

/// The configuration of docs/sla-semantics.md plus the tier-b and tier-c-us
/// policies its worked examples use.
inline constexpr const char* kDocConfig = R"(
kafka: {brokers: embedded}   # belongs to others: ignored
calendars:
  - name: cn-business
    timezone: Asia/Shanghai
    hours:
      mon: ["09:00-12:00", "13:00-18:00"]
      tue: ["09:00-12:00", "13:00-18:00"]
      wed: ["09:00-12:00", "13:00-18:00"]
      thu: ["09:00-12:00", "13:00-18:00"]
      fri: ["09:00-12:00", "13:00-18:00"]
    holidays: ["2026-10-01", "2026-10-02", "2026-10-05"]
  - name: us-east
    timezone: America/New_York
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
            thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
policies:
  - name: tier-a
    match: {tier: [A]}
    calendar: cn-business
    targets: {first_response: 1h, next_response: 2h, resolution: 8h}
    pause_on: [pending, on_hold]
    pause_metrics: [resolution, next_response]
    warn_at: 0.75
  - name: tier-b
    match: {tier: [B]}
    calendar: cn-business
    targets: {first_response: 4h, resolution: 24h}
  - name: tier-c-us
    match: {tier: [C]}
    calendar: us-east
    targets: {first_response: 4h}
  - name: default
    calendar: 24x7
    targets: {first_response: 4h}
)";

/// The configuration of the worked examples of docs/sla-semantics.md
/// "Extensions": calendar overrides, an account calendar, channel matching,
/// escalation steps and department (group) targets.
inline constexpr const char* kExtConfig = R"(
calendars:
  - name: cn-business
    timezone: Asia/Shanghai
    hours:
      mon: ["09:00-12:00", "13:00-18:00"]
      tue: ["09:00-12:00", "13:00-18:00"]
      wed: ["09:00-12:00", "13:00-18:00"]
      thu: ["09:00-12:00", "13:00-18:00"]
      fri: ["09:00-12:00", "13:00-18:00"]
    holidays: ["2026-10-01", "2026-10-02", "2026-10-05", "2027-01-01"]
    overrides: {"2026-10-10": ["09:00-12:00", "13:00-18:00"], "2026-12-31": ["09:00-12:00"]}
  - name: sg-business
    timezone: Asia/Singapore
    hours: {mon: ["08:00-17:00"], tue: ["08:00-17:00"], wed: ["08:00-17:00"], thu: ["08:00-17:00"],
            fri: ["08:00-17:00"]}
policies:
  - name: tier-a-phone
    match: {tier: [A], channel: [phone]}
    calendar: 24x7
    targets: {first_response: 30m}
  - name: tier-a
    match: {tier: [A]}
    calendar: cn-business
    use_account_calendar: true
    targets: {first_response: 1h, next_response: 2h, resolution: 8h}
    escalation: [{name: team_lead, after: 2h}, {name: head_of_service, after: 1d}]
    group_targets: {after_sales: 2h, tech: 4h}
  - name: tier-b
    match: {tier: [B]}
    calendar: cn-business
    targets: {first_response: 4h, resolution: 24h}
)";

inline std::shared_ptr<const SlaConfig> MustLoad(const std::string& yaml) {
  auto c = LoadSlaConfigText(yaml, "test.yaml");
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::make_shared<const SlaConfig>(c.take());
}

/// Builds events with unique ids.
class Events {
 public:
  events::Event& Upsert(const std::string& account, const std::string& t, const std::string& tier,
                        const std::string& owner = "owner-1") {
    auto& e = Add(events::EventType::kAccountUpserted, account, "", t);
    e.tier = tier;
    e.owner = owner;
    e.name = account;
    return e;
  }
  events::Event& Opened(const std::string& ticket, const std::string& account, const std::string& t,
                        events::Priority p = events::Priority::kHigh) {
    auto& e = Add(events::EventType::kTicketOpened, account, ticket, t);
    e.priority = p;
    return e;
  }
  events::Event& Reply(const std::string& ticket, const std::string& t, events::Author author, bool is_public = true) {
    auto& e = Add(events::EventType::kTicketReplied, AccountOf(ticket), ticket, t);
    e.author = author;
    e.is_public = is_public;
    return e;
  }
  events::Event& AgentReply(const std::string& ticket, const std::string& t) {
    return Reply(ticket, t, events::Author::kAgent);
  }
  events::Event& CustomerReply(const std::string& ticket, const std::string& t) {
    return Reply(ticket, t, events::Author::kCustomer);
  }
  events::Event& Status(const std::string& ticket, const std::string& t, events::TicketStatus s) {
    auto& e = Add(events::EventType::kTicketStatusChanged, AccountOf(ticket), ticket, t);
    e.status = s;
    return e;
  }
  events::Event& Priority(const std::string& ticket, const std::string& t, events::Priority p) {
    auto& e = Add(events::EventType::kTicketPriorityChanged, AccountOf(ticket), ticket, t);
    e.priority = p;
    return e;
  }
  events::Event& Assigned(const std::string& ticket, const std::string& t, const std::string& group,
                          const std::string& assignee = "") {
    auto& e = Add(events::EventType::kTicketAssigned, AccountOf(ticket), ticket, t);
    e.group = group;
    e.assignee = assignee;
    return e;
  }
  events::Event& Resolved(const std::string& ticket, const std::string& t) {
    return Add(events::EventType::kTicketResolved, AccountOf(ticket), ticket, t);
  }
  events::Event& Reopened(const std::string& ticket, const std::string& t) {
    return Add(events::EventType::kTicketReopened, AccountOf(ticket), ticket, t);
  }

  std::vector<events::Event>& all() { return events_; }

 private:
  events::Event& Add(events::EventType type, const std::string& account, const std::string& ticket,
                     const std::string& t) {
    events::Event e;
    e.id = "e-" + std::to_string(1000000 + events_.size());
    e.type = type;
    e.occurred_at = T(t);
    e.account_id = account;
    e.ticket_id = ticket;
    if (type == events::EventType::kTicketOpened) accounts_.emplace_back(ticket, account);
    events_.push_back(std::move(e));
    return events_.back();
  }
  std::string AccountOf(const std::string& ticket) const {
    for (const auto& [t, a] : accounts_) {
      if (t == ticket) return a;
    }
    return "nobody";
  }

  std::vector<events::Event> events_;
  std::vector<std::pair<std::string, std::string>> accounts_;
};

/// The records of an SlaProjection of `config` fed `evs`, evaluated at `as_of`.
inline std::vector<SlaRecord> Replay(const std::string& config, const std::vector<events::Event>& evs, int64_t as_of) {
  SlaProjection p(MustLoad(config));
  for (const auto& e : evs) p.Apply(e);
  return p.Evaluate(as_of);
}

/// The record of `ticket`, `m` and `cycle`, nullptr when there is none.
inline const SlaRecord* Find(const std::vector<SlaRecord>& rs, const std::string& ticket, Metric m, int cycle = 1) {
  for (const auto& r : rs) {
    if (r.ticket_id == ticket && r.metric == m && r.cycle == cycle) return &r;
  }
  return nullptr;
}

/// The record of `m` and `cycle` (of any ticket); throws when there is none.
inline const SlaRecord& Get(const std::vector<SlaRecord>& rs, Metric m, int cycle = 1) {
  for (const auto& r : rs) {
    if (r.metric == m && r.cycle == cycle) return r;
  }
  throw std::runtime_error("no record " + std::string(MetricName(m)) + " " + std::to_string(cycle));
}

/// A time as RFC 3339 UTC, "null" for none.
inline std::string Utc(const std::optional<int64_t>& t) { return t ? FormatUtc(*t) : "null"; }

}  // namespace slamon::projections::testing
