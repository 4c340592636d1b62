// Event builders and times for the health tests.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/event.h"
#include "projections/accounts/account_projection.h"

namespace slamon::projections::health_testing {

inline constexpr int64_t kDay = kDaySeconds;

/// RFC 3339 to Unix seconds; throws on a typo in a test.
inline int64_t T(const std::string& s) {
  int64_t t = 0;
  if (!events::ParseRfc3339(s, &t)) throw std::invalid_argument("bad time " + s);
  return t;
}

/// Builds events with unique ids ("h-1", "h-2", ...).
class Events {
 public:
  events::Event& Add(events::EventType type, const std::string& account, int64_t t) {
    events::Event e;
    e.id = "h-" + std::to_string(++n_);
    e.type = type;
    e.occurred_at = t;
    e.account_id = account;
    list_.push_back(std::move(e));
    return list_.back();
  }
  events::Event& Upsert(const std::string& account, int64_t t, const std::string& tier, const std::string& owner,
                        const std::string& renewal_date = "") {
    auto& e = Add(events::EventType::kAccountUpserted, account, t);
    e.tier = tier;
    e.owner = owner;
    e.renewal_date = renewal_date;
    return e;
  }
  events::Event& Churn(const std::string& account, int64_t t) {
    return Add(events::EventType::kAccountChurned, account, t);
  }
  events::Event& Survey(const std::string& account, int64_t t, int score) {
    auto& e = Add(events::EventType::kSurveyAnswered, account, t);
    e.score = score;
    return e;
  }
  events::Event& Ticket(events::EventType type, const std::string& account, int64_t t, const std::string& ticket) {
    auto& e = Add(type, account, t);
    e.ticket_id = ticket;
    return e;
  }
  events::Event& Reply(const std::string& account, int64_t t, const std::string& ticket, events::Author author,
                       bool is_public = true) {
    auto& e = Ticket(events::EventType::kTicketReplied, account, t, ticket);
    e.author = author;
    e.is_public = is_public;
    return e;
  }
  events::Event& Interaction(const std::string& account, int64_t t, events::Direction d) {
    auto& e = Add(events::EventType::kInteractionLogged, account, t);
    e.kind = events::InteractionKind::kCall;
    e.direction = d;
    return e;
  }
  const std::vector<events::Event>& list() const { return list_; }

  template <typename P>
  void ApplyTo(P* projection) const {
    for (const auto& e : list_) projection->Apply(e);
  }

 private:
  std::vector<events::Event> list_;
  int n_ = 0;
};

}  // namespace slamon::projections::health_testing
