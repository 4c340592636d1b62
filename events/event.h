// The event model: one customer interaction event as decoded from the wire
// (EVENTS.md) and as read back from the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slamon::events {

/// Event types. The numeric value is the canonical type rank of
/// SLA_SEMANTICS.md: events are ordered by (occurred_at, rank, id).
enum class EventType : uint8_t {
  kAccountUpserted = 0,
  kAccountChurned = 1,
  kTicketOpened = 2,
  kTicketStatusChanged = 3,
  kTicketPriorityChanged = 4,
  kTicketReplied = 5,
  kTicketResolved = 6,
  kTicketReopened = 7,
  kSurveyAnswered = 8,
  kInteractionLogged = 9,
};
inline constexpr int kEventTypeCount = 10;

enum class Priority : uint8_t { kUrgent = 0, kHigh = 1, kNormal = 2, kLow = 3 };
inline constexpr int kPriorityCount = 4;
enum class TicketStatus : uint8_t { kOpen = 0, kPending = 1, kOnHold = 2, kSolved = 3, kClosed = 4 };
enum class Author : uint8_t { kAgent = 0, kCustomer = 1 };
enum class InteractionKind : uint8_t { kCall = 0, kMeeting = 1, kEmail = 2, kQbr = 3 };
enum class Direction : uint8_t { kInbound = 0, kOutbound = 1 };

/// Wire names ("ticket.opened", "high", "on_hold", ...). Parse* return
/// nullopt for an unknown name.
std::string_view Name(EventType t);
std::string_view Name(Priority p);
std::string_view Name(TicketStatus s);
std::string_view Name(Author a);
std::string_view Name(InteractionKind k);
std::string_view Name(Direction d);
std::optional<EventType> ParseEventType(std::string_view s);
std::optional<Priority> ParsePriority(std::string_view s);
std::optional<TicketStatus> ParseTicketStatus(std::string_view s);
std::optional<Author> ParseAuthor(std::string_view s);
std::optional<InteractionKind> ParseInteractionKind(std::string_view s);
std::optional<Direction> ParseDirection(std::string_view s);

/// A validated event. Only the payload fields of its `type` are meaningful
/// (EVENTS.md "Types"); the others keep their defaults. Times are Unix
/// seconds, UTC, fractions truncated.
struct Event {
  std::string id;
  EventType type = EventType::kAccountUpserted;
  int64_t occurred_at = 0;
  std::string account_id;

  // ticket.*, survey.answered (optional there)
  std::string ticket_id;
  Priority priority = Priority::kNormal;      // opened, priority_changed
  TicketStatus status = TicketStatus::kOpen;  // status_changed
  Author author = Author::kAgent;             // replied
  bool is_public = true;                      // replied
  std::string channel;                        // opened (optional)

  // account.upserted
  std::string name, tier, owner, owner_email, team, calendar;
  std::optional<double> contract_value;
  std::string renewal_date;  // YYYY-MM-DD or empty

  // account.churned (reason), survey.answered (score, comment)
  std::string reason;
  int score = 0;
  std::string comment;

  // interaction.logged
  InteractionKind kind = InteractionKind::kEmail;
  Direction direction = Direction::kInbound;

  /// The message as received, minified JSON (extra fields kept). This is what
  /// `slamon export` prints and what the audit hash chain covers.
  std::string json;

  bool HasTicket() const { return !ticket_id.empty(); }
};

/// Canonical order of SLA_SEMANTICS.md: (occurred_at, type rank, id).
inline bool CanonicalLess(const Event& a, const Event& b) {
  if (a.occurred_at != b.occurred_at) return a.occurred_at < b.occurred_at;
  if (a.type != b.type) return a.type < b.type;
  return a.id < b.id;
}

}  // namespace slamon::events
