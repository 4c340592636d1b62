#include "events/event.h"

#include <array>

#include "events/quarantine.h"

namespace slamon::events {
namespace {

// Tables indexed by the enum value; the enums are dense and start at 0, so the
// index is the value and Parse* is a short linear scan (at most 13 entries,
// faster than hashing for strings this short).
constexpr std::array<std::string_view, kEventTypeCount> kEventTypeNames = {
    "account.upserted", "account.churned", "ticket.opened",   "ticket.status_changed", "ticket.priority_changed",
    "ticket.replied",   "ticket.resolved", "ticket.reopened", "survey.answered",       "interaction.logged",
    "ticket.assigned",  "order.placed",    "account.updated",
};
constexpr std::array<std::string_view, kPriorityCount> kPriorityNames = {"urgent", "high", "normal", "low"};
constexpr std::array<std::string_view, 5> kStatusNames = {"open", "pending", "on_hold", "solved", "closed"};
constexpr std::array<std::string_view, 2> kAuthorNames = {"agent", "customer"};
constexpr std::array<std::string_view, 4> kKindNames = {"call", "meeting", "email", "qbr"};
constexpr std::array<std::string_view, 2> kDirectionNames = {"inbound", "outbound"};
constexpr std::array<std::string_view, 2> kSurveyKindNames = {"csat", "nps"};
constexpr std::array<std::string_view, kAccountFieldCount> kAccountFieldNames = {
    "name", "tier", "owner", "owner_email", "team", "calendar", "contract_value", "renewal_date"};
constexpr std::array<std::string_view, kRejectReasonCount> kRejectNames = {
    "malformed_json", "invalid_utf8", "oversize", "missing_field", "invalid_field", "bad_timestamp", "unknown_type",
};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, E value) {
  const auto i = static_cast<size_t>(value);
  return i < N ? names[i] : std::string_view("unknown");
}

template <typename E, size_t N>
std::optional<E> ParseOf(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view Name(EventType t) { return NameOf(kEventTypeNames, t); }
std::string_view Name(Priority p) { return NameOf(kPriorityNames, p); }
std::string_view Name(TicketStatus s) { return NameOf(kStatusNames, s); }
std::string_view Name(Author a) { return NameOf(kAuthorNames, a); }
std::string_view Name(InteractionKind k) { return NameOf(kKindNames, k); }
std::string_view Name(Direction d) { return NameOf(kDirectionNames, d); }
std::string_view Name(SurveyKind k) { return NameOf(kSurveyKindNames, k); }
std::string_view Name(AccountField f) { return NameOf(kAccountFieldNames, f); }
std::string_view Name(RejectReason r) { return NameOf(kRejectNames, r); }

std::optional<EventType> ParseEventType(std::string_view s) { return ParseOf<EventType>(kEventTypeNames, s); }
std::optional<Priority> ParsePriority(std::string_view s) { return ParseOf<Priority>(kPriorityNames, s); }
std::optional<TicketStatus> ParseTicketStatus(std::string_view s) { return ParseOf<TicketStatus>(kStatusNames, s); }
std::optional<Author> ParseAuthor(std::string_view s) { return ParseOf<Author>(kAuthorNames, s); }
std::optional<InteractionKind> ParseInteractionKind(std::string_view s) {
  return ParseOf<InteractionKind>(kKindNames, s);
}
std::optional<Direction> ParseDirection(std::string_view s) { return ParseOf<Direction>(kDirectionNames, s); }
std::optional<SurveyKind> ParseSurveyKind(std::string_view s) { return ParseOf<SurveyKind>(kSurveyKindNames, s); }

}  // namespace slamon::events
