// The event model: one customer interaction event as decoded from the wire
// (docs/events.md) and as read back from the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slamon::events {

/// Event types. The numeric value is the stored type code (it is written into
/// every stored event, so it never changes); the canonical ordering rank is
/// Rank() below, because later types slot between earlier ones.
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
  kTicketAssigned = 10,
  kOrderPlaced = 11,
  kAccountUpdated = 12,
};
inline constexpr int kEventTypeCount = 13;

/// Canonical type rank: events are ordered by (occurred_at, rank, id).
/// account.updated ranks right after account.upserted (an upsert and an
/// update at the same instant apply upsert first); ticket.assigned between
/// ticket.priority_changed and ticket.replied; order.placed after
/// interaction.logged. Ranks are never stored (snapshots and the store keep
/// type codes), so new types may renumber them.
constexpr int Rank(EventType t) {
  constexpr int kRanks[kEventTypeCount] = {0, 2, 3, 4, 5, 7, 8, 9, 10, 11, 6, 12, 1};
  return kRanks[static_cast<int>(t)];
}

/// The attributes an account.upserted sets and an account.updated may set,
/// as bits of an AccountFieldSet. The numeric value is stored (the stored
/// format and projection snapshots keep field sets), so it never changes.
enum class AccountField : uint8_t {
  kName = 0,
  kTier = 1,
  kOwner = 2,
  kOwnerEmail = 3,
  kTeam = 4,
  kCalendar = 5,
  kContractValue = 6,
  kRenewalDate = 7,
};
inline constexpr int kAccountFieldCount = 8;
using AccountFieldSet = uint8_t;
inline constexpr AccountFieldSet kAllAccountFields = 0xff;
constexpr AccountFieldSet FieldBit(AccountField f) { return static_cast<AccountFieldSet>(1u << static_cast<int>(f)); }
constexpr bool Has(AccountFieldSet set, AccountField f) { return (set & FieldBit(f)) != 0; }

enum class Priority : uint8_t { kUrgent = 0, kHigh = 1, kNormal = 2, kLow = 3 };
inline constexpr int kPriorityCount = 4;
enum class TicketStatus : uint8_t { kOpen = 0, kPending = 1, kOnHold = 2, kSolved = 3, kClosed = 4 };
enum class Author : uint8_t { kAgent = 0, kCustomer = 1 };
enum class InteractionKind : uint8_t { kCall = 0, kMeeting = 1, kEmail = 2, kQbr = 3 };
enum class Direction : uint8_t { kInbound = 0, kOutbound = 1 };
/// survey.answered `kind`: csat scores are 1-5, nps scores 0-10.
enum class SurveyKind : uint8_t { kCsat = 0, kNps = 1 };

/// Wire names ("ticket.opened", "high", "on_hold", ...). Parse* return
/// nullopt for an unknown name.
std::string_view Name(EventType t);
std::string_view Name(Priority p);
std::string_view Name(TicketStatus s);
std::string_view Name(Author a);
std::string_view Name(InteractionKind k);
std::string_view Name(Direction d);
std::string_view Name(SurveyKind k);
std::string_view Name(AccountField f);
std::optional<EventType> ParseEventType(std::string_view s);
std::optional<Priority> ParsePriority(std::string_view s);
std::optional<TicketStatus> ParseTicketStatus(std::string_view s);
std::optional<Author> ParseAuthor(std::string_view s);
std::optional<InteractionKind> ParseInteractionKind(std::string_view s);
std::optional<Direction> ParseDirection(std::string_view s);
std::optional<SurveyKind> ParseSurveyKind(std::string_view s);

/// A validated event. Only the payload fields of its `type` are meaningful
/// (docs/events.md "Types"); the others keep their defaults. Times are Unix
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
  std::string category;                       // opened (optional)

  // ticket.assigned
  std::string group, assignee;  // assignee optional

  // account.upserted (all of them), account.updated (those in `fields`)
  std::string name, tier, owner, owner_email, team, calendar;
  std::optional<double> contract_value;
  std::string renewal_date;  // YYYY-MM-DD or empty
  /// account.updated: the fields the message carries (never empty). Other
  /// types keep 0; use AccountFieldsOf() for "what does this event set".
  AccountFieldSet fields = 0;

  // account.churned (reason), survey.answered (score, kind, comment)
  std::string reason;
  int score = 0;
  SurveyKind survey_kind = SurveyKind::kCsat;
  std::string comment;

  // order.placed (currency optional: empty means the configured currency)
  std::string order_id;
  double amount = 0;
  std::string currency;

  // interaction.logged
  InteractionKind kind = InteractionKind::kEmail;
  Direction direction = Direction::kInbound;

  /// The message as received, minified JSON (extra fields kept). This is what
  /// `slamon export` prints and what the audit hash chain covers.
  std::string json;

  bool HasTicket() const { return !ticket_id.empty(); }
  /// A CSAT answer (survey.answered of kind csat); NPS answers are not CSAT.
  bool IsCsatAnswer() const { return type == EventType::kSurveyAnswered && survey_kind == SurveyKind::kCsat; }
  /// An account.upserted or account.updated: the account's master data.
  bool IsAccountData() const { return type == EventType::kAccountUpserted || type == EventType::kAccountUpdated; }
};

/// The account fields `e` sets: every one for account.upserted (absent
/// optional fields set to empty), `e.fields` for account.updated, none for
/// other types.
inline AccountFieldSet AccountFieldsOf(const Event& e) {
  if (e.type == EventType::kAccountUpserted) return kAllAccountFields;
  return e.type == EventType::kAccountUpdated ? e.fields : AccountFieldSet{0};
}

/// Canonical order: (occurred_at, type rank, id).
inline bool CanonicalLess(const Event& a, const Event& b) {
  if (a.occurred_at != b.occurred_at) return a.occurred_at < b.occurred_at;
  if (a.type != b.type) return Rank(a.type) < Rank(b.type);
  return a.id < b.id;
}

}  // namespace slamon::events
