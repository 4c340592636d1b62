// The declarative mapping of the Generic source: rules read from YAML that
// say, with JSON pointers into the payload, which slamon event a webhook is
// and where its fields are. No expressions and no scripts: a rule is a list
// of conditions plus one pointer (or constant, or header) per event field,
// and vendor values are translated through plain lookup tables.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/bridge/source.h"
#include "daemon/bridge/source_config.h"
#include "events/common/status.h"

namespace slamon::bridge::generic {

/// Where one value comes from: a JSON pointer into the body, a request
/// header, or a constant; optionally translated through `map` and replaced
/// by `fallback` when the source yields nothing.
struct FieldSpec {
  std::optional<JsonPointer> pointer;
  std::vector<JsonPointer> parts;  ///< `pointers:` values joined with ':' (ids made of several fields)
  std::string header;              ///< lower-case
  std::optional<std::string> constant;
  ValueMap map;
  std::optional<std::string> fallback;

  /// The value as text ("" when nothing): scalars only, see ScalarText.
  std::string Get(const nlohmann::json& body, const WebhookRequest& request) const;
  /// Whether the raw source (before map and fallback) is present and not null.
  bool Present(const nlohmann::json& body, const WebhookRequest& request) const;
};

/// One test on the request; a rule applies when all of its conditions hold.
struct Condition {
  FieldSpec subject;
  enum class Op { kEquals, kIn, kExists, kAbsent } op = Op::kExists;
  std::vector<std::string> values;

  bool Holds(const nlohmann::json& body, const WebhookRequest& request) const;
};

/// One mapping rule: when every condition holds, emit `type` with `fields`.
struct Rule {
  std::vector<Condition> when;
  std::string type;                         ///< a slamon event type
  std::map<std::string, FieldSpec> fields;  ///< rule fields over the source-wide `fields`
  std::optional<FieldSpec> id;              ///< over the source-wide `id`
};

/// Every known field name of a rule's `fields` (for error messages).
const std::vector<std::string>& KnownFieldNames();
/// Event types a rule may emit.
const std::vector<std::string>& RuleTypes();
/// The fields a rule of `type` reads besides account_id and occurred_at.
const std::vector<std::string>& RuleFieldNames(std::string_view type);
/// Whether `type` is about a ticket (ticket.*, survey.answered): those read ticket_id.
bool IsTicketRule(std::string_view type);

/// Parses a field spec at `where` ("events[2].fields.status") of `section`;
/// errors are "FILE:LINE: sources.<name>.<where>: problem".
StatusOr<FieldSpec> ParseFieldSpec(const SourceSection& section, const std::string& where, const YAML::Node& node);
/// Parses a `when` (one condition or a list of them).
StatusOr<std::vector<Condition>> ParseConditions(const SourceSection& section, const std::string& where,
                                                 const YAML::Node& node);
/// Parses a `fields` mapping; unknown field names are errors.
StatusOr<std::map<std::string, FieldSpec>> ParseFields(const SourceSection& section, const std::string& where,
                                                       const YAML::Node& node);
/// Parses the `events` list. A rule's own `fields` may name only the fields
/// its type reads (RuleFieldNames, account_id, occurred_at).
StatusOr<std::vector<Rule>> ParseRules(const SourceSection& section, const YAML::Node& node);

/// Checks that every rule of an account, order or interaction type has a
/// source for the fields its events cannot do without, in its own `fields`
/// or in the shared ones: account.upserted name, tier and owner;
/// account.updated at least one account field; order.placed order_id and
/// amount; interaction.logged kind and direction. `events` is the list node.
Status CheckRequiredFields(const SourceSection& section, const YAML::Node& events, const std::vector<Rule>& rules,
                           const std::map<std::string, FieldSpec>& shared);

}  // namespace slamon::bridge::generic
