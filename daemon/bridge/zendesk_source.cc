// Zendesk event-subscription webhooks (`zen:event-type:ticket.*`), as in
// Zendesk's "Webhook event types / Ticket events" reference. Each delivery
// carries one ticket event with the ticket's current `detail`; the vendor's
// event `id` makes the slamon ids, so a redelivery maps to the same events.
// Organization events (`zen:event-type:organization.*`) become account
// updates (zendesk_organizations.h).

#include <algorithm>
#include <cctype>
#include <memory>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/sources.h"
#include "daemon/bridge/zendesk_organizations.h"
#include "events/codec.h"

namespace slamon::bridge {
namespace {

constexpr std::string_view kTypePrefix = "zen:event-type:ticket.";
constexpr std::string_view kOrganizationPrefix = "zen:event-type:organization.";

struct ZendeskOptions {
  std::string default_account;
  std::string default_priority = "normal";
  std::map<std::string, std::string> organizations, groups, statuses, priorities;
  int64_t replay_window_seconds = 300;
  ZendeskOrganizationSettings organization;
};

class ZendeskSource : public WebhookSource {
 public:
  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error, size_t* matched) const override {
    const std::string signature = request.Header("x-zendesk-webhook-signature");
    const std::string timestamp = request.Header("x-zendesk-webhook-signature-timestamp");
    if (signature.empty() || timestamp.empty()) {
      *error = {Rejection::kBadSignature, "missing X-Zendesk-Webhook-Signature or -Timestamp header"};
      return false;
    }
    // The signature is checked before the time: a forged request learns
    // nothing about the replay window.
    const auto match = MatchSecret(secrets_, signature, [&](const std::string& secret) {
      return Base64Encode(HmacSha256(secret, timestamp + request.body));
    });
    if (!match) {
      *error = {Rejection::kBadSignature, "signature does not match"};
      return false;
    }
    int64_t signed_at = 0;
    if (!events::ParseRfc3339(timestamp, &signed_at)) {
      *error = {Rejection::kBadSignature, "signature timestamp is not RFC 3339"};
      return false;
    }
    const int64_t skew = request.received_unix_s - signed_at;
    if (skew > replay_window_s_ || skew < -replay_window_s_) {
      *error = {Rejection::kBadSignature,
                "signature timestamp outside the replay window (" + std::to_string(skew) + " s off)"};
      return false;
    }
    *matched = *match;
    return true;
  }

  // Long on purpose: one case per Zendesk event type, in the order of
  // Zendesk's event-type list, so the mapping reads as the vendor's table.
  bool Map(const WebhookRequest& request, std::vector<MappedEvent>* out, SourceError* error) const override {
    nlohmann::json body;
    if (!ParseJsonObject(request.body, &body, error)) return false;
    const std::string type = JsonText(body, "type");
    const std::string event_id = JsonText(body, "id");
    if (type.empty() || event_id.empty() || !body.contains("detail") || !body["detail"].is_object()) {
      *error = {Rejection::kBadPayload, "not a Zendesk event: needs type, id and detail"};
      return false;
    }
    if (type.starts_with(kOrganizationPrefix)) {
      return organizations_->Map(std::string_view(type).substr(kOrganizationPrefix.size()), body, out, error);
    }
    if (!type.starts_with(kTypePrefix)) return true;  // other domains (users, articles): nothing to map
    const std::string kind = type.substr(kTypePrefix.size());
    const nlohmann::json& detail = body["detail"];
    const nlohmann::json event = body.contains("event") && body["event"].is_object() ? body["event"] : nlohmann::json();

    Context c;
    c.ticket_id = JsonText(detail, "id");
    if (c.ticket_id.empty()) return Fail(error, "detail.id (the ticket id) is missing");
    auto when = NormalizeTimestamp(JsonText(body, "time"));
    if (!when) return Fail(error, "time is missing or not a timestamp");
    c.time = *when;
    const std::string org = JsonText(detail, "organization_id");
    if (!org.empty() && org != "0") {
      c.account = organizations_->AccountOf(org);
    } else {
      c.account = default_account_;
    }
    if (c.account.empty()) {
      return Fail(error, "ticket " + c.ticket_id + " has no organization and no default_account is configured");
    }
    c.event_id = event_id;

    if (kind == "created") {
      std::string priority = default_priority_;
      if (auto p = MapPriority(JsonText(detail, "priority"))) priority = *p;
      EventBuilder b = Start(c, out->size(), "ticket.opened");
      b.Set("ticket_id", c.ticket_id).Set("priority", priority);
      if (detail.contains("via") && detail["via"].is_object()) {
        const std::string channel = JsonText(detail["via"], "channel");
        if (!channel.empty()) b.Set("channel", channel);
      }
      out->push_back(b.Build());
      return true;
    }
    if (kind == "comment_added") {
      const nlohmann::json comment = event.contains("comment") ? event["comment"] : nlohmann::json();
      if (!comment.is_object() || !comment.contains("author") || !comment["author"].is_object()) {
        return Fail(error, "event.comment.author is missing");
      }
      const nlohmann::json& author = comment["author"];
      const bool staff =
          author.contains("is_staff") && author["is_staff"].is_boolean() && author["is_staff"].get<bool>();
      const bool is_public =
          !comment.contains("is_public") || !comment["is_public"].is_boolean() || comment["is_public"].get<bool>();
      // An internal note (is_public false) is kept as a non-public reply: it
      // is visible in the history and stops no clock.
      out->push_back(Start(c, out->size(), "ticket.replied")
                         .Set("ticket_id", c.ticket_id)
                         .Set("author", staff ? "agent" : "customer")
                         .Set("public", is_public)
                         .Build());
      return true;
    }
    if (kind == "status_changed") {
      auto current = MapStatus(JsonText(event, "current"));
      if (!current) return Fail(error, "event.current: unknown status '" + JsonText(event, "current") + "'");
      const std::string previous = MapStatus(JsonText(event, "previous")).value_or("");
      if (previous == *current) return true;  // e.g. new -> open: both are open for slamon
      for (const std::string& t : StatusTransitionTypes(previous, *current)) {
        EventBuilder b = Start(c, out->size(), t);
        b.Set("ticket_id", c.ticket_id);
        if (t == "ticket.status_changed") b.Set("status", *current);
        out->push_back(b.Build());
      }
      return true;
    }
    if (kind == "priority_changed") {
      const std::string raw = JsonText(event, "current");
      if (raw.empty()) return true;  // priority cleared: the policy stays
      auto priority = MapPriority(raw);
      if (!priority) return Fail(error, "event.current: unknown priority '" + raw + "'");
      out->push_back(Start(c, out->size(), "ticket.priority_changed")
                         .Set("ticket_id", c.ticket_id)
                         .Set("priority", *priority)
                         .Build());
      return true;
    }
    if (kind == "group_assignment_changed") {
      const std::string group = JsonText(event, "current");
      if (group.empty()) return true;
      auto it = groups_.find(group);
      EventBuilder b = Start(c, out->size(), "ticket.assigned");
      b.Set("ticket_id", c.ticket_id).Set("group", it == groups_.end() ? group : it->second);
      const std::string assignee = JsonText(detail, "assignee_id");
      if (!assignee.empty()) b.Set("assignee", assignee);
      out->push_back(b.Build());
      return true;
    }
    // organization_changed needs no event of its own: every event carries the
    // ticket's current organization as its account. Other ticket events
    // (tags, subject, followers…) do not matter to service levels.
    return true;
  }

  static StatusOr<std::unique_ptr<WebhookSource>> Make(const SourceSection& section) {
    auto source = std::unique_ptr<ZendeskSource>(new ZendeskSource());
    source->name_ = section.name();
    GET_OR_RET(source->secrets_, LoadSecrets(section));
    ZendeskOptions o;
    SLAMON_RETURN_IF_ERROR(section.Read(Table(), &o));
    SLAMON_RETURN_IF_ERROR(ReadOrganizationTags(section, &o.organization.tags));
    source->default_account_ = std::move(o.default_account);
    source->default_priority_ = std::move(o.default_priority);
    source->organizations_ = std::make_shared<const ZendeskOrganizations>(source->name_, std::move(o.organization),
                                                                          std::move(o.organizations));
    source->groups_ = std::move(o.groups);
    source->statuses_ = std::move(o.statuses);
    source->priorities_ = std::move(o.priorities);
    source->replay_window_s_ = o.replay_window_seconds;
    return std::unique_ptr<WebhookSource>(std::move(source));
  }

  // The section's keys besides kind and the secret, one row each.
  static const config::FieldTable<ZendeskOptions>& Table() {
    using O = ZendeskOptions;
    using config::At;
    constexpr auto kLive = kSourceApply;
    auto priority = [](const std::string& p) {
      return NormalizePriority(p) ? "" : "'" + p + "' is not one of urgent, high, normal, low";
    };
    auto owner = [](const std::string& user, const std::string& id) -> std::string {
      const bool digits =
          !user.empty() && std::all_of(user.begin(), user.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
      if (!digits) return "\"" + user + "\" is not a Zendesk user id (digits)";
      return CheckAccountValue("owner", id);
    };
    static const config::FieldTable<O> kTable(
        "sources.<name>", "A Zendesk event-subscription webhook ([helpdesks.md](helpdesks.md)).",
        {
            config::Str("default_account", At(&O::default_account), "", kLive,
                        "Account of tickets without an organization."),
            config::Str("default_priority", At(&O::default_priority), "normal", kLive,
                        "Priority of tickets created without one.", {priority, "urgent, high, normal, low"}),
            config::Map("organizations", At(&O::organizations), kLive,
                        "Zendesk organization id -> slamon account id (otherwise the id itself)."),
            config::Map("groups", At(&O::groups), kLive, "Zendesk group id -> slamon group name."),
            config::Map("statuses", At(&O::statuses), kLive, "Custom Zendesk status -> slamon status.",
                        {TicketStatuses()}),
            config::Map("priorities", At(&O::priorities), kLive, "Zendesk priority -> slamon priority.",
                        {TicketPriorities()}),
            config::Int("replay_window_seconds", At(&O::replay_window_seconds), 300, {1, 86400, "seconds"}, kLive,
                        "How far a signature's timestamp may be from the receive time."),
            config::Structured<O>("organization_tags", "mapping",
                                  "Organization tag -> the account fields it sets ({tier_a: {tier: A}}); fields: "
                                  "tier, owner, owner_email, team, calendar. A removed tag clears them."),
            config::Map("organization_fields", At(&O::organization, &ZendeskOrganizationSettings::fields), kLive,
                        "Organization custom field id or title -> the account field its value sets.",
                        {OrganizationFieldTargets()}),
            config::Map("owners", At(&O::organization, &ZendeskOrganizationSettings::owners), kLive,
                        "Zendesk user id (the value of a lookup field mapped to owner) -> slamon owner id "
                        "(otherwise the user id itself).",
                        {{}, "keys: Zendesk user ids (digits)", owner}),
            config::OneOf("on_organization_deleted", At(&O::organization, &ZendeskOrganizationSettings::on_deleted),
                          "ignore", {"ignore", "churn"}, kLive,
                          "What a deleted organization means: nothing, or account.churned."),
        },
        {[](const O& o, config::SectionCheck& check) {
          const auto& targets = o.organization.fields;
          const bool owner_field =
              std::any_of(targets.begin(), targets.end(), [](const auto& entry) { return entry.second == "owner"; });
          if (!o.organization.owners.empty() && !owner_field) {
            check.Fail("owners", "no organization_fields entry maps to owner, so no user id is ever looked up");
          }
        }});
    return kTable;
  }

 private:
  ZendeskSource() = default;

  struct Context {
    std::string event_id, ticket_id, time, account;
  };

  EventBuilder Start(const Context& c, size_t n, std::string type) const {
    return {DeriveEventId(name_, c.event_id, static_cast<int>(n)), std::move(type), c.time, c.account};
  }

  static bool Fail(SourceError* error, std::string reason) {
    *error = {Rejection::kUnmappable, std::move(reason)};
    return false;
  }

  // Zendesk writes statuses and priorities in upper case ("HOLD", "URGENT");
  // a configured mapping (for custom statuses) wins over the built-in one.
  std::optional<std::string> MapStatus(const std::string& raw) const {
    if (raw.empty()) return std::nullopt;
    if (auto it = statuses_.find(raw); it != statuses_.end()) return it->second;
    return NormalizeStatus(raw);
  }
  std::optional<std::string> MapPriority(const std::string& raw) const {
    if (raw.empty()) return std::nullopt;
    if (auto it = priorities_.find(raw); it != priorities_.end()) return it->second;
    return NormalizePriority(raw);
  }

  std::string name_, default_account_, default_priority_;
  Secrets secrets_;
  std::map<std::string, std::string> groups_, statuses_, priorities_;
  std::shared_ptr<const ZendeskOrganizations> organizations_;
  int64_t replay_window_s_ = 300;
};

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeZendeskSource(const SourceSection& section) {
  return ZendeskSource::Make(section);
}

std::vector<config::SectionInfo> ZendeskSourceReference() {
  config::SectionInfo info = ZendeskSource::Table().Describe();
  info.title = "`sources.<name>`, kind zendesk";
  return {info};
}

}  // namespace slamon::bridge
