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

#include "daemon/bridge/crm_values.h"
#include "daemon/bridge/generic_mapping.h"
#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source_config.h"
#include "daemon/bridge/sources.h"

namespace slamon::bridge {

namespace {

using generic::FieldSpec;
using generic::Rule;

struct GenericOptions {
  Secrets secrets;
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
  int utc_offset_minutes = 0;  // of dates sent as UTC instants (renewal_date)
};

bool IsDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

class GenericSource final : public WebhookSource {
 public:
  GenericSource(std::string name, GenericOptions options) : name_(std::move(name)), options_(std::move(options)) {}

  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error, size_t* matched) const override {
    if (!options_.hmac) return VerifySharedToken(request, options_.token, options_.secrets, error, matched);
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
    std::string given(presented);
    if (!options_.base64) {
      for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto match = MatchSecret(options_.secrets, given, [&](const std::string& secret) {
      const std::string digest = HmacSha256(secret, request.body);
      return options_.base64 ? Base64Encode(digest) : HexEncode(digest);
    });
    if (!match) {
      *error = {Rejection::kBadSignature, options_.token.header + " does not match the body"};
      return false;
    }
    *matched = *match;
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

  // The spec of `field` for `rule`: its own, else the shared one, else none.
  const FieldSpec* Spec(const Rule& rule, const std::string& field) const {
    if (auto it = rule.fields.find(field); it != rule.fields.end()) return &it->second;
    if (auto it = options_.fields.find(field); it != options_.fields.end()) return &it->second;
    return nullptr;
  }

  // The payload of an account, order or interaction event; `*emit` false
  // for an account.updated whose sender sent none of its fields (a change
  // of something slamon does not keep).
  bool SetCrmFields(const Rule& rule, const nlohmann::json& body, const WebhookRequest& request,
                    const std::string& what, EventBuilder& b, bool* emit, SourceError* error) const {
    auto field = [&](const std::string& name) { return Field(rule, name, body, request); };
    const std::string& type = rule.type;
    if (type == "account.upserted" || type == "account.updated") {
      const bool upsert = type == "account.upserted";
      std::map<std::string, std::string> given;
      for (const std::string& name : AccountFieldNames()) {
        const FieldSpec* spec = Spec(rule, name);
        // An update carries only what the sender sent (null is not sent); an empty value clears the field.
        if (spec == nullptr || (!upsert && !spec->Present(body, request) && !spec->fallback)) continue;
        std::string value = spec->Get(body, request);
        if (name == "renewal_date" && !value.empty()) {
          const auto date = NormalizeDate(value, options_.utc_offset_minutes);
          if (!date) return Unmappable(error, what + "renewal_date '" + value.substr(0, 32) + "' is not a date");
          value = *date;
        }
        given[name] = std::move(value);
      }
      if (!upsert && given.empty()) {
        *emit = false;
        return true;
      }
      return SetAccountFields(b, given, upsert, what, error);
    }
    if (type == "account.churned") {
      if (const std::string reason = field("reason"); !reason.empty()) b.Set("reason", reason);
      return true;
    }
    if (type == "order.placed") {
      const std::string order = field("order_id"), raw = field("amount"), currency = field("currency");
      if (!CheckIdentifier(what + "order_id", order, error)) return false;
      const auto amount = ParseAmount(raw);
      if (!amount || *amount < 0) return Unmappable(error, what + "amount '" + raw.substr(0, 32) + "' is not >= 0");
      b.Set("order_id", order).Set("amount", *amount);
      if (currency.empty()) return true;
      const auto code = NormalizeCurrency(currency);
      if (!code) return Unmappable(error, what + "currency '" + currency.substr(0, 16) + "' is not ISO 4217");
      b.Set("currency", *code);
      return true;
    }
    // interaction.logged
    const std::string kind = field("kind"), direction = field("direction");
    const auto& kinds = InteractionKinds();
    const auto& directions = Directions();
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      return Unmappable(error, what + "kind '" + kind.substr(0, 32) + "' is not call, meeting, email or qbr");
    }
    if (std::find(directions.begin(), directions.end(), direction) == directions.end()) {
      return Unmappable(error, what + "direction '" + direction.substr(0, 32) + "' is not inbound or outbound");
    }
    b.Set("kind", kind).Set("direction", direction);
    return true;
  }

  // The payload of a survey answer: a csat (1-5) or nps (0-10) score.
  static bool SetSurveyFields(const std::string& score, std::string kind, const std::string& comment,
                              const std::string& what, EventBuilder& b, SourceError* error) {
    if (kind.empty()) kind = "csat";
    if (kind != "csat" && kind != "nps") return Unmappable(error, what + "kind '" + kind + "' is not csat or nps");
    const int64_t limit_low = kind == "csat" ? 1 : 0, limit_high = kind == "csat" ? 5 : 10;
    if (!IsDigits(score) || score.size() > 2 || std::stoll(score) < limit_low || std::stoll(score) > limit_high) {
      return Unmappable(error, what + "score '" + score.substr(0, 16) + "' is not a valid " + kind + " score");
    }
    b.Set("score", FieldValue(static_cast<int64_t>(std::stoll(score)))).Set("kind", kind);
    if (!comment.empty()) b.Set("comment", comment);
    return true;
  }

  bool Apply(const Rule& rule, int index, const nlohmann::json& body, const WebhookRequest& request,
             std::vector<MappedEvent>* out, SourceError* error) const {
    auto field = [&](const std::string& name) { return Field(rule, name, body, request); };
    const std::string what = "events[" + std::to_string(index) + "] (" + rule.type + "): ";
    const FieldSpec* id_spec = rule.id ? &*rule.id : (options_.id ? &*options_.id : nullptr);
    const std::string delivery = id_spec != nullptr ? id_spec->Get(body, request) : std::string();
    if (delivery.empty()) return Unmappable(error, what + "the delivery id is missing");
    const std::string account = field("account_id");
    if (!CheckIdentifier(what + "account_id", account, error)) return false;
    const std::string when = field("occurred_at");
    const auto at = NormalizeTimestamp(when);
    if (!at) return Unmappable(error, what + "occurred_at '" + when.substr(0, 64) + "' is not a timestamp");
    if (!generic::IsTicketRule(rule.type)) {
      EventBuilder b(DeriveEventId(name_, delivery, 4 * index), rule.type, *at, account);
      bool emit = true;
      if (!SetCrmFields(rule, body, request, what, b, &emit, error)) return false;
      if (emit) out->push_back(b.Build());
      return true;
    }
    const std::string ticket = field("ticket_id");
    if (rule.type != "survey.answered" || !ticket.empty()) {
      if (!CheckIdentifier(what + "ticket_id", ticket, error)) return false;
    }

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
      EventBuilder b = emit(type);
      if (!SetSurveyFields(field("score"), field("kind"), field("comment"), what, b, error)) return false;
      out->push_back(b.Build());
    } else {
      out->push_back(emit(type).Build());  // ticket.resolved, ticket.reopened
    }
    return true;
  }

  std::string name_;
  GenericOptions options_;
};

// What the tables read; the mapping rules are parsed after them.
struct GenericConfig {
  GenericOptions options;
  std::string mode;  // auth.mode
  std::string encoding = "hex";
  bool reject_unmatched = true;
  std::string utc_offset = "+00:00";
};

// sources.<name>.auth: how a request proves it comes from the sender.
const config::FieldTable<GenericConfig>& AuthTable() {
  using config::At;
  using C = GenericConfig;
  constexpr auto kLive = kSourceApply;
  auto token = [](std::string TokenLocation::*member) {
    return config::Via<C, std::string>([member](const C& c) { return c.options.token.*member; },
                                       [member](C& c, std::string v) { c.options.token.*member = std::move(v); });
  };
  static const config::FieldTable<C> kTable(
      "sources.<name>.auth", "How a request proves it comes from the sender.",
      {
          config::OneOf("mode", At(&C::mode), "", {"shared_secret", "hmac_sha256"}, kLive,
                        "shared_secret: the secret itself in a header or query parameter; hmac_sha256: an HMAC of "
                        "the body in a header.")
              .Required(),
          config::Str("header", token(&TokenLocation::header), "", kLive, "The header carrying the secret or digest."),
          config::Str("query", token(&TokenLocation::query), "", kLive,
                      "The query parameter carrying the secret (shared_secret only)."),
          config::Str("prefix", config::At(&C::options, &GenericOptions::prefix), "", kLive,
                      "Text before the digest (\"sha256=\"; hmac_sha256 only)."),
          config::OneOf("encoding", At(&C::encoding), "hex", {"hex", "base64"}, kLive,
                        "The digest's encoding (hmac_sha256 only)."),
      },
      {[](const C& c, config::SectionCheck& k) {
        const TokenLocation& t = c.options.token;
        if (c.mode == "hmac_sha256") {
          if (t.header.empty() || !t.query.empty()) k.Fail("header", "hmac_sha256 needs a header (and no query)");
        } else {
          if (t.header.empty() == t.query.empty()) k.FailSection("shared_secret needs exactly one of header or query");
          if (k.Has("prefix") || k.Has("encoding")) k.FailSection("prefix and encoding apply to hmac_sha256 only");
        }
      }});
  return kTable;
}

// The section's keys besides kind and the secret, one row each.
const config::FieldTable<GenericConfig>& GenericTable() {
  using config::At;
  using C = GenericConfig;
  constexpr auto kLive = kSourceApply;
  static const config::FieldTable<C> kTable(
      "sources.<name>", "Any JSON webhook, mapped by declarative rules ([helpdesks.md](helpdesks.md)).",
      {
          config::Structured<C>("auth", "mapping", "How requests are authenticated (below).").Required(),
          config::Structured<C>("id", "field spec", "The delivery id the event ids derive from (or one per rule)."),
          config::Structured<C>("fields", "mapping", "Field specs every rule shares, by slamon field."),
          config::Structured<C>("events", "list of rules", "The mapping rules: when, type, fields, id.").Required(),
          ValueMapRow<C>(
              "statuses", [](C& c) -> ValueMap& { return c.options.statuses; }, StatusVocabulary(),
              "Vendor status -> slamon status.", "none"),
          ValueMapRow<C>(
              "priorities", [](C& c) -> ValueMap& { return c.options.priorities; }, PriorityVocabulary(),
              "Vendor priority -> slamon priority.", "none"),
          ValueMapRow<C>(
              "roles", [](C& c) -> ValueMap& { return c.options.roles; }, RoleVocabulary(),
              "Vendor author role -> agent, customer or ignore.", "agent: agent, customer: customer"),
          config::OneOf("default_priority", At(&C::options, &GenericOptions::default_priority), "normal",
                        PriorityVocabulary(), kLive, "Priority of tickets opened without one."),
          config::OneOf("unmatched",
                        config::Via<C, std::string>(
                            [](const C& c) { return std::string(c.reject_unmatched ? "reject" : "ignore"); },
                            [](C& c, const std::string& v) { c.reject_unmatched = v == "reject"; }),
                        "reject", {"reject", "ignore"}, kLive,
                        "A request no rule matches: rejected (422) or accepted without events."),
          config::Str("utc_offset", At(&C::utc_offset), "+00:00", kLive,
                      "UTC offset of the sender's dates: a renewal_date sent as a UTC instant (epoch milliseconds) "
                      "is the date at this offset.",
                      {[](const std::string& v) { return ParseUtcOffset(v) ? std::string() : "must be Z or ±HH:MM"; },
                       "±HH:MM"}),
      });
  return kTable;
}

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeGenericSource(const SourceSection& section) {
  GenericConfig c;
  GenericOptions& o = c.options;
  GET_OR_RET(o.secrets, LoadSecrets(section));
  SLAMON_RETURN_IF_ERROR(section.Read(GenericTable(), &c));
  if (!section.At("auth").IsMap()) return section.Error(section.At("auth"), "auth", "must be a mapping");
  SLAMON_RETURN_IF_ERROR(section.Read(AuthTable(), &c, {}, "auth"));
  o.hmac = c.mode == "hmac_sha256";
  o.base64 = c.encoding == "base64";
  o.reject_unmatched = c.reject_unmatched;
  o.utc_offset_minutes = ParseUtcOffset(c.utc_offset).value_or(0);
  for (char& ch : o.token.header) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (const YAML::Node id = section.At("id"); id.IsDefined()) {
    GET_OR_RET(FieldSpec spec, generic::ParseFieldSpec(section, "id", id));
    o.id = std::move(spec);
  }
  GET_OR_RET(o.fields, generic::ParseFields(section, "fields", section.At("fields")));
  GET_OR_RET(o.rules, generic::ParseRules(section, section.At("events")));
  SLAMON_RETURN_IF_ERROR(generic::CheckRequiredFields(section, section.At("events"), o.rules, o.fields));
  if (!o.id) {
    for (size_t i = 0; i < o.rules.size(); ++i) {
      if (!o.rules[i].id) {
        return section.Error(section.At("events")[i], "id",
                             "is required (or an id in every rule; events[" + std::to_string(i) + "] has none)");
      }
    }
  }
  return std::unique_ptr<WebhookSource>(std::make_unique<GenericSource>(section.name(), std::move(o)));
}

std::vector<config::SectionInfo> GenericSourceReference() {
  config::SectionInfo main = GenericTable().Describe();
  main.title = "`sources.<name>`, kind generic";
  config::SectionInfo auth = AuthTable().Describe();
  auth.title = "`sources.<name>.auth`, kind generic";
  return {main, auth};
}

}  // namespace slamon::bridge
