// Random but plausible ticket lifecycles for property tests and benchmarks.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "events/event.h"

namespace slamon::projections::testing {

struct GenOptions {
  int accounts = 50;     // accounts that get upserts
  int account_pool = 0;  // tickets pick accounts among this many (0: `accounts`)
  int tickets = 1000;
  int64_t ticket_base = 0;     // first ticket number (to generate in chunks)
  uint64_t id_base = 0;        // first event number
  int64_t begin = 1793491200;  // 2026-11-01T00:00:00Z
  int64_t span = 30 * 86400;   // tickets open within [begin, begin + span)
  bool messy = true;           // events before opens, duplicate opens, same-second ties
  bool with_json = false;      // fill Event::json
  /// Also generate ticket.assigned, ticket channels and account teams and
  /// calendars (the SLA extensions). Off keeps the classic event mix.
  bool extensions = false;
  uint64_t seed = 1;
};

/// Generates account upserts and ticket events (in time order per ticket,
/// tickets interleaved by open time, NOT globally sorted).
inline std::vector<events::Event> GenerateEvents(const GenOptions& o) {
  using events::EventType;
  std::mt19937_64 rng(o.seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  std::vector<events::Event> out;
  uint64_t next_id = o.id_base;
  const int pool = o.account_pool > 0 ? o.account_pool : o.accounts;
  auto add = [&](EventType type, int64_t t, const std::string& account, const std::string& ticket) -> events::Event& {
    events::Event e;
    e.id = "e-" + std::to_string(next_id++);
    e.type = type;
    e.occurred_at = t;
    e.account_id = account;
    e.ticket_id = ticket;
    out.push_back(std::move(e));
    return out.back();
  };
  static const char* kTiers[] = {"A", "B", "C", "D"};
  for (int a = 0; a < o.accounts; ++a) {
    const std::string account = "acct-" + std::to_string(a);
    const int upserts = static_cast<int>(uniform(0, 3));
    for (int u = 0; u < upserts; ++u) {
      auto& e = add(EventType::kAccountUpserted, o.begin + uniform(-5 * 86400, o.span), account, "");
      e.tier = kTiers[uniform(0, 3)];
      e.owner = "owner-" + std::to_string(uniform(0, 4));
      e.name = account;
      if (o.extensions) {
        static const char* kTeams[] = {"east", "west", ""};
        static const char* kCalendars[] = {"cn-business", "us-east", "night", "nowhere", "", ""};
        e.team = kTeams[uniform(0, 2)];
        e.calendar = kCalendars[uniform(0, 5)];
      }
    }
  }
  for (int i = 0; i < o.tickets; ++i) {
    const std::string ticket = "T-" + std::to_string(o.ticket_base + i);
    const std::string account = "acct-" + std::to_string(uniform(0, pool - 1));
    int64_t t = o.begin + uniform(0, o.span - 1);
    if (o.messy && uniform(0, 9) == 0) {
      auto& r = add(EventType::kTicketReplied, t - uniform(0, 3600), account, ticket);
      r.author = events::Author::kAgent;
    }
    auto& opened = add(EventType::kTicketOpened, t, account, ticket);
    opened.priority = static_cast<events::Priority>(uniform(0, 3));
    if (o.extensions) {
      static const char* kChannels[] = {"phone", "email", ""};
      opened.channel = kChannels[uniform(0, 2)];
    }
    if (o.messy && uniform(0, 19) == 0) {
      add(EventType::kTicketOpened, t + uniform(0, 600), account, ticket).priority = events::Priority::kUrgent;
    }
    const int steps = static_cast<int>(uniform(0, o.extensions ? 11 : 8));
    bool resolved = false;
    for (int s = 0; s < steps; ++s) {
      // Small gaps and same-second ties exercise the canonical order.
      t += o.messy && uniform(0, 5) == 0 ? 0 : uniform(60, 6 * 3600);
      switch (uniform(0, o.extensions ? 12 : 9)) {
        case 0:
        case 1:
        case 2: {
          auto& r = add(EventType::kTicketReplied, t, account, ticket);
          r.author = uniform(0, 1) ? events::Author::kAgent : events::Author::kCustomer;
          r.is_public = uniform(0, 5) != 0;
          break;
        }
        case 3:
        case 4:
          add(EventType::kTicketStatusChanged, t, account, ticket).status =
              static_cast<events::TicketStatus>(uniform(0, 4));
          break;
        case 5:
          add(EventType::kTicketPriorityChanged, t, account, ticket).priority =
              static_cast<events::Priority>(uniform(0, 3));
          break;
        case 6:
        case 7:
          add(resolved ? EventType::kTicketReopened : EventType::kTicketResolved, t, account, ticket);
          resolved = !resolved;
          break;
        case 10:
        case 11:
        case 12: {
          static const char* kGroups[] = {"after_sales", "tech", "sales", "finance"};
          auto& a = add(EventType::kTicketAssigned, t, account, ticket);
          a.group = kGroups[uniform(0, 3)];
          a.assignee = "agent-" + std::to_string(uniform(0, 2));
          break;
        }
        default: {
          auto& r = add(EventType::kTicketReplied, t, account, ticket);
          r.author = events::Author::kAgent;
          break;
        }
      }
    }
  }
  if (o.with_json) {
    for (auto& e : out) {
      e.json = "{\"id\":\"" + e.id + "\",\"type\":\"ticket\",\"occurred_at\":" + std::to_string(e.occurred_at) +
               ",\"account_id\":\"" + e.account_id + "\",\"ticket_id\":\"" + e.ticket_id + "\"}";
    }
  }
  return out;
}

}  // namespace slamon::projections::testing
