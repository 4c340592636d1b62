// Zendesk event-subscription webhooks (`zen:event-type:ticket.*`), as in
// Zendesk's "Webhook event types / Ticket events" reference. Each delivery
// carries one ticket event with the ticket's current `detail`; the vendor's
// event `id` makes the slamon ids, so a redelivery maps to the same events.

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/sources.h"
#include "events/codec.h"

namespace slamon::bridge {
namespace {

constexpr std::string_view kTypePrefix = "zen:event-type:ticket.";

class ZendeskSource : public WebhookSource {
 public:
  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error) const override {
    const std::string signature = request.Header("x-zendesk-webhook-signature");
    const std::string timestamp = request.Header("x-zendesk-webhook-signature-timestamp");
    if (signature.empty() || timestamp.empty()) {
      *error = {Rejection::kBadSignature, "missing X-Zendesk-Webhook-Signature or -Timestamp header"};
      return false;
    }
    // The signature is checked before the time: a forged request learns
    // nothing about the replay window.
    const std::string expected = Base64Encode(HmacSha256(secret_, timestamp + request.body));
    if (!ConstantTimeEquals(signature, expected)) {
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
      auto it = organizations_.find(org);
      c.account = it == organizations_.end() ? org : it->second;
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

  static StatusOr<std::unique_ptr<WebhookSource>> Make(const std::string& name, const YAML::Node& section) {
    auto source = std::unique_ptr<ZendeskSource>(new ZendeskSource());
    source->name_ = name;
    GET_OR_RET(source->secret_, LoadSecret(name, section));
    GET_OR_RET(source->default_account_, ConfigString(name, section, "default_account"));
    GET_OR_RET(source->default_priority_, ConfigString(name, section, "default_priority", "normal"));
    if (!NormalizePriority(source->default_priority_)) {
      return Status::Invalid("source '" + name + "': default_priority: '" + source->default_priority_ +
                             "' is not one of urgent, high, normal, low");
    }
    GET_OR_RET(source->organizations_, ConfigStringMap(name, section, "organizations"));
    GET_OR_RET(source->groups_, ConfigStringMap(name, section, "groups"));
    GET_OR_RET(source->statuses_, ConfigStringMap(name, section, "statuses", TicketStatuses()));
    GET_OR_RET(source->priorities_, ConfigStringMap(name, section, "priorities", TicketPriorities()));
    if (const YAML::Node w = section["replay_window_seconds"]) {
      try {
        source->replay_window_s_ = w.as<int64_t>();
      } catch (const YAML::Exception&) {
        source->replay_window_s_ = -1;
      }
      if (source->replay_window_s_ < 1 || source->replay_window_s_ > 86400) {
        return Status::Invalid("source '" + name + "': replay_window_seconds: must be an integer in 1..86400");
      }
    }
    return std::unique_ptr<WebhookSource>(std::move(source));
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

  std::string name_, secret_, default_account_, default_priority_;
  std::map<std::string, std::string> organizations_, groups_, statuses_, priorities_;
  int64_t replay_window_s_ = 300;
};

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeZendeskSource(const std::string& name, const YAML::Node& section) {
  return ZendeskSource::Make(name, section);
}

}  // namespace slamon::bridge
