// Jira Cloud / Jira Service Management webhooks (admin webhooks and
// REST-registered ones, which share one payload shape):
//   jira:issue_created           → ticket.opened
//   jira:issue_updated           → per changelog item: status, priority,
//                                  resolution; plus the comment when the
//                                  update is "issue_commented"
//   comment_created              → ticket.replied (public comments only)
// Every other webhookEvent is accepted and maps to no event.
//
// Event ids come from Jira's own ids (issue id, changelog id, comment id),
// which are the same in every redelivery of a webhook and also the same when
// one change reaches the bridge twice (comment_created and the
// issue_commented flavour of jira:issue_updated carry the same comment id),
// so slamon's dedupe drops both kinds of repetition.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source_config.h"
#include "daemon/bridge/sources.h"

namespace slamon::bridge {

namespace {

// Jira Service Management's default workflow names plus Jira Software's
// defaults; anything else falls back to the status category (see MapStatus).
ValueMap DefaultJiraStatuses() {
  return {{"Open", "open"},
          {"To Do", "open"},
          {"Waiting for support", "open"},
          {"In Progress", "open"},
          {"Work in progress", "open"},
          {"Escalated", "open"},
          {"Reopened", "open"},
          {"Waiting for customer", "pending"},
          {"Pending", "on_hold"},
          {"On hold", "on_hold"},
          {"Waiting for approval", "on_hold"},
          {"Resolved", "solved"},
          {"Done", "solved"},
          {"Completed", "solved"},
          {"Closed", "closed"},
          {"Canceled", "closed"},
          {"Cancelled", "closed"},
          {"Declined", "closed"}};
}

// Jira's five default priorities.
ValueMap DefaultJiraPriorities() {
  return {{"Highest", "urgent"}, {"High", "high"}, {"Medium", "normal"}, {"Low", "low"}, {"Lowest", "low"}};
}

struct JiraOptions {
  Secrets secrets;
  bool ticket_id_is_key = true;
  std::string account_field = "customfield_10002";  // JSM "Organizations" on most sites
  std::string default_account;
  ValueMap statuses = DefaultJiraStatuses();
  ValueMap priorities = DefaultJiraPriorities();
  std::string default_priority = "normal";
  ValueMap roles = {{"atlassian", "agent"}, {"customer", "customer"}, {"app", "ignore"}};
  bool reporter_is_customer = true;
  std::string channel;
};

// The text naming an account in a field value: JSM organizations are an
// array of {id, name}; select lists are {value}; plain text fields a string.
std::string AccountText(const nlohmann::json* value) {
  if (value == nullptr) return {};
  if (value->is_array()) return value->empty() ? std::string() : AccountText(&value->front());
  if (value->is_object()) {
    for (const char* key : {"name", "value", "key", "displayName"}) {
      std::string text = JsonText(*value, key);
      if (!text.empty()) return text;
    }
    return {};
  }
  return ScalarText(value);
}

class JiraSource final : public WebhookSource {
 public:
  JiraSource(std::string name, JiraOptions options) : name_(std::move(name)), options_(std::move(options)) {}

  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error, size_t* matched) const override {
    const std::string header = request.Header("x-hub-signature");
    if (header.empty()) {
      *error = {Rejection::kBadSignature, "missing header x-hub-signature"};
      return false;
    }
    // WebSub form "method=signature"; Jira Cloud signs with sha256 only.
    const size_t eq = header.find('=');
    if (eq == std::string::npos || header.substr(0, eq) != "sha256") {
      *error = {Rejection::kBadSignature, "x-hub-signature is not of the form sha256=<hex>"};
      return false;
    }
    std::string presented = header.substr(eq + 1);
    for (char& c : presented) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto match = MatchSecret(options_.secrets, presented, [&](const std::string& secret) {
      return HexEncode(HmacSha256(secret, request.body));
    });
    if (!match) {
      *error = {Rejection::kBadSignature, "x-hub-signature does not match the body"};
      return false;
    }
    *matched = *match;
    return true;
  }

  bool Map(const WebhookRequest& request, std::vector<MappedEvent>* events, SourceError* error) const override {
    nlohmann::json root;
    if (!ParseJsonObject(request.body, &root, error)) return false;
    const std::string event = JsonText(root, "webhookEvent");
    if (event.empty()) {
      *error = {Rejection::kBadPayload, "webhookEvent is missing"};
      return false;
    }
    if (event != "jira:issue_created" && event != "jira:issue_updated" && event != "comment_created") {
      return true;  // subscribed to more than slamon needs: nothing to map
    }
    auto issue = root.find("issue");
    if (issue == root.end() || !issue->is_object() || !issue->contains("fields") || !(*issue)["fields"].is_object()) {
      *error = {Rejection::kBadPayload, event + ": issue with fields is missing"};
      return false;
    }
    Context ctx{root, *issue, (*issue)["fields"], {}, {}};
    if (!Identify(&ctx, error)) return false;
    if (event == "jira:issue_created") return MapCreated(ctx, events, error);
    if (event == "jira:issue_updated") {
      if (!MapChangelog(ctx, request, events, error)) return false;
      auto comment = root.find("comment");
      if (comment != root.end() && comment->is_object()) return MapComment(ctx, *comment, events, error);
      return true;
    }
    auto comment = root.find("comment");
    if (comment == root.end() || !comment->is_object()) {
      *error = {Rejection::kBadPayload, "comment_created: comment is missing"};
      return false;
    }
    return MapComment(ctx, *comment, events, error);
  }

 private:
  struct Context {
    const nlohmann::json& root;
    const nlohmann::json& issue;
    const nlohmann::json& fields;
    std::string ticket_id;
    std::string account_id;
  };

  bool Identify(Context* ctx, SourceError* error) const {
    ctx->ticket_id = JsonText(ctx->issue, options_.ticket_id_is_key ? "key" : "id");
    return CheckIdentifier("issue " + std::string(options_.ticket_id_is_key ? "key" : "id"), ctx->ticket_id, error);
  }

  // Resolved only once there is an event to emit: an internal comment needs no account.
  bool ResolveAccount(Context* ctx, SourceError* error) const {
    auto field = ctx->fields.find(options_.account_field);
    ctx->account_id = AccountText(field == ctx->fields.end() ? nullptr : &*field);
    if (ctx->account_id.empty()) ctx->account_id = options_.default_account;
    if (ctx->account_id.empty()) {
      return Unmappable(error, "issue " + ctx->ticket_id + " has no account in fields." + options_.account_field +
                                   " and no default_account is configured");
    }
    return CheckIdentifier("account", ctx->account_id, error);
  }

  // The time of an update: the webhook's own timestamp (epoch ms), else the issue's `updated`.
  static std::optional<std::string> UpdateTime(const Context& ctx) {
    auto ts = ctx.root.find("timestamp");
    if (ts != ctx.root.end()) {
      if (auto t = NormalizeJsonTimestamp(*ts)) return t;
    }
    auto updated = ctx.fields.find("updated");
    if (updated != ctx.fields.end()) return NormalizeJsonTimestamp(*updated);
    return std::nullopt;
  }

  bool MapCreated(Context& ctx, std::vector<MappedEvent>* events, SourceError* error) const {
    std::optional<std::string> at;
    auto created = ctx.fields.find("created");
    if (created != ctx.fields.end()) at = NormalizeJsonTimestamp(*created);
    if (!at) at = UpdateTime(ctx);
    if (!at) return Unmappable(error, "issue " + ctx.ticket_id + ": fields.created is not a timestamp");
    if (!ResolveAccount(&ctx, error)) return false;
    std::string priority = options_.default_priority;
    auto field = ctx.fields.find("priority");
    if (field != ctx.fields.end() && field->is_object()) {
      const std::string vendor = JsonText(*field, "name");
      if (!vendor.empty() && !MapPriority(vendor, &priority, error)) return false;
    }
    EventBuilder b(DeriveEventId(name_, "issue-" + JsonText(ctx.issue, "id") + "-created", 0), "ticket.opened", *at,
                   ctx.account_id);
    b.Set("ticket_id", ctx.ticket_id).Set("priority", priority);
    if (!options_.channel.empty()) b.Set("channel", options_.channel);
    events->push_back(b.Build());
    return true;
  }

  bool MapPriority(const std::string& vendor, std::string* out, SourceError* error) const {
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

  // A workflow status name → slamon status. Names not configured fall back to
  // the status category Jira reports for the issue's current status (new and
  // indeterminate → open, done → solved), which only applies when `name` is
  // the current status.
  bool MapStatus(const Context& ctx, const std::string& name, std::string* out, SourceError* error) const {
    if (auto s = options_.statuses.Find(name)) {
      *out = *s;
      return true;
    }
    auto status = ctx.fields.find("status");
    if (status != ctx.fields.end() && status->is_object() && FoldKey(JsonText(*status, "name")) == FoldKey(name)) {
      auto category = status->find("statusCategory");
      const std::string key = category != status->end() && category->is_object() ? JsonText(*category, "key") : "";
      if (key == "new" || key == "indeterminate") {
        *out = "open";
        return true;
      }
      if (key == "done") {
        *out = "solved";
        return true;
      }
    }
    return Unmappable(error, "workflow status '" + name + "' is not in the source's statuses map");
  }

  bool MapChangelog(Context& ctx, const WebhookRequest& request, std::vector<MappedEvent>* events,
                    SourceError* error) const {
    auto changelog = ctx.root.find("changelog");
    if (changelog == ctx.root.end() || !changelog->is_object()) return true;
    auto items = changelog->find("items");
    if (items == changelog->end() || !items->is_array()) return true;
    std::string delivery = JsonText(*changelog, "id");
    delivery = delivery.empty() ? request.Header("x-atlassian-webhook-identifier") : "changelog-" + delivery;
    std::optional<std::string> at = UpdateTime(ctx);
    std::vector<std::pair<std::string, std::string>> typed;  // (type, value) in payload order
    auto add = [&typed](std::string type, std::string value) {
      for (const auto& [t, v] : typed) {
        // A transition into Resolved usually also sets the resolution field:
        // one resolve (or reopen) per changelog is enough.
        if (t == type && (type == "ticket.resolved" || type == "ticket.reopened")) return;
      }
      typed.emplace_back(std::move(type), std::move(value));
    };
    for (const nlohmann::json& item : *items) {
      if (!item.is_object()) continue;
      const std::string field = JsonText(item, "fieldId").empty() ? JsonText(item, "field") : JsonText(item, "fieldId");
      if (field == "status") {
        std::string from, to;
        const std::string from_name = JsonText(item, "fromString");
        if (!MapStatus(ctx, JsonText(item, "toString"), &to, error)) return false;
        if (!from_name.empty() && !MapStatus(ctx, from_name, &from, error)) {
          from.clear();  // an unknown previous status only costs the reopen
        }
        for (const std::string& type : StatusTransitionTypes(from, to)) add(type, to);
      } else if (field == "priority") {
        std::string priority;
        if (!MapPriority(JsonText(item, "toString"), &priority, error)) return false;
        add("ticket.priority_changed", priority);
      } else if (field == "resolution") {
        // Setting a resolution resolves, clearing it reopens (Jira's own reopen signal).
        const bool had = !JsonText(item, "to").empty() || !JsonText(item, "toString").empty();
        const bool was = !JsonText(item, "from").empty() || !JsonText(item, "fromString").empty();
        if (had && !was) add("ticket.resolved", "");
        if (!had && was) add("ticket.reopened", "");
      }
    }
    if (typed.empty()) return true;
    if (delivery.empty()) return Unmappable(error, "changelog has no id and x-atlassian-webhook-identifier is missing");
    if (!at) return Unmappable(error, "issue " + ctx.ticket_id + ": the update has no timestamp");
    if (!ResolveAccount(&ctx, error)) return false;
    int n = 0;
    for (const auto& [type, value] : typed) {
      EventBuilder b(DeriveEventId(name_, delivery, n++), type, *at, ctx.account_id);
      b.Set("ticket_id", ctx.ticket_id);
      if (type == "ticket.status_changed") b.Set("status", value);
      if (type == "ticket.priority_changed") b.Set("priority", value);
      events->push_back(b.Build());
    }
    return true;
  }

  bool MapComment(Context& ctx, const nlohmann::json& comment, std::vector<MappedEvent>* events,
                  SourceError* error) const {
    // jsdPublic is false for JSM internal comments; Jira Software comments
    // have no such flag and are visible to everyone who sees the issue.
    auto pub = comment.find("jsdPublic");
    if (pub != comment.end() && pub->is_boolean() && !pub->get<bool>()) return true;  // internal note
    const std::string comment_id = JsonText(comment, "id");
    if (!CheckIdentifier("comment id", comment_id, error)) return false;
    std::string role;
    auto author = comment.find("author");
    const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json& who = author != comment.end() && author->is_object() ? *author : empty;
    auto reporter = ctx.fields.find("reporter");
    if (options_.reporter_is_customer && reporter != ctx.fields.end() && reporter->is_object() &&
        !JsonText(who, "accountId").empty() && JsonText(who, "accountId") == JsonText(*reporter, "accountId")) {
      role = "customer";  // the requester answering on their own issue
    } else if (auto r = options_.roles.Find(JsonText(who, "accountType"))) {
      role = *r;
    } else {
      return Unmappable(error, "comment " + comment_id + ": author accountType '" + JsonText(who, "accountType") +
                                   "' is not in the source's roles map");
    }
    if (role == "ignore") return true;
    std::optional<std::string> at;
    auto created = comment.find("created");
    if (created != comment.end()) at = NormalizeJsonTimestamp(*created);
    if (!at) return Unmappable(error, "comment " + comment_id + ": created is not a timestamp");
    if (!ResolveAccount(&ctx, error)) return false;
    EventBuilder b(DeriveEventId(name_, "comment-" + comment_id, 0), "ticket.replied", *at, ctx.account_id);
    b.Set("ticket_id", ctx.ticket_id).Set("author", role).Set("public", true);
    events->push_back(b.Build());
    return true;
  }

  std::string name_;
  JiraOptions options_;
};

}  // namespace

namespace {

// The section's keys besides kind and the secret, one row each.
const config::FieldTable<JiraOptions>& JiraTable() {
  using config::At;
  using O = JiraOptions;
  constexpr auto kLive = kSourceApply;
  auto ticket_id =
      config::Via<O, std::string>([](const O& o) { return std::string(o.ticket_id_is_key ? "key" : "id"); },
                                  [](O& o, const std::string& v) { o.ticket_id_is_key = v == "key"; });
  static const config::FieldTable<O> kTable(
      "sources.<name>", "A Jira Service Management webhook ([helpdesks.md](helpdesks.md)).",
      {
          config::OneOf("ticket_id", ticket_id, "key", {"key", "id"}, kLive,
                        "What becomes the ticket id: the issue key (SUP-12) or its numeric id."),
          config::Str("account_field", At(&O::account_field), "customfield_10002", kLive,
                      "The issue field naming the account (JSM Organizations on most sites)."),
          config::Str("default_account", At(&O::default_account), "", kLive,
                      "Account of issues whose account field is empty."),
          ValueMapRow<O>("statuses", &O::statuses, StatusVocabulary(), "Jira status -> slamon status.",
                         "Jira's usual statuses (helpdesks.md)"),
          ValueMapRow<O>("priorities", &O::priorities, PriorityVocabulary(), "Jira priority -> slamon priority.",
                         "Jira's usual priorities (helpdesks.md)"),
          config::OneOf("default_priority", At(&O::default_priority), "normal", PriorityVocabulary(), kLive,
                        "Priority of issues without one."),
          ValueMapRow<O>("roles", &O::roles, RoleVocabulary(),
                         "Comment author accountType -> agent, customer or ignore.",
                         "atlassian: agent, customer: customer, app: ignore"),
          config::Bool("reporter_is_customer", At(&O::reporter_is_customer), true, kLive,
                       "A comment by the issue's reporter is the customer's."),
          config::Str("channel", At(&O::channel), "", kLive, "The channel of the tickets (none when empty)."),
      });
  return kTable;
}

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeJiraSource(const SourceSection& section) {
  JiraOptions o;
  GET_OR_RET(o.secrets, LoadSecrets(section));
  SLAMON_RETURN_IF_ERROR(section.Read(JiraTable(), &o));
  return std::unique_ptr<WebhookSource>(std::make_unique<JiraSource>(section.name(), std::move(o)));
}

std::vector<config::SectionInfo> JiraSourceReference() {
  config::SectionInfo info = JiraTable().Describe();
  info.title = "`sources.<name>`, kind jira";
  return {info};
}

}  // namespace slamon::bridge
