// Helpers every webhook source shares: digests and encodings for signature
// checks, timestamp normalisation, the vendor-status vocabulary and the rule
// that turns a status transition into slamon events, deterministic event ids,
// and an event builder on the project's JSON writer. All functions are pure
// and thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/bridge/source.h"
#include "events/common/status.h"

namespace slamon::bridge {

// ---- digests and encodings (OpenSSL) ---------------------------------------

/// HMAC-SHA256 of `data` under `key`: the 32 raw digest bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
/// HMAC-SHA1 of `data` under `key`: the 20 raw digest bytes.
std::string HmacSha1(std::string_view key, std::string_view data);
/// SHA-1 of `data`: the 20 raw digest bytes.
std::string Sha1(std::string_view data);
/// SHA-256 of `data`: the 32 raw digest bytes.
std::string Sha256(std::string_view data);

/// Standard base64 (RFC 4648, with padding, no line breaks).
std::string Base64Encode(std::string_view bytes);
/// Lower-case hexadecimal.
std::string HexEncode(std::string_view bytes);

/// Whether `a` and `b` are equal, in time that depends only on their lengths
/// (never on where they first differ): for signatures and shared secrets.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// ---- timestamps --------------------------------------------------------------

/// Normalises a vendor timestamp to RFC 3339 with an explicit offset and whole
/// seconds, keeping the sender's offset: "2026-11-20T09:15:00Z",
/// "2026-11-20T17:15:00+08:00". Accepts RFC 3339 with `Z`, `±HH:MM` or `±HHMM`
/// (Jira's "+0000"), a fraction of any length, nanoseconds included (dropped,
/// slamon works in whole seconds), a space instead of `T`, and Unix epoch
/// milliseconds as a string of digits (Jiandaoyun) or 10-digit epoch seconds.
/// nullopt when the text is none of these or not a real time.
std::optional<std::string> NormalizeTimestamp(std::string_view text);
/// As NormalizeTimestamp, for a JSON value (named apart: a std::string converts to both): a string as above, or an
/// integer of epoch milliseconds (>= 10^11) or epoch seconds.
std::optional<std::string> NormalizeJsonTimestamp(const nlohmann::json& value);
/// Unix epoch milliseconds as RFC 3339 UTC ("...Z"), fraction dropped.
std::string EpochMillisToRfc3339(int64_t epoch_ms);

// ---- statuses, priorities, transitions --------------------------------------

/// Maps a common vendor status name (case-insensitive; spaces, '-' and '_'
/// equivalent) onto slamon's open / pending / on_hold / solved / closed:
/// new, open, reopened, in progress → open; pending, waiting on customer →
/// pending; hold, on hold → on_hold; solved, resolved, done → solved; closed →
/// closed. nullopt for anything else (a source's config maps those).
std::optional<std::string> NormalizeStatus(std::string_view vendor_status);

/// Maps a common vendor priority name (case-insensitive) onto urgent / high /
/// normal / low: urgent, highest, critical, blocker → urgent; high → high;
/// normal, medium → normal; low, lowest, minor, trivial → low.
std::optional<std::string> NormalizePriority(std::string_view vendor_priority);

/// The event types a status change implies, in order. `previous` may be ""
/// when the sender does not say what the status was.
/// - always `ticket.status_changed` (slamon ignores a repeated status);
/// - new status `solved` (previous not solved/closed): also `ticket.resolved`
///   (a repeated resolve is ignored too, so an unknown previous is safe);
/// - new status `closed` from a known status other than solved/closed: also
///   `ticket.resolved` (closed without passing through solved);
/// - previous `solved` and new status open / pending / on_hold: also
///   `ticket.reopened`. Without a known previous status no reopen is derived
///   (a reopen counts against account health, so it is never guessed).
std::vector<std::string> StatusTransitionTypes(std::string_view previous, std::string_view current);

// ---- event ids -------------------------------------------------------------

/// "<source>:<delivery id>:<n>": the n-th event (from 0) mapped from the
/// delivery or vendor event `delivery_id` of source `source`. Ids longer than
/// slamon's 256-byte limit use the SHA-256 hex of the delivery id instead.
/// The same delivery always gives the same ids, so slamon drops redeliveries.
std::string DeriveEventId(std::string_view source, std::string_view delivery_id, int n);

// ---- building events ---------------------------------------------------------

/// One payload value of an event.
using FieldValue = std::variant<std::string, int64_t, double, bool>;

/// Builds one event in slamon's plain JSON wire schema through the project's
/// JSON writer: common fields first, then the payload fields in the order
/// added. Adding the same key twice keeps the last value (slamon rejects
/// duplicate keys).
class EventBuilder {
 public:
  EventBuilder(std::string id, std::string type, std::string occurred_at, std::string account_id);

  EventBuilder& Set(std::string key, FieldValue value);
  EventBuilder& Set(std::string key, const char* value) { return Set(std::move(key), FieldValue(std::string(value))); }
  EventBuilder& Set(std::string key, int value) { return Set(std::move(key), FieldValue(int64_t{value})); }
  EventBuilder& Set(std::string key, bool value) { return Set(std::move(key), FieldValue(value)); }
  EventBuilder& Set(std::string key, int64_t value) { return Set(std::move(key), FieldValue(value)); }
  EventBuilder& Set(std::string key, double value) { return Set(std::move(key), FieldValue(value)); }
  EventBuilder& Set(std::string key, std::string value) { return Set(std::move(key), FieldValue(std::move(value))); }

  /// The event: key = account id, json = the compact event object.
  MappedEvent Build() const;

 private:
  std::string id_, type_, occurred_at_, account_id_;
  std::vector<std::pair<std::string, FieldValue>> fields_;
};

// ---- request and config helpers ------------------------------------------------

/// Parses the request body as a JSON object; false with a kBadPayload error
/// ("body is not JSON: …" / "body is not a JSON object") otherwise.
bool ParseJsonObject(std::string_view body, nlohmann::json* out, SourceError* error);

/// A string member of `object` (numbers are given as their decimal text, so
/// numeric vendor ids work too); "" when absent, null or another type.
std::string JsonText(const nlohmann::json& object, std::string_view key);
/// As JsonText for an RFC 6901 JSON pointer ("/detail/id"); "" when the
/// pointer is malformed or resolves to nothing.
std::string JsonTextAt(const nlohmann::json& root, std::string_view pointer);

/// A source's secrets, in the order its config gives them.
using Secrets = std::vector<std::string>;

/// The most secrets one source may have (`secrets:`, `secret_envs:`): enough
/// for a rotation, and a bound on the per-secret metric series.
inline constexpr size_t kMaxSecrets = 8;

/// A source's secrets: exactly one of `secret:`, `secret_env:` (the
/// environment variable holding it), `secrets:` (a list) or `secret_envs:`
/// (a list of variables) in its section; one secret for the first two. Errors
/// name the key, never the value: "bridge.yaml:7: sources.zd.secret_env:
/// environment variable ZENDESK_SECRET is not set",
/// "bridge.yaml:9: sources.zd.secret_envs[1]: …". An empty secret is an error.
StatusOr<Secrets> LoadSecrets(const SourceSection& section);

/// Which of `secrets` produced `presented`: `expected(secret)` is computed and
/// compared in constant time for every secret, so the time taken does not
/// tell which one matched. The position of the first match, or nullopt.
std::optional<size_t> MatchSecret(const Secrets& secrets, std::string_view presented,
                                  const std::function<std::string(const std::string& secret)>& expected);

/// slamon's ticket statuses and priorities, for the values of a mapping row.
const std::vector<std::string>& TicketStatuses();
const std::vector<std::string>& TicketPriorities();

}  // namespace slamon::bridge
