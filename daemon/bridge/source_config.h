// Pieces the Jira, Zoho Desk and Generic sources share on top of
// mapping_util.h: JSON pointers that never throw, vendor-value maps read from
// a source's YAML section (statuses, priorities, author roles), secrets
// carried in a header or query parameter, and the identifier checks slamon
// applies at ingest. Everything here is pure and thread-safe once built.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/bridge/source.h"
#include "daemon/config/field_table.h"
#include "events/common/status.h"

namespace slamon::bridge {

/// An RFC 6901 JSON pointer split into reference tokens once, at load time.
/// Resolving never throws: a missing member, an index out of range or a token
/// that is not an index into an array all resolve to nothing.
class JsonPointer {
 public:
  JsonPointer() = default;
  /// Parses `text` ("" is the whole document, otherwise it starts with '/').
  static StatusOr<JsonPointer> Parse(std::string_view text);

  /// The value the pointer names, or nullptr.
  const nlohmann::json* Resolve(const nlohmann::json& root) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<std::string> tokens_;
};

/// The text of a scalar JSON value: strings as they are, integers and
/// decimals in their JSON spelling, booleans as "true"/"false"; "" for null,
/// objects, arrays and a missing value (nullptr).
std::string ScalarText(const nlohmann::json* value);

/// Folds a vendor value for case-insensitive matching: lower-case ASCII,
/// surrounding blanks trimmed, and runs of ' ', '-' and '_' made one '_'
/// ("Waiting for Customer" and "waiting_for_customer" are the same key).
std::string FoldKey(std::string_view text);

/// A vendor value → slamon value table (statuses, priorities, roles).
/// Lookups fold the vendor value with FoldKey.
class ValueMap {
 public:
  ValueMap() = default;
  ValueMap(std::initializer_list<std::pair<const std::string, std::string>> entries);

  void Set(std::string_view vendor, std::string slamon_value);
  std::optional<std::string> Find(std::string_view vendor) const;
  bool empty() const { return entries_.empty(); }

 private:
  std::map<std::string, std::string> entries_;  // folded vendor value → slamon value
};

/// A row for a vendor-value map over built-in defaults (statuses,
/// priorities, roles): the listed entries replace or add to the ValueMap
/// `map` gives in the options; every value must be one of `allowed`.
template <typename O>
config::Field<O> ValueMapRow(std::string key, std::function<ValueMap&(O&)> map, std::vector<std::string> allowed,
                             std::string doc, std::string default_doc) {
  auto get = [](const O&) { return std::map<std::string, std::string>(); };  // folded keys: not invertible
  auto set = [map](O& o, std::map<std::string, std::string> entries) {
    for (const auto& [vendor, value] : entries) map(o).Set(vendor, value);
  };
  return config::Map(std::move(key), config::Via<O, std::map<std::string, std::string>>(get, set), kSourceApply,
                     std::move(doc), {std::move(allowed)})
      .DefaultDoc(std::move(default_doc));
}
/// The same for a ValueMap member of the options.
template <typename O>
config::Field<O> ValueMapRow(std::string key, ValueMap O::*member, std::vector<std::string> allowed, std::string doc,
                             std::string default_doc) {
  return ValueMapRow<O>(
      std::move(key), [member](O& o) -> ValueMap& { return o.*member; }, std::move(allowed), std::move(doc),
      std::move(default_doc));
}

/// Checks that every key of the mapping `node` (at `where` in the section,
/// "events[0].fields") is in `known`, so that a typo in a field name is
/// reported at start-up instead of silently ignored.
Status CheckKnownKeys(const SourceSection& section, const std::string& where, const YAML::Node& node,
                      const std::vector<std::string>& known);

/// Where a shared secret travels: a request header or a query parameter.
struct TokenLocation {
  std::string header;  ///< lower-case header name, or ""
  std::string query;   ///< query parameter name, or ""
};

/// Compares the token at `where` with each of `secrets` in constant time:
/// true with the position of the one it equals in `*matched`, else false with
/// a kBadSignature error ("missing header x-…" / "token does not match").
bool VerifySharedToken(const WebhookRequest& request, const TokenLocation& where,
                       const std::vector<std::string>& secrets, SourceError* error, size_t* matched);

/// slamon's identifier rule (non-empty, at most 256 bytes): false with a
/// kUnmappable error naming `field` otherwise.
bool CheckIdentifier(std::string_view field, std::string_view value, SourceError* error);

/// Sets `error` to a kUnmappable rejection and returns false.
bool Unmappable(SourceError* error, std::string reason);

/// The vocabularies slamon accepts.
const std::vector<std::string>& StatusVocabulary();    ///< open, pending, on_hold, solved, closed
const std::vector<std::string>& PriorityVocabulary();  ///< urgent, high, normal, low
/// Author roles a source may map to: agent, customer, or ignore (no event).
const std::vector<std::string>& RoleVocabulary();

}  // namespace slamon::bridge
