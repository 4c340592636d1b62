// The Generic source: any sender whose payload the user describes with the
// declarative rules of generic_mapping.h. Authentication is a shared secret
// (header or query parameter) or an HMAC-SHA256 of the raw body in a header
// (hex or base64, with an optional prefix such as "sha256=").
//
// Every rule whose conditions hold emits its event; the n-th event of rule i
// gets the id DeriveEventId(source, <delivery id>, 4*i + n), so a redelivery of
// the same payload (same delivery id) maps to the same event ids.
#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/bridge/generic_mapping.h"
#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source_config.h"
#include "daemon/bridge/sources.h"

namespace slamon::bridge {

namespace {

using generic::FieldSpec;
using generic::Rule;

struct GenericOptions {
  std::string secret;
  bool hmac = false;
  TokenLocation token;  // shared_secret: header or query; hmac: header
  std::string prefix;   // hmac: text before the digest
  bool base64 = false;  // hmac: digest encoding
  std::optional<FieldSpec> id;
  std::map<std::string, FieldSpec> fields;
  std::vector<Rule> rules;
  ValueMap statuses;
  ValueMap priorities;
  ValueMap roles = {{"agent", "agent"}, {"customer", "customer"}};
  std::string default_priority = "normal";
  bool reject_unmatched = true;
};

bool IsDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

class GenericSource final : public WebhookSource {
 public:
  GenericSource(std::string name, GenericOptions options) : name_(std::move(name)), options_(std::move(options)) {}

  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error) const override {
    if (!options_.hmac) return VerifySharedToken(request, options_.token, options_.secret, error);
    auto it = request.headers.find(options_.token.header);
    if (it == request.headers.end()) {
      *error = {Rejection::kBadSignature, "missing header " + options_.token.header};
      return false;
    }
    std::string_view presented = it->second;
    if (presented.substr(0, options_.prefix.size()) != options_.prefix) {
      *error = {Rejection::kBadSignature, options_.token.header + " does not start with '" + options_.prefix + "'"};
      return false;
    }
    presented.remove_prefix(options_.prefix.size());
    const std::string digest = HmacSha256(options_.secret, request.body);
    std::string expected = options_.base64 ? Base64Encode(digest) : HexEncode(digest);
    std::string given(presented);
    if (!options_.base64) {
      for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!ConstantTimeEquals(given, expected)) {
      *error = {Rejection::kBadSignature, options_.token.header + " does not match the body"};
      return false;
    }
    return true;
  }

  bool Map(const WebhookRequest& request, std::vector<MappedEvent>* events, SourceError* error) const override {
    nlohmann::json body;
    if (!ParseJsonObject(request.body, &body, error)) return false;
    std::vector<MappedEvent> out;
    bool matched = false;
    for (size_t i = 0; i < options_.rules.size(); ++i) {
      const Rule& rule = options_.rules[i];
      const bool holds = std::all_of(rule.when.begin(), rule.when.end(),
                                     [&](const generic::Condition& c) { return c.Holds(body, request); });
      if (!holds) continue;
      matched = true;
      if (!Apply(rule, static_cast<int>(i), body, request, &out, error)) return false;
    }
    if (!matched && options_.reject_unmatched) return Unmappable(error, "no rule in events matches the payload");
    events->insert(events->end(), out.begin(), out.end());
    return true;
  }

 private:
  // The value of `field` for `rule`: the rule's own spec, else the source-wide one.
  std::string Field(const Rule& rule, const std::string& field, const nlohmann::json& body,
                    const WebhookRequest& request) const {
    auto it = rule.fields.find(field);
    if (it != rule.fields.end()) return it->second.Get(body, request);
    it = options_.fields.find(field);
    return it != options_.fields.end() ? it->second.Get(body, request) : std::string();
  }

  bool MapStatus(const std::string& vendor, std::string* out) const {
    if (auto s = options_.statuses.Find(vendor)) {
      *out = *s;
      return true;
    }
    if (auto s = NormalizeStatus(vendor)) {
      *out = *s;
      return true;
    }
    return false;
  }

  bool MapPriority(const std::string& vendor, std::string* out) const {
    if (auto p = options_.priorities.Find(vendor)) {
      *out = *p;
      return true;
    }
    if (auto p = NormalizePriority(vendor)) {
      *out = *p;
      return true;
    }
    return false;
  }

  bool Apply(const Rule& rule, int index, const nlohmann::json& body, const WebhookRequest& request,
             std::vector<MappedEvent>* out, SourceError* error) const {
    auto field = [&](const std::string& name) { return Field(rule, name, body, request); };
    const std::string what = "events[" + std::to_string(index) + "] (" + rule.type + "): ";
    const FieldSpec* id_spec = rule.id ? &*rule.id : (options_.id ? &*options_.id : nullptr);
    const std::string delivery = id_spec != nullptr ? id_spec->Get(body, request) : std::string();
    if (delivery.empty()) return Unmappable(error, what + "the delivery id is missing");
    const std::string ticket = field("ticket_id");
    const std::string account = field("account_id");
    if (rule.type != "survey.answered" || !ticket.empty()) {
      if (!CheckIdentifier(what + "ticket_id", ticket, error)) return false;
    }
    if (!CheckIdentifier(what + "account_id", account, error)) return false;
    const std::string when = field("occurred_at");
    const auto at = NormalizeTimestamp(when);
    if (!at) return Unmappable(error, what + "occurred_at '" + when.substr(0, 64) + "' is not a timestamp");

    int n = 4 * index;
    auto emit = [&](const std::string& type) {
      EventBuilder b(DeriveEventId(name_, delivery, n++), type, *at, account);
      if (!ticket.empty()) b.Set("ticket_id", ticket);
      return b;
    };
    const std::string& type = rule.type;
    if (type == "ticket.opened" || type == "ticket.priority_changed") {
      std::string vendor = field("priority"), priority;
      if (vendor.empty() && type == "ticket.opened") vendor = options_.default_priority;
      if (!MapPriority(vendor, &priority)) return Unmappable(error, what + "priority '" + vendor + "' is not mapped");
      EventBuilder b = emit(type);
      b.Set("priority", priority);
      if (type == "ticket.opened") {
        if (const std::string channel = field("channel"); !channel.empty()) b.Set("channel", channel);
        if (const std::string category = field("category"); !category.empty()) b.Set("category", category);
      }
      out->push_back(b.Build());
    } else if (type == "ticket.replied") {
      const std::string visibility = field("public");
      if (!visibility.empty() && visibility != "true" && visibility != "false") {
        return Unmappable(error, what + "public is '" + visibility + "', expected true or false");
      }
      if (visibility == "false") return true;  // internal note: stops no clock
      const std::string vendor = field("author");
      auto role = options_.roles.Find(vendor);
      if (!role) return Unmappable(error, what + "author '" + vendor + "' is not in the roles map");
      if (*role == "ignore") return true;
      out->push_back(emit(type).Set("author", *role).Set("public", true).Build());
    } else if (type == "ticket.status_changed") {
      const std::string vendor = field("status");
      std::string current, previous;
      if (!MapStatus(vendor, &current)) return Unmappable(error, what + "status '" + vendor + "' is not mapped");
      if (!MapStatus(field("previous_status"), &previous)) previous.clear();
      for (const std::string& t : StatusTransitionTypes(previous, current)) {
        EventBuilder b = emit(t);
        if (t == "ticket.status_changed") b.Set("status", current);
        out->push_back(b.Build());
      }
    } else if (type == "ticket.assigned") {
      const std::string group = field("group");
      if (!CheckIdentifier(what + "group", group, error)) return false;
      EventBuilder b = emit(type);
      b.Set("group", group);
      if (const std::string assignee = field("assignee"); !assignee.empty()) b.Set("assignee", assignee);
      out->push_back(b.Build());
    } else if (type == "survey.answered") {
      const std::string score = field("score");
      std::string kind = field("kind");
      if (kind.empty()) kind = "csat";
      if (kind != "csat" && kind != "nps") return Unmappable(error, what + "kind '" + kind + "' is not csat or nps");
      const int64_t limit_low = kind == "csat" ? 1 : 0, limit_high = kind == "csat" ? 5 : 10;
      if (!IsDigits(score) || score.size() > 2 || std::stoll(score) < limit_low || std::stoll(score) > limit_high) {
        return Unmappable(error, what + "score '" + score.substr(0, 16) + "' is not a valid " + kind + " score");
      }
      EventBuilder b = emit(type);
      b.Set("score", FieldValue(static_cast<int64_t>(std::stoll(score)))).Set("kind", kind);
      if (const std::string comment = field("comment"); !comment.empty()) b.Set("comment", comment);
      out->push_back(b.Build());
    } else {
      out->push_back(emit(type).Build());  // ticket.resolved, ticket.reopened
    }
    return true;
  }

  std::string name_;
  GenericOptions options_;
};

// Errors of the scalar readers name the key alone; inside `auth` they should say auth.<key>.
template <typename T>
StatusOr<T> InAuth(StatusOr<T> value) {
  if (value.ok()) return value;
  std::string message = value.status().message();
  const size_t at = message.find("': ");
  if (at != std::string::npos) message.insert(at + 3, "auth.");
  return Status::Invalid(message);
}

Status LoadAuth(const std::string& name, const YAML::Node& section, GenericOptions* o) {
  const YAML::Node auth = section["auth"];
  if (!auth || !auth.IsMap()) return Status::Invalid("source '" + name + "': auth: is required (a mapping)");
  SLAMON_RETURN_IF_ERROR(CheckKnownKeys(name, "auth", auth, {"mode", "header", "query", "prefix", "encoding"}));
  GET_OR_RET(const std::string mode, InAuth(ConfigChoice(name, auth, "mode", {"shared_secret", "hmac_sha256"}, "")));
  if (mode.empty()) return Status::Invalid("source '" + name + "': auth.mode: is required");
  o->hmac = mode == "hmac_sha256";
  GET_OR_RET(o->token.header, InAuth(ConfigString(name, auth, "header", "")));
  GET_OR_RET(o->token.query, InAuth(ConfigString(name, auth, "query", "")));
  for (char& c : o->token.header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (o->hmac) {
    if (o->token.header.empty() || !o->token.query.empty()) {
      return Status::Invalid("source '" + name + "': auth.header: hmac_sha256 needs a header (and no query)");
    }
    GET_OR_RET(o->prefix, InAuth(ConfigString(name, auth, "prefix", "")));
    GET_OR_RET(const std::string encoding, InAuth(ConfigChoice(name, auth, "encoding", {"hex", "base64"}, "hex")));
    o->base64 = encoding == "base64";
  } else {
    if (o->token.header.empty() == o->token.query.empty()) {
      return Status::Invalid("source '" + name + "': auth: shared_secret needs exactly one of header or query");
    }
    if (auth["prefix"] || auth["encoding"]) {
      return Status::Invalid("source '" + name + "': auth: prefix and encoding apply to hmac_sha256 only");
    }
  }
  return Status::OK();
}

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeGenericSource(const std::string& name, const YAML::Node& section) {
  GenericOptions o;
  GET_OR_RET(o.secret, LoadSecret(name, section));
  SLAMON_RETURN_IF_ERROR(LoadAuth(name, section, &o));
  if (section["id"]) {
    GET_OR_RET(FieldSpec id, generic::ParseFieldSpec(name, "id", section["id"]));
    o.id = std::move(id);
  }
  GET_OR_RET(o.fields, generic::ParseFields(name, "fields", section["fields"]));
  GET_OR_RET(o.rules, generic::ParseRules(name, section["events"]));
  if (!o.id) {
    for (size_t i = 0; i < o.rules.size(); ++i) {
      if (!o.rules[i].id) {
        return Status::Invalid("source '" + name + "': id: is required (or an id in every rule; events[" +
                               std::to_string(i) + "] has none)");
      }
    }
  }
  GET_OR_RET(o.statuses, LoadValueMap(name, section, "statuses", StatusVocabulary(), {}));
  GET_OR_RET(o.priorities, LoadValueMap(name, section, "priorities", PriorityVocabulary(), {}));
  GET_OR_RET(o.roles, LoadValueMap(name, section, "roles", RoleVocabulary(), o.roles));
  GET_OR_RET(o.default_priority, ConfigChoice(name, section, "default_priority", PriorityVocabulary(), "normal"));
  GET_OR_RET(const std::string unmatched, ConfigChoice(name, section, "unmatched", {"reject", "ignore"}, "reject"));
  o.reject_unmatched = unmatched == "reject";
  return std::unique_ptr<WebhookSource>(std::make_unique<GenericSource>(name, std::move(o)));
}

}  // namespace slamon::bridge
