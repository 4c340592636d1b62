// Zoho Desk webhooks. Zoho posts a JSON array of event objects
// {eventType, eventTime (epoch ms), orgId, payload, prevState?}:
//   Ticket_Add          → ticket.opened
//   Ticket_Update       → status and priority changes; with `prevState`
//                         (includePrevState in the subscription) only the
//                         fields that changed, and reopens are recognised
//   Ticket_Thread_Add   → ticket.replied (public threads; the description
//                         thread that opened the ticket is skipped)
//   Ticket_Comment_Add  → ticket.replied (public comments only)
// Other event types map to no event.
//
// Zoho Desk does not sign webhooks with a secret the user can set, so the
// bridge checks a shared token: a query parameter of the callback URL or a
// header, compared in constant time.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source_config.h"
#include "daemon/bridge/sources.h"

namespace slamon::bridge {

namespace {

// Zoho Desk's built-in statuses. "Closed" is the state a customer reply can
// reopen, which is what slamon calls solved.
ValueMap DefaultZohoStatuses() {
  return {{"Open", "open"}, {"On Hold", "on_hold"}, {"Escalated", "open"}, {"Closed", "solved"}};
}

ValueMap DefaultZohoPriorities() {
  return {{"Urgent", "urgent"}, {"High", "high"}, {"Medium", "normal"}, {"Low", "low"}};
}

struct ZohoOptions {
  Secrets secrets;
  TokenLocation token;
  std::vector<JsonPointer> account_pointers;
  std::string default_account;
  ValueMap statuses = DefaultZohoStatuses();
  ValueMap priorities = DefaultZohoPriorities();
  std::string default_priority = "normal";
  ValueMap roles = {{"AGENT", "agent"}, {"END_USER", "customer"}, {"CUSTOMER", "customer"}, {"SYSTEM", "ignore"}};
};

class ZohoSource final : public WebhookSource {
 public:
  ZohoSource(std::string name, ZohoOptions options) : name_(std::move(name)), options_(std::move(options)) {}

  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error, size_t* matched) const override {
    return VerifySharedToken(request, options_.token, options_.secrets, error, matched);
  }

  bool Map(const WebhookRequest& request, std::vector<MappedEvent>* events, SourceError* error) const override {
    const nlohmann::json root = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
      *error = {Rejection::kBadPayload, "body is not JSON"};
      return false;
    }
    if (!root.is_array() && !root.is_object()) {
      *error = {Rejection::kBadPayload, "body is neither an array of events nor an event object"};
      return false;
    }
    std::vector<MappedEvent> out;
    const nlohmann::json list = root.is_array() ? root : nlohmann::json::array({root});
    for (const nlohmann::json& event : list) {
      if (!event.is_object() || !event.contains("payload") || !event["payload"].is_object()) {
        *error = {Rejection::kBadPayload, "an event has no payload object"};
        return false;
      }
      if (!MapEvent(event, &out, error)) return false;
    }
    events->insert(events->end(), out.begin(), out.end());
    return true;
  }

 private:
  bool MapEvent(const nlohmann::json& event, std::vector<MappedEvent>* events, SourceError* error) const {
    const std::string type = JsonText(event, "eventType");
    const nlohmann::json& payload = event["payload"];
    if (type == "Ticket_Add") return MapAdd(event, payload, events, error);
    if (type == "Ticket_Update") return MapUpdate(event, payload, events, error);
    if (type == "Ticket_Thread_Add") return MapThread(event, payload, events, error);
    if (type == "Ticket_Comment_Add") return MapComment(event, payload, events, error);
    if (type.empty()) {
      *error = {Rejection::kBadPayload, "eventType is missing"};
      return false;
    }
    return true;
  }

  bool Account(const nlohmann::json& payload, const std::string& what, std::string* out, SourceError* error) const {
    out->clear();
    for (const JsonPointer& p : options_.account_pointers) {
      *out = ScalarText(p.Resolve(payload));
      if (!out->empty()) break;
    }
    if (out->empty()) *out = options_.default_account;
    if (out->empty()) {
      return Unmappable(error, what + " names no account (account_pointers) and no default_account is configured");
    }
    return CheckIdentifier("account", *out, error);
  }

  static std::optional<std::string> Time(const nlohmann::json& payload, const char* field,
                                         const nlohmann::json& event) {
    auto t = payload.find(field);
    if (t != payload.end()) {
      if (auto at = NormalizeJsonTimestamp(*t)) return at;
    }
    auto et = event.find("eventTime");
    if (et != event.end()) return NormalizeJsonTimestamp(*et);
    return std::nullopt;
  }

  bool MapPriority(const nlohmann::json& ticket, std::string* out, SourceError* error) const {
    const std::string vendor = JsonText(ticket, "priority");
    if (vendor.empty() || vendor == "-None-") {
      *out = options_.default_priority;
      return true;
    }
    if (auto p = options_.priorities.Find(vendor)) {
      *out = *p;
      return true;
    }
    if (auto p = NormalizePriority(vendor)) {
      *out = *p;
      return true;
    }
    return Unmappable(error, "priority '" + vendor + "' is not in the source's priorities map");
  }

  // Custom statuses fall back to their statusType (Open / On Hold / Closed),
  // which Zoho sends next to the status name.
  bool MapStatus(const nlohmann::json& ticket, std::string* out, SourceError* error) const {
    const std::string vendor = JsonText(ticket, "status");
    if (auto s = options_.statuses.Find(vendor)) {
      *out = *s;
      return true;
    }
    if (auto s = options_.statuses.Find(JsonText(ticket, "statusType"))) {
      *out = *s;
      return true;
    }
    return Unmappable(error, "status '" + vendor + "' is not in the source's statuses map");
  }

  bool MapAdd(const nlohmann::json& event, const nlohmann::json& ticket, std::vector<MappedEvent>* events,
              SourceError* error) const {
    const std::string id = JsonText(ticket, "id");
    if (!CheckIdentifier("ticket id", id, error)) return false;
    std::string account, priority;
    if (!Account(ticket, "ticket " + id, &account, error) || !MapPriority(ticket, &priority, error)) return false;
    auto at = Time(ticket, "createdTime", event);
    if (!at) return Unmappable(error, "ticket " + id + ": createdTime is not a timestamp");
    EventBuilder b(DeriveEventId(name_, "ticket-" + id + "-add", 0), "ticket.opened", *at, account);
    b.Set("ticket_id", id).Set("priority", priority);
    const std::string channel = FoldKey(JsonText(ticket, "channel"));
    if (!channel.empty()) b.Set("channel", channel);
    events->push_back(b.Build());
    return true;
  }

  bool MapUpdate(const nlohmann::json& event, const nlohmann::json& ticket, std::vector<MappedEvent>* events,
                 SourceError* error) const {
    const std::string id = JsonText(ticket, "id");
    if (!CheckIdentifier("ticket id", id, error)) return false;
    std::string account;
    if (!Account(ticket, "ticket " + id, &account, error)) return false;
    auto at = Time(ticket, "modifiedTime", event);
    if (!at) return Unmappable(error, "ticket " + id + ": modifiedTime is not a timestamp");
    auto prev_it = event.find("prevState");
    const bool has_prev = prev_it != event.end() && prev_it->is_object();
    std::vector<std::pair<std::string, std::string>> typed;
    // Without prevState every update repeats the current status and priority;
    // slamon ignores a status or priority that does not change anything.
    if (!has_prev || prev_it->contains("status")) {
      std::string current, previous;
      if (!MapStatus(ticket, &current, error)) return false;
      if (has_prev && !MapStatus(*prev_it, &previous, error)) previous.clear();
      if (!has_prev || JsonText(*prev_it, "status") != JsonText(ticket, "status")) {
        for (const std::string& type : StatusTransitionTypes(previous, current)) typed.emplace_back(type, current);
      }
    }
    if (!has_prev ||
        (prev_it->contains("priority") && JsonText(*prev_it, "priority") != JsonText(ticket, "priority"))) {
      std::string priority;
      if (!MapPriority(ticket, &priority, error)) return false;
      typed.emplace_back("ticket.priority_changed", priority);
    }
    // The same update redelivered has the same modification time.
    std::string stamp = JsonText(ticket, "modifiedTime");
    if (stamp.empty()) stamp = JsonText(event, "eventTime");
    int n = 0;
    for (const auto& [type, value] : typed) {
      EventBuilder b(DeriveEventId(name_, "ticket-" + id + "-update-" + stamp, n++), type, *at, account);
      b.Set("ticket_id", id);
      if (type == "ticket.status_changed") b.Set("status", value);
      if (type == "ticket.priority_changed") b.Set("priority", value);
      events->push_back(b.Build());
    }
    return true;
  }

  bool Reply(const nlohmann::json& event, const nlohmann::json& payload, const std::string& kind,
             const std::string& role, const char* time_field, std::vector<MappedEvent>* events,
             SourceError* error) const {
    const std::string id = JsonText(payload, "id");
    const std::string ticket = JsonText(payload, "ticketId");
    if (!CheckIdentifier(kind + " id", id, error) || !CheckIdentifier("ticketId", ticket, error)) return false;
    std::string account;
    if (!Account(payload, kind + " " + id, &account, error)) return false;
    auto at = Time(payload, time_field, event);
    if (!at) return Unmappable(error, kind + " " + id + ": " + time_field + " is not a timestamp");
    EventBuilder b(DeriveEventId(name_, kind + "-" + id, 0), "ticket.replied", *at, account);
    b.Set("ticket_id", ticket).Set("author", role).Set("public", true);
    events->push_back(b.Build());
    return true;
  }

  bool MapThread(const nlohmann::json& event, const nlohmann::json& thread, std::vector<MappedEvent>* events,
                 SourceError* error) const {
    auto desc = thread.find("isDescriptionThread");
    if (desc != thread.end() && desc->is_boolean() && desc->get<bool>()) return true;  // the opening message
    if (FoldKey(JsonText(thread, "visibility")) == "private") return true;             // internal note
    std::string role;
    auto author = thread.find("author");
    const std::string type = author != thread.end() && author->is_object() ? JsonText(*author, "type") : "";
    if (auto r = options_.roles.Find(type)) {
      role = *r;
    } else {
      // No known author type: the thread's direction still tells who wrote it.
      const std::string direction = JsonText(thread, "direction");
      if (direction == "in") role = "customer";
      if (direction == "out") role = "agent";
    }
    if (role.empty()) return Unmappable(error, "thread has neither a known author type nor a direction");
    if (role == "ignore") return true;
    return Reply(event, thread, "thread", role, "createdTime", events, error);
  }

  bool MapComment(const nlohmann::json& event, const nlohmann::json& comment, std::vector<MappedEvent>* events,
                  SourceError* error) const {
    auto pub = comment.find("isPublic");
    if (pub == comment.end() || !pub->is_boolean() || !pub->get<bool>()) return true;  // private comment
    auto commenter = comment.find("commenter");
    const std::string type =
        commenter != comment.end() && commenter->is_object() ? JsonText(*commenter, "type") : std::string();
    auto role = options_.roles.Find(type);
    if (!role) return Unmappable(error, "comment author type '" + type + "' is not in the source's roles map");
    if (*role == "ignore") return true;
    return Reply(event, comment, "comment", *role, "commentedTime", events, error);
  }

  std::string name_;
  ZohoOptions options_;
};

}  // namespace

namespace {

// What the table reads; the JSON pointers are parsed after it.
struct ZohoConfig {
  ZohoOptions options;
  std::vector<std::string> account_pointers = {"/accountId", "/account/id", "/contact/accountId",
                                               "/contact/account/id"};
};

// The section's keys besides kind and the secret, one row each.
const config::FieldTable<ZohoConfig>& ZohoTable() {
  using config::At;
  using O = ZohoOptions;
  using C = ZohoConfig;
  constexpr auto kLive = kSourceApply;
  auto pointer = [](const std::string& text) {
    auto p = JsonPointer::Parse(text);
    return p.ok() ? std::string() : p.status().message();
  };
  auto token = [](std::string TokenLocation::*member) {
    return config::Via<C, std::string>([member](const C& c) { return c.options.token.*member; },
                                       [member](C& c, std::string v) { c.options.token.*member = std::move(v); });
  };
  static const config::FieldTable<C> kTable(
      "sources.<name>", "A Zoho Desk webhook ([helpdesks.md](helpdesks.md)).",
      {
          config::Str("token_header", token(&TokenLocation::header), "", kLive,
                      "The header carrying the shared secret (or token_query)."),
          config::Str("token_query", token(&TokenLocation::query), "", kLive,
                      "The query parameter carrying the shared secret (or token_header)."),
          config::List("account_pointers", At(&C::account_pointers),
                       {"/accountId", "/account/id", "/contact/accountId", "/contact/account/id"},
                       {1, "JSON pointer", pointer, "JSON pointers"}, kLive,
                       "Where the account id is in the payload, first found wins."),
          config::Str("default_account", At(&C::options, &O::default_account), "", kLive,
                      "Account of tickets without one."),
          ValueMapRow<C>(
              "statuses", [](C& c) -> ValueMap& { return c.options.statuses; }, StatusVocabulary(),
              "Zoho status -> slamon status.", "Zoho Desk's statuses (helpdesks.md)"),
          ValueMapRow<C>(
              "priorities", [](C& c) -> ValueMap& { return c.options.priorities; }, PriorityVocabulary(),
              "Zoho priority -> slamon priority.", "Zoho Desk's priorities (helpdesks.md)"),
          config::OneOf("default_priority", At(&C::options, &O::default_priority), "normal", PriorityVocabulary(),
                        kLive, "Priority of tickets without one."),
          ValueMapRow<C>(
              "roles", [](C& c) -> ValueMap& { return c.options.roles; }, RoleVocabulary(),
              "Thread author type -> agent, customer or ignore.",
              "AGENT: agent, END_USER and CUSTOMER: customer, SYSTEM: ignore"),
      },
      {[](const C& c, config::SectionCheck& k) {
        if (c.options.token.header.empty() == c.options.token.query.empty()) {
          k.Fail(c.options.token.header.empty() ? "token_header" : "token_query",
                 "set exactly one of token_header or token_query");
        }
      }});
  return kTable;
}

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeZohoSource(const SourceSection& section) {
  ZohoConfig c;
  GET_OR_RET(c.options.secrets, LoadSecrets(section));
  SLAMON_RETURN_IF_ERROR(section.Read(ZohoTable(), &c));
  ZohoOptions& o = c.options;
  for (char& ch : o.token.header) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const std::string& text : c.account_pointers) o.account_pointers.push_back(JsonPointer::Parse(text).take());
  return std::unique_ptr<WebhookSource>(std::make_unique<ZohoSource>(section.name(), std::move(o)));
}

std::vector<config::SectionInfo> ZohoSourceReference() {
  config::SectionInfo info = ZohoTable().Describe();
  info.title = "`sources.<name>`, kind zoho";
  return {info};
}

}  // namespace slamon::bridge
