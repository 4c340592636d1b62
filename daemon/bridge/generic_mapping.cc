#include "daemon/bridge/generic_mapping.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>

namespace slamon::bridge::generic {

namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

std::string FieldSpec::Get(const nlohmann::json& body, const WebhookRequest& request) const {
  std::string raw;
  if (constant) {
    raw = *constant;
  } else if (pointer) {
    raw = ScalarText(pointer->Resolve(body));
  } else if (!parts.empty()) {
    for (const JsonPointer& part : parts) {
      const std::string piece = ScalarText(part.Resolve(body));
      if (piece.empty()) {
        raw.clear();  // an id with a missing part would collide with others
        break;
      }
      raw += raw.empty() ? piece : ":" + piece;
    }
  } else if (!header.empty()) {
    raw = request.Header(header);
  }
  if (!raw.empty() && !map.empty()) {
    // A value the map does not list passes through unchanged, so a map only
    // needs the values that differ.
    if (auto mapped = map.Find(raw)) raw = *mapped;
  }
  if (raw.empty() && fallback) raw = *fallback;
  return raw;
}

bool FieldSpec::Present(const nlohmann::json& body, const WebhookRequest& request) const {
  if (constant) return true;
  if (pointer) {
    const nlohmann::json* v = pointer->Resolve(body);
    return v != nullptr && !v->is_null();
  }
  if (!parts.empty()) return !Get(body, request).empty();
  return request.headers.count(header) > 0;
}

bool Condition::Holds(const nlohmann::json& body, const WebhookRequest& request) const {
  switch (op) {
    case Op::kExists:
      return subject.Present(body, request);
    case Op::kAbsent:
      return !subject.Present(body, request);
    case Op::kEquals:
    case Op::kIn: {
      if (!subject.Present(body, request)) return false;
      const std::string value = subject.Get(body, request);
      return std::find(values.begin(), values.end(), value) != values.end();
    }
  }
  return false;
}

const std::vector<std::string>& KnownFieldNames() {
  static const std::vector<std::string> kNames = {
      "ticket_id",       "account_id",   "occurred_at", "priority", "channel",     "category", "status",
      "previous_status", "author",       "public",      "group",    "assignee",    "score",    "kind",
      "comment",         "name",         "tier",        "owner",    "owner_email", "team",     "calendar",
      "contract_value",  "renewal_date", "reason",      "order_id", "amount",      "currency", "direction"};
  return kNames;
}

const std::vector<std::string>& RuleTypes() {
  static const std::vector<std::string> kTypes = {
      "ticket.opened",   "ticket.replied",  "ticket.status_changed", "ticket.priority_changed", "ticket.assigned",
      "ticket.resolved", "ticket.reopened", "survey.answered",       "account.upserted",        "account.updated",
      "account.churned", "order.placed",    "interaction.logged"};
  return kTypes;
}

bool IsTicketRule(std::string_view type) { return type.starts_with("ticket.") || type == "survey.answered"; }

const std::vector<std::string>& RuleFieldNames(std::string_view type) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> kFields = {
      {"ticket.opened", {"ticket_id", "priority", "channel", "category"}},
      {"ticket.replied", {"ticket_id", "author", "public"}},
      {"ticket.status_changed", {"ticket_id", "status", "previous_status"}},
      {"ticket.priority_changed", {"ticket_id", "priority"}},
      {"ticket.assigned", {"ticket_id", "group", "assignee"}},
      {"ticket.resolved", {"ticket_id"}},
      {"ticket.reopened", {"ticket_id"}},
      {"survey.answered", {"ticket_id", "score", "kind", "comment"}},
      {"account.upserted",
       {"name", "tier", "owner", "owner_email", "team", "calendar", "contract_value", "renewal_date"}},
      {"account.updated",
       {"name", "tier", "owner", "owner_email", "team", "calendar", "contract_value", "renewal_date"}},
      {"account.churned", {"reason"}},
      {"order.placed", {"order_id", "amount", "currency"}},
      {"interaction.logged", {"kind", "direction"}},
  };
  static const std::vector<std::string> kNone;
  auto it = kFields.find(type);
  return it == kFields.end() ? kNone : it->second;
}

StatusOr<FieldSpec> ParseFieldSpec(const SourceSection& section, const std::string& where, const YAML::Node& node) {
  FieldSpec spec;
  if (node.IsScalar()) {
    // Shorthand: "/a/b" is a pointer; anything else is a constant.
    const std::string text = node.as<std::string>();
    if (!text.empty() && text.front() == '/') {
      auto p = JsonPointer::Parse(text);
      if (!p.ok()) return section.Error(node, where, p.status().message());
      spec.pointer = p.take();
    } else {
      spec.constant = text;
    }
    return spec;
  }
  if (!node.IsMap()) return section.Error(node, where, "must be a JSON pointer or a mapping");
  SLAMON_RETURN_IF_ERROR(
      CheckKnownKeys(section, where, node, {"pointer", "pointers", "header", "value", "map", "default"}));
  int sources = 0;
  if (node["pointer"]) {
    auto p = JsonPointer::Parse(node["pointer"].as<std::string>());
    if (!p.ok()) return section.Error(node["pointer"], where + ".pointer", p.status().message());
    spec.pointer = p.take();
    ++sources;
  }
  if (node["pointers"]) {
    const YAML::Node list = node["pointers"];
    if (!list.IsSequence() || list.size() == 0) {
      return section.Error(list, where + ".pointers", "must be a non-empty list of JSON pointers");
    }
    for (const auto& item : list) {
      auto p = JsonPointer::Parse(item.as<std::string>());
      if (!p.ok()) return section.Error(item, where + ".pointers", p.status().message());
      spec.parts.push_back(p.take());
    }
    ++sources;
  }
  if (node["header"]) {
    spec.header = Lower(node["header"].as<std::string>());
    if (spec.header.empty()) return section.Error(node["header"], where + ".header", "must not be empty");
    ++sources;
  }
  if (node["value"]) {
    spec.constant = node["value"].as<std::string>();
    ++sources;
  }
  if (sources != 1) return section.Error(node, where, "needs exactly one of pointer, pointers, header or value");
  if (node["map"]) {
    const YAML::Node map = node["map"];
    if (!map.IsMap()) return section.Error(map, where + ".map", "must be a mapping of value to value");
    for (const auto& entry : map) {
      if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
        return section.Error(entry.first, where + ".map", "entries must be scalar");
      }
      spec.map.Set(entry.first.as<std::string>(), entry.second.as<std::string>());
    }
  }
  if (node["default"]) spec.fallback = node["default"].as<std::string>();
  return spec;
}

namespace {

StatusOr<Condition> ParseCondition(const SourceSection& section, const std::string& where, const YAML::Node& node) {
  if (!node.IsMap()) return section.Error(node, where, "a condition must be a mapping");
  SLAMON_RETURN_IF_ERROR(CheckKnownKeys(section, where, node, {"pointer", "header", "map", "equals", "in", "exists"}));
  Condition c;
  YAML::Node subject;
  for (const char* key : {"pointer", "header", "map"}) {
    if (node[key]) subject[key] = node[key];
  }
  GET_OR_RET(c.subject, ParseFieldSpec(section, where, subject));
  int ops = 0;
  if (node["equals"]) {
    if (!node["equals"].IsScalar()) return section.Error(node["equals"], where + ".equals", "must be a scalar");
    c.op = Condition::Op::kEquals;
    c.values.push_back(node["equals"].as<std::string>());
    ++ops;
  }
  if (node["in"]) {
    if (!node["in"].IsSequence() || node["in"].size() == 0) {
      return section.Error(node["in"], where + ".in", "must be a non-empty list");
    }
    c.op = Condition::Op::kIn;
    for (const auto& v : node["in"]) c.values.push_back(v.as<std::string>());
    ++ops;
  }
  if (node["exists"]) {
    const std::string v = node["exists"].as<std::string>();
    if (v != "true" && v != "false") return section.Error(node["exists"], where + ".exists", "must be true or false");
    c.op = v == "true" ? Condition::Op::kExists : Condition::Op::kAbsent;
    ++ops;
  }
  if (ops != 1) return section.Error(node, where, "needs exactly one of equals, in or exists");
  return c;
}

// A rule's own fields are the ones its type uses (a `tier` under a
// ticket.opened rule is a mistake, not something to ignore); the shared
// `fields` may hold any, since every rule reads from them.
Status CheckRuleFields(const SourceSection& section, const std::string& where, const YAML::Node& node,
                       const Rule& rule) {
  const std::vector<std::string>& own = RuleFieldNames(rule.type);
  for (const auto& [field, spec] : rule.fields) {
    if (field == "account_id" || field == "occurred_at") continue;
    if (std::find(own.begin(), own.end(), field) != own.end()) continue;
    std::string list = "account_id, occurred_at";
    for (const std::string& f : own) list += ", " + f;
    return section.Error(node["fields"][field], where + ".fields." + field,
                         "is not a field of " + rule.type + " (its fields: " + list + ")");
  }
  return Status::OK();
}

}  // namespace

StatusOr<std::vector<Condition>> ParseConditions(const SourceSection& section, const std::string& where,
                                                 const YAML::Node& node) {
  std::vector<Condition> out;
  if (!node || node.IsNull()) return out;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      GET_OR_RET(Condition c, ParseCondition(section, where + "[" + std::to_string(i) + "]", node[i]));
      out.push_back(std::move(c));
    }
    return out;
  }
  GET_OR_RET(Condition c, ParseCondition(section, where, node));
  out.push_back(std::move(c));
  return out;
}

StatusOr<std::map<std::string, FieldSpec>> ParseFields(const SourceSection& section, const std::string& where,
                                                       const YAML::Node& node) {
  std::map<std::string, FieldSpec> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsMap()) return section.Error(node, where, "must be a mapping of field name to source");
  SLAMON_RETURN_IF_ERROR(CheckKnownKeys(section, where, node, KnownFieldNames()));
  for (const auto& entry : node) {
    const std::string field = entry.first.as<std::string>();
    GET_OR_RET(FieldSpec spec, ParseFieldSpec(section, where + "." + field, entry.second));
    out.emplace(field, std::move(spec));
  }
  return out;
}

StatusOr<std::vector<Rule>> ParseRules(const SourceSection& section, const YAML::Node& node) {
  if (!node || !node.IsSequence() || node.size() == 0) {
    return section.Error(node, "events", "must be a non-empty list of rules");
  }
  std::vector<Rule> rules;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string where = "events[" + std::to_string(i) + "]";
    const YAML::Node r = node[i];
    if (!r.IsMap()) return section.Error(r, where, "must be a mapping");
    SLAMON_RETURN_IF_ERROR(CheckKnownKeys(section, where, r, {"when", "type", "fields", "id"}));
    Rule rule;
    GET_OR_RET(rule.when, ParseConditions(section, where + ".when", r["when"]));
    if (!r["type"] || !r["type"].IsScalar()) return section.Error(r, where + ".type", "is required");
    rule.type = r["type"].as<std::string>();
    const auto& types = RuleTypes();
    if (std::find(types.begin(), types.end(), rule.type) == types.end()) {
      std::string list;
      for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
      return section.Error(r["type"], where + ".type", "'" + rule.type + "' is not one of " + list);
    }
    GET_OR_RET(rule.fields, ParseFields(section, where + ".fields", r["fields"]));
    SLAMON_RETURN_IF_ERROR(CheckRuleFields(section, where, r, rule));
    if (r["id"]) {
      GET_OR_RET(FieldSpec id, ParseFieldSpec(section, where + ".id", r["id"]));
      rule.id = std::move(id);
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Status CheckRequiredFields(const SourceSection& section, const YAML::Node& events, const std::vector<Rule>& rules,
                           const std::map<std::string, FieldSpec>& shared) {
  static const std::map<std::string, std::vector<std::string>> kRequired = {
      {"account.upserted", {"name", "tier", "owner"}},
      {"order.placed", {"order_id", "amount"}},
      {"interaction.logged", {"kind", "direction"}},
  };
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    auto has = [&](const std::string& field) { return rule.fields.count(field) > 0 || shared.count(field) > 0; };
    const std::string where = "events[" + std::to_string(i) + "]";
    if (rule.type == "account.updated") {
      const auto& fields = RuleFieldNames(rule.type);
      if (std::none_of(fields.begin(), fields.end(), has)) {
        return section.Error(events[i], where, "account.updated needs at least one account field (name, tier, …)");
      }
      continue;
    }
    auto it = kRequired.find(rule.type);
    if (it == kRequired.end()) continue;
    for (const std::string& field : it->second) {
      if (!has(field)) {
        return section.Error(events[i], where,
                             rule.type + " needs " + field + " (in the rule's fields or the shared fields)");
      }
    }
  }
  return Status::OK();
}

}  // namespace slamon::bridge::generic
