// Over 400 lines on purpose: the wire decoder is one validation table per
// event type (plain JSON and CloudEvents structured mode); binary mode is in
// codec_binary.cc.
#include "events/codec.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "events/codec_binary.h"

namespace slamon::events {
namespace {

namespace dom = simdjson::dom;

// docs/events.md does not bound identifiers, but they become RocksDB key parts and
// Prometheus label values, so an unbounded id is a producer bug, not data.
constexpr size_t kMaxIdBytes = 256;

// ---- civil dates (Howard Hinnant, http://howardhinnant.github.io/date_algorithms.html) ----

constexpr bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr int DaysInMonth(int64_t y, int m) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

constexpr int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(2000, 3, 1) == 11017);

// Reads exactly n ASCII digits at s[pos..pos+n); the caller checked the length.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// YYYY-MM-DD at the start of s, a valid calendar date.
bool ParseDatePrefix(std::string_view s, int64_t* days) {
  int y, m, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) return false;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return false;
  *days = DaysFromCivil(y, m, d);
  return true;
}

// ISO 4217 alphabetic code: three ASCII upper-case letters.
bool IsCurrencyCode(std::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool IsValidDate(std::string_view s) {
  int64_t days;
  return s.size() == 10 && ParseDatePrefix(s, &days);
}

// ---- field access ----

struct Failure {
  RejectReason reason;
  std::string detail;
};
using Check = std::optional<Failure>;  // nullopt = OK; cheap on the happy path

Failure Fail(RejectReason reason, std::string_view field, std::string_view why) {
  std::string detail;
  detail.reserve(field.size() + why.size() + 12);
  detail.append("field \"").append(field).append("\": ").append(why);
  return {reason, std::move(detail)};
}
Failure Missing(std::string_view field) { return Fail(RejectReason::kMissingField, field, "required"); }
Failure Invalid(std::string_view field, std::string_view why) { return Fail(RejectReason::kInvalidField, field, why); }

// JSON null counts as absent: producers commonly serialise unset optionals as null.
std::optional<dom::element> Field(dom::object obj, std::string_view key) {
  dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.type() == dom::element_type::NULL_VALUE) return std::nullopt;
  return e;
}

// A string field. `required` makes absence an error; `non_empty` and `max_bytes`
// constrain the value. On success *out views the parser's buffer.
Check GetString(dom::object obj, std::string_view key, bool required, bool non_empty, size_t max_bytes,
                std::optional<std::string_view>* out) {
  auto e = Field(obj, key);
  if (!e) return required ? Check(Missing(key)) : std::nullopt;
  std::string_view v;
  if (e->get_string().get(v) != simdjson::SUCCESS) return Invalid(key, "expected a string");
  if (non_empty && v.empty()) return Invalid(key, "expected a non-empty string");
  if (v.size() > max_bytes) return Invalid(key, "longer than 256 bytes");
  *out = v;
  return std::nullopt;
}

Check RequiredId(dom::object obj, std::string_view key, std::string* out) {
  std::optional<std::string_view> v;
  if (auto f = GetString(obj, key, true, true, kMaxIdBytes, &v)) return f;
  out->assign(*v);
  return std::nullopt;
}

Check OptionalString(dom::object obj, std::string_view key, std::string* out, size_t max_bytes = SIZE_MAX) {
  std::optional<std::string_view> v;
  if (auto f = GetString(obj, key, false, false, max_bytes, &v)) return f;
  if (v) out->assign(*v);
  return std::nullopt;
}

// A required string with a closed set of values; `choices` is for the detail.
template <typename E>
Check RequiredEnum(dom::object obj, std::string_view key, std::optional<E> (*parse)(std::string_view),
                   std::string_view choices, E* out) {
  std::optional<std::string_view> v;
  if (auto f = GetString(obj, key, true, false, SIZE_MAX, &v)) return f;
  auto parsed = parse(*v);
  if (!parsed) return Invalid(key, choices);
  *out = *parsed;
  return std::nullopt;
}

#define SLAMON_CHECK(expr)           \
  do {                               \
    if (auto _f = (expr)) return _f; \
  } while (0)

// simdjson's DOM keeps every member of an object, and at_key returns the
// first; other readers of the stored JSON commonly take the last. Either way
// two values for one key make the event ambiguous, so it is rejected.
// Objects are small: a linear scan over the keys seen so far is cheapest.
Check DuplicateKey(dom::object obj, std::string_view where) {
  constexpr size_t kInline = 32;
  std::string_view inline_keys[kInline];
  std::vector<std::string_view> more;
  size_t n = 0;
  for (auto field : obj) {
    const std::string_view key = field.key;
    for (size_t i = 0; i < std::min(n, kInline); ++i) {
      if (inline_keys[i] == key) return Invalid(where, "duplicate key \"" + std::string(key.substr(0, 64)) + "\"");
    }
    for (std::string_view k : more) {
      if (k == key) return Invalid(where, "duplicate key \"" + std::string(key.substr(0, 64)) + "\"");
    }
    if (n < kInline) {
      inline_keys[n] = key;
    } else {
      more.push_back(key);
    }
    ++n;
  }
  return std::nullopt;
}

constexpr std::string_view kPriorityChoices = "expected one of urgent, high, normal, low";

// The attributes of account.upserted (name, tier and owner required, tier
// non-empty) or account.updated (each optional, tier non-empty when present,
// at least one present; the ones present go into ev->fields). An empty string
// in an update clears that field, as an upsert without it does.
Check DecodeAccountFields(dom::object p, Event* ev) {
  const bool update = ev->type == EventType::kAccountUpdated;
  // In the order of the schema table, which is the order the checks run in.
  auto text = [&](AccountField field, std::string* out) -> Check {
    const bool required =
        !update && (field == AccountField::kName || field == AccountField::kTier || field == AccountField::kOwner);
    std::optional<std::string_view> v;
    SLAMON_CHECK(GetString(p, Name(field), required, field == AccountField::kTier, SIZE_MAX, &v));
    if (v) {
      out->assign(*v);
      ev->fields |= FieldBit(field);
    }
    return std::nullopt;
  };
  SLAMON_CHECK(text(AccountField::kName, &ev->name));
  SLAMON_CHECK(text(AccountField::kTier, &ev->tier));
  SLAMON_CHECK(text(AccountField::kOwner, &ev->owner));
  SLAMON_CHECK(text(AccountField::kOwnerEmail, &ev->owner_email));
  SLAMON_CHECK(text(AccountField::kTeam, &ev->team));
  SLAMON_CHECK(text(AccountField::kCalendar, &ev->calendar));
  if (auto e = Field(p, "contract_value")) {
    double v;
    if (e->get_double().get(v) != simdjson::SUCCESS) return Invalid("contract_value", "expected a number");
    ev->contract_value = v;
    ev->fields |= FieldBit(AccountField::kContractValue);
  }
  SLAMON_CHECK(text(AccountField::kRenewalDate, &ev->renewal_date));
  if (!ev->renewal_date.empty() && !IsValidDate(ev->renewal_date)) {
    return Invalid("renewal_date", "expected a date YYYY-MM-DD");
  }
  if (!update) {
    ev->fields = 0;  // an upsert sets every field (AccountFieldsOf)
  } else if (ev->fields == 0) {
    return Fail(RejectReason::kMissingField, "(fields)",
                "account.updated needs at least one of name, tier, owner, owner_email, team, calendar, "
                "contract_value, renewal_date");
  }
  return std::nullopt;
}

// Long on purpose: the per-type field table of the wire schema (docs/events.md),
// one branch per event type, read top to bottom against the schema.
Check DecodePayload(dom::object p, Event* ev) {
  switch (ev->type) {
    case EventType::kAccountUpserted:
    case EventType::kAccountUpdated:
      return DecodeAccountFields(p, ev);
    case EventType::kAccountChurned:
      return OptionalString(p, "reason", &ev->reason);
    case EventType::kTicketOpened:
      SLAMON_CHECK(RequiredId(p, "ticket_id", &ev->ticket_id));
      SLAMON_CHECK(RequiredEnum(p, "priority", &ParsePriority, kPriorityChoices, &ev->priority));
      SLAMON_CHECK(OptionalString(p, "channel", &ev->channel));
      return OptionalString(p, "category", &ev->category, kMaxIdBytes);
    case EventType::kTicketAssigned:
      SLAMON_CHECK(RequiredId(p, "ticket_id", &ev->ticket_id));
      SLAMON_CHECK(RequiredId(p, "group", &ev->group));
      return OptionalString(p, "assignee", &ev->assignee, kMaxIdBytes);
    case EventType::kOrderPlaced: {
      SLAMON_CHECK(RequiredId(p, "order_id", &ev->order_id));
      auto e = Field(p, "amount");
      if (!e) return Missing("amount");
      double v;
      if (e->get_double().get(v) != simdjson::SUCCESS || !(v >= 0) || v > 1e15) {
        return Invalid("amount", "expected a number >= 0");
      }
      ev->amount = v;
      SLAMON_CHECK(OptionalString(p, "currency", &ev->currency));
      if (!ev->currency.empty() && !IsCurrencyCode(ev->currency)) {
        return Invalid("currency", "expected an ISO 4217 code of three upper-case letters");
      }
      return std::nullopt;
    }
    case EventType::kTicketPriorityChanged:
      SLAMON_CHECK(RequiredId(p, "ticket_id", &ev->ticket_id));
      return RequiredEnum(p, "priority", &ParsePriority, kPriorityChoices, &ev->priority);
    case EventType::kTicketStatusChanged:
      SLAMON_CHECK(RequiredId(p, "ticket_id", &ev->ticket_id));
      return RequiredEnum(p, "status", &ParseTicketStatus, "expected one of open, pending, on_hold, solved, closed",
                          &ev->status);
    case EventType::kTicketReplied:
      SLAMON_CHECK(RequiredId(p, "ticket_id", &ev->ticket_id));
      SLAMON_CHECK(RequiredEnum(p, "author", &ParseAuthor, "expected one of agent, customer", &ev->author));
      if (auto e = Field(p, "public")) {
        bool v;
        if (e->get_bool().get(v) != simdjson::SUCCESS) return Invalid("public", "expected a boolean");
        ev->is_public = v;
      }
      return std::nullopt;
    case EventType::kTicketResolved:
    case EventType::kTicketReopened:
      return RequiredId(p, "ticket_id", &ev->ticket_id);
    case EventType::kSurveyAnswered: {
      SLAMON_CHECK(OptionalString(p, "ticket_id", &ev->ticket_id, kMaxIdBytes));
      if (Field(p, "kind")) {
        SLAMON_CHECK(RequiredEnum(p, "kind", &ParseSurveyKind, "expected one of csat, nps", &ev->survey_kind));
      }
      const bool nps = ev->survey_kind == SurveyKind::kNps;
      auto e = Field(p, "score");
      if (!e) return Missing("score");
      // Only a JSON integer token counts: 4.0 is a float on the wire and most
      // likely a producer computing an average, which CSAT must not accept.
      int64_t v;
      if (e->type() != dom::element_type::INT64 || e->get_int64().get(v) != simdjson::SUCCESS || v < (nps ? 0 : 1) ||
          v > (nps ? 10 : 5)) {
        return Invalid("score", nps ? "expected an integer 0-10 for an nps answer" : "expected an integer 1-5");
      }
      ev->score = static_cast<int>(v);
      return OptionalString(p, "comment", &ev->comment);
    }
    case EventType::kInteractionLogged:
      SLAMON_CHECK(
          RequiredEnum(p, "kind", &ParseInteractionKind, "expected one of call, meeting, email, qbr", &ev->kind));
      return RequiredEnum(p, "direction", &ParseDirection, "expected one of inbound, outbound", &ev->direction);
  }
  return std::nullopt;
}

// Envelope and common fields, then the payload of the type.
Check DecodeObject(dom::object root, Event* ev) {
  SLAMON_CHECK(DuplicateKey(root, "(event)"));
  bool cloudevents = false;
  if (auto sv = Field(root, "specversion")) {
    std::string_view v;
    if (sv->get_string().get(v) != simdjson::SUCCESS || v != "1.0") {
      return Invalid("specversion", "expected \"1.0\"");
    }
    cloudevents = true;
  }
  const std::string_view time_key = cloudevents ? "time" : "occurred_at";

  SLAMON_CHECK(RequiredId(root, "id", &ev->id));

  std::optional<std::string_view> type;
  SLAMON_CHECK(GetString(root, "type", true, false, SIZE_MAX, &type));
  auto parsed_type = ParseEventType(*type);
  if (!parsed_type) {
    // Bounded for logs; cut on a UTF-8 character boundary so the detail stays valid UTF-8.
    size_t n = std::min<size_t>(type->size(), 64);
    while (n < type->size() && n > 0 && (static_cast<unsigned char>((*type)[n]) & 0xC0) == 0x80) --n;
    std::string detail = "unknown event type \"";
    detail.append(type->substr(0, n)).append("\"");
    return Failure{RejectReason::kUnknownType, std::move(detail)};
  }
  ev->type = *parsed_type;

  auto time = Field(root, time_key);
  if (!time) return Missing(time_key);
  std::string_view ts;
  if (time->get_string().get(ts) != simdjson::SUCCESS) {
    return Fail(RejectReason::kBadTimestamp, time_key, "expected an RFC 3339 string");
  }
  if (std::string why; !ParseRfc3339(ts, &ev->occurred_at, &why)) {
    return Fail(RejectReason::kBadTimestamp, time_key, why);
  }

  dom::object payload = root;
  if (cloudevents) {
    auto d = Field(root, "data");
    if (!d) return Missing("data");
    if (d->get_object().get(payload) != simdjson::SUCCESS) return Invalid("data", "expected an object");
    SLAMON_CHECK(DuplicateKey(payload, "data"));
    // data.account_id wins; the CloudEvents `subject` is the fallback.
    if (Field(payload, "account_id")) {
      SLAMON_CHECK(RequiredId(payload, "account_id", &ev->account_id));
    } else if (Field(root, "subject")) {
      SLAMON_CHECK(RequiredId(root, "subject", &ev->account_id));
    } else {
      return Missing("account_id");
    }
  } else {
    SLAMON_CHECK(RequiredId(root, "account_id", &ev->account_id));
  }
  return DecodePayload(payload, ev);
}

#undef SLAMON_CHECK

}  // namespace

// The parser and the padded input copy live as long as the Decoder, so that
// after warm-up a Decode allocates nothing but the Event's own strings.
struct Decoder::Impl {
  dom::parser parser;
  std::vector<char> padded;
  std::string rendered;  // a binary-mode CloudEvent as structured JSON

  // Everything after the size limit: UTF-8, JSON, fields, time bounds, and
  // the minified JSON into ev->json.
  Check DecodeJson(std::string_view raw, const CodecOptions& options, Event* ev);
};

Check Decoder::Impl::DecodeJson(std::string_view raw, const CodecOptions& options, Event* ev) {
  if (!simdjson::validate_utf8(raw.data(), raw.size())) return Failure{RejectReason::kInvalidUtf8, "invalid UTF-8"};

  const size_t needed = raw.size() + simdjson::SIMDJSON_PADDING;
  if (padded.size() < needed) padded.resize(needed);
  if (!raw.empty()) std::memcpy(padded.data(), raw.data(), raw.size());

  dom::element root;
  if (auto err = parser.parse(padded.data(), raw.size(), false).get(root); err != simdjson::SUCCESS) {
    return Failure{RejectReason::kMalformedJson, std::string("not valid JSON: ") + simdjson::error_message(err)};
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Failure{RejectReason::kMalformedJson, "top-level JSON value is not an object"};
  }

  if (auto failure = DecodeObject(obj, ev)) return failure;
  if (options.max_event_age_seconds > 0 || options.max_event_future_seconds > 0) {
    // A producer clock years off would otherwise pin time-based metrics
    // (the last event time, SLA clocks) far from the present.
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const char* const field = obj["specversion"].error() == simdjson::SUCCESS ? "time" : "occurred_at";
    if (options.max_event_age_seconds > 0 && ev->occurred_at < now - options.max_event_age_seconds) {
      return Failure{RejectReason::kBadTimestamp,
                     std::string("field \"") + field + "\": " + FormatRfc3339(ev->occurred_at) + " is more than " +
                         std::to_string(options.max_event_age_seconds / 86400) + " days in the past"};
    }
    if (options.max_event_future_seconds > 0 && ev->occurred_at > now + options.max_event_future_seconds) {
      return Failure{RejectReason::kBadTimestamp, std::string("field \"") + field +
                                                      "\": " + FormatRfc3339(ev->occurred_at) + " is more than " +
                                                      std::to_string(options.max_event_future_seconds) +
                                                      " seconds in the future (check the producer's clock)"};
    }
  }

  // The SIMD minifier may store whole vectors past the output's end, hence the padding.
  ev->json.resize(needed);
  size_t out_len = 0;
  if (simdjson::minify(padded.data(), raw.size(), ev->json.data(), out_len) != simdjson::SUCCESS) {
    return Failure{RejectReason::kMalformedJson, "could not minify"};
  }
  ev->json.resize(out_len);
  return std::nullopt;
}

Decoder::Decoder(CodecOptions options) : options_(options), impl_(new Impl) {}

Decoder::~Decoder() { delete impl_; }

DecodeResult Decoder::Decode(std::string_view raw) {
  if (raw.size() > options_.max_message_bytes) {
    return Rejection{RejectReason::kOversize,
                     "message of " + std::to_string(raw.size()) + " bytes exceeds the limit of " +
                         std::to_string(options_.max_message_bytes),
                     std::string(raw)};
  }
  Event ev;
  if (auto failure = impl_->DecodeJson(raw, options_, &ev)) {
    return Rejection{failure->reason, std::move(failure->detail), std::string(raw)};
  }
  return ev;
}

DecodeResult Decoder::Decode(std::string_view value, std::span<const MessageHeader> headers) {
  if (headers.empty() || !detail::IsBinaryCloudEvent(headers)) return Decode(value);
  auto reject = [&](RejectReason reason, std::string why) -> DecodeResult {
    detail::DetailForBinary(headers, &why);
    return Rejection{reason, std::move(why), std::string(value)};
  };
  if (auto f = detail::RenderBinaryCloudEvent(value, headers, options_.max_message_bytes, impl_->parser, impl_->padded,
                                              &impl_->rendered)) {
    return reject(f->reason, std::move(f->detail));
  }
  Event ev;
  if (auto failure = impl_->DecodeJson(impl_->rendered, options_, &ev)) {
    return reject(failure->reason, std::move(failure->detail));
  }
  return ev;
}

bool ParseRfc3339(std::string_view s, int64_t* unix_seconds) { return ParseRfc3339(s, unix_seconds, nullptr); }

bool ParseRfc3339(std::string_view s, int64_t* unix_seconds, std::string* why) {
  auto fail = [why](std::string_view what) {
    if (why != nullptr) why->assign(what);
    return false;
  };
  constexpr std::string_view kSyntax = "expected RFC 3339 with offset, e.g. 2026-11-20T09:15:00Z";
  // YYYY-MM-DDTHH:MM:SS is 19 bytes; at least an offset `Z` must follow.
  if (s.size() < 20) return fail(kSyntax);
  int64_t days;
  int year = 0, hh, mm, ss;
  if (!ParseDatePrefix(s, &days)) return fail(kSyntax);
  (void)Digits(s, 0, 4, &year);  // ParseDatePrefix checked these are digits
  // Such years are typos or placeholders (0001-01-01, 9999-12-31), never
  // event times; accepting one would pin "last event" metrics for good.
  if (year < 1000 || year >= 9000) {
    return fail("year " + std::string(s.substr(0, 4)) + " is not plausible (accepted: 1000 to 8999)");
  }
  if ((s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return fail(kSyntax);
  if (!Digits(s, 11, 2, &hh) || !Digits(s, 14, 2, &mm) || !Digits(s, 17, 2, &ss)) return fail(kSyntax);
  // RFC 3339 allows a leap second 60, but Unix time cannot represent it.
  if (hh <= 23 && mm <= 59 && ss == 60) return fail("leap second 60 is not supported; use :59 or the next second");
  if (hh > 23 || mm > 59 || ss > 59) return fail("time of day out of range (00:00:00 to 23:59:59)");

  size_t pos = 19;
  if (s[pos] == '.') {
    const size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return fail(kSyntax);
  }
  if (pos >= s.size()) return fail(kSyntax);
  int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return fail(kSyntax);
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (s.size() - pos != 6 || s[pos + 3] != ':') return fail(kSyntax);
    if (!Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) return fail(kSyntax);
    offset = (s[pos] == '+' ? 1 : -1) * (int64_t{oh} * 3600 + int64_t{om} * 60);
  } else {
    return fail(kSyntax);
  }
  *unix_seconds = days * 86400 + int64_t{hh} * 3600 + int64_t{mm} * 60 + ss - offset;
  return true;
}

std::string FormatRfc3339(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {  // floor division, so times before 1970 still format correctly
    secs += 86400;
    --days;
  }
  int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  const int n =
      std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(y), m, d,
                    static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

}  // namespace slamon::events
