// Jiandaoyun (简道云) form data push (数据推送): every create or update of a
// record of a ticket form is posted as {"op": "data_create"|"data_update",
// "data": {...the whole record...}}. Forms are designed by the user, so which
// widget holds the ticket number, customer, status, priority, replies and
// satisfaction score comes from the source's `fields:` config.
//
// A push carries the record's current state, not what changed. The mapping
// therefore emits what the state implies and relies on deterministic ids and
// slamon's rules for repeats: the ticket's open and every reply row have ids
// derived from the record and row ids (a later push re-sends them and slamon
// drops them as duplicates); status events have ids derived from the
// delivery id (X-JDY-DeliverId), and slamon ignores a repeated status or
// resolve. A reopen needs the previous status, which a form can keep in a
// field (`fields.previous_status`, e.g. set by a business rule).
//
// This file maps ticket forms (`form: tickets`, the default); forms of
// accounts, orders and follow-ups are jiandaoyun_records.cc.
#include <algorithm>

#include "daemon/bridge/jiandaoyun_push.h"
#include "daemon/bridge/jiandaoyun_records.h"
#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/sources.h"

namespace slamon::bridge {
namespace {

struct Fields {
  std::string ticket_id = "_id", account, status, previous_status, priority, channel, score;
  std::string replies, reply_id = "_id", reply_author, reply_public, reply_time;
};

class JiandaoyunSource : public WebhookSource {
 public:
  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error, size_t* matched) const override {
    return jiandaoyun::Verify(request, secrets_, error, matched);
  }

  bool Map(const WebhookRequest& request, std::vector<MappedEvent>* out, SourceError* error) const override {
    jiandaoyun::Push push;
    bool mapped = false;
    if (!jiandaoyun::ParsePush(request, &push, &mapped, error)) return false;
    if (!mapped) return true;  // data_remove and others: nothing to map
    const nlohmann::json& data = push.data;
    const std::string& record = push.record;
    const std::string& delivery = push.delivery;
    const std::string& changed_at = push.changed_at;

    Ticket t;
    t.id = Text(data, fields_.ticket_id);
    if (t.id.empty()) return Fail(error, "field " + fields_.ticket_id + " (ticket_id) is empty");
    t.account = Text(data, fields_.account);
    if (t.account.empty()) return Fail(error, "field " + fields_.account + " (account) is empty");

    // The open: one per record, whichever push arrives first.
    std::string priority = default_priority_;
    if (!fields_.priority.empty()) {
      const std::string raw = Text(data, fields_.priority);
      if (!raw.empty()) {
        auto mapped = Lookup(priorities_, raw, NormalizePriority);
        if (!mapped) return Fail(error, "field " + fields_.priority + ": unknown priority '" + raw + "'");
        priority = *mapped;
      }
    }
    EventBuilder open(name_ + ":" + record + ":opened", "ticket.opened", push.created_at, t.account);
    open.Set("ticket_id", t.id).Set("priority", priority);
    if (!fields_.channel.empty() && !Text(data, fields_.channel).empty())
      open.Set("channel", Text(data, fields_.channel));
    out->push_back(open.Build());

    if (!MapReplies(data, record, t, out, error)) return false;

    int n = 0;
    if (!fields_.status.empty()) {
      const std::string raw = Text(data, fields_.status);
      if (!raw.empty()) {
        auto current = Lookup(statuses_, raw, NormalizeStatus);
        if (!current) return Fail(error, "field " + fields_.status + ": unknown status '" + raw + "'");
        std::string previous;
        if (!fields_.previous_status.empty()) {
          const std::string prev_raw = Text(data, fields_.previous_status);
          if (!prev_raw.empty()) previous = Lookup(statuses_, prev_raw, NormalizeStatus).value_or("");
        }
        if (previous != *current) {
          for (const std::string& type : StatusTransitionTypes(previous, *current)) {
            EventBuilder b(DeriveEventId(name_, delivery, n++), type, changed_at, t.account);
            b.Set("ticket_id", t.id);
            if (type == "ticket.status_changed") b.Set("status", *current);
            out->push_back(b.Build());
          }
        }
      }
    }

    if (!fields_.score.empty() && data.contains(fields_.score) && !data[fields_.score].is_null()) {
      const nlohmann::json& s = data[fields_.score];
      if (!s.is_number() || s.get<double>() != static_cast<double>(static_cast<int64_t>(s.get<double>()))) {
        return Fail(error, "field " + fields_.score + " (score) is not an integer");
      }
      // One answer per ticket record: a later change of the score is a
      // correction that slamon (first stored wins) does not apply.
      out->push_back(EventBuilder(name_ + ":" + record + ":survey", "survey.answered", changed_at, t.account)
                         .Set("ticket_id", t.id)
                         .Set("score", static_cast<int64_t>(s.get<double>()))
                         .Build());
    }
    return true;
  }

  static StatusOr<std::unique_ptr<WebhookSource>> Make(const SourceSection& section) {
    auto source = std::unique_ptr<JiandaoyunSource>(new JiandaoyunSource());
    source->name_ = section.name();
    GET_OR_RET(source->secrets_, LoadSecrets(section));
    Options o;
    SLAMON_RETURN_IF_ERROR(section.Read(Table(), &o));
    if (!section.At("fields").IsMap()) {
      return section.Error(section.At("fields"), "fields", "must be a mapping of slamon field to form widget");
    }
    SLAMON_RETURN_IF_ERROR(section.Read(FieldsTable(), &source->fields_, {}, "fields"));
    source->default_priority_ = std::move(o.default_priority);
    source->statuses_ = std::move(o.statuses);
    source->priorities_ = std::move(o.priorities);
    source->authors_ = std::move(o.authors);
    source->public_values_ = std::move(o.visibility);
    return std::unique_ptr<WebhookSource>(std::move(source));
  }

  struct Options {
    std::string form = "tickets";
    std::string default_priority = "normal";
    std::map<std::string, std::string> statuses, priorities, authors, visibility;
  };

  // The section's keys besides kind and the secret, one row each.
  static const config::FieldTable<Options>& Table() {
    using config::At;
    using O = Options;
    constexpr auto kLive = kSourceApply;
    static const config::FieldTable<O> kTable(
        "sources.<name>", "A Jiandaoyun form's data push ([helpdesks.md](helpdesks.md)).",
        {
            config::OneOf("form", At(&O::form), "tickets", jiandaoyun::FormKinds(), kLive,
                          "What the form's records are: tickets, or accounts, orders, followups (each with keys "
                          "of its own, below)."),
            config::Str("default_priority", At(&O::default_priority), "normal", kLive,
                        "Priority of tickets whose priority widget is empty."),
            config::Map("statuses", At(&O::statuses), kLive, "Status widget value -> slamon status.",
                        {TicketStatuses()}),
            config::Map("priorities", At(&O::priorities), kLive, "Priority widget value -> slamon priority.",
                        {TicketPriorities()}),
            config::Map("authors", At(&O::authors), kLive, "Reply author value -> agent or customer.",
                        {{"agent", "customer"}}),
            config::Map("visibility", At(&O::visibility), kLive, "Reply visibility value -> public or internal.",
                        {{"public", "internal"}}),
            config::Structured<O>("fields", "mapping", "Which form widget holds each slamon field (below).").Required(),
        });
    return kTable;
  }

  // sources.<name>.fields: slamon field -> the form widget (its field name, "_widget_…").
  static const config::FieldTable<Fields>& FieldsTable() {
    using config::At;
    using config::Str;
    using F = Fields;
    constexpr auto kLive = kSourceApply;
    static const config::FieldTable<F> kTable(
        "sources.<name>.fields", "Form widgets, by the slamon field they hold.",
        {
            Str("ticket_id", At(&F::ticket_id), "_id", kLive, "The ticket id (the record id by default)."),
            Str("account", At(&F::account), "", kLive, "The account id.").Required(),
            Str("status", At(&F::status), "", kLive, "The ticket status."),
            Str("previous_status", At(&F::previous_status), "", kLive, "The status before this change."),
            Str("priority", At(&F::priority), "", kLive, "The priority."),
            Str("channel", At(&F::channel), "", kLive, "The channel."),
            Str("score", At(&F::score), "", kLive, "A satisfaction score (integer)."),
            Str("replies", At(&F::replies), "", kLive, "The replies subform (needs reply_author and reply_time)."),
            Str("reply_id", At(&F::reply_id), "_id", kLive, "A reply row's id."),
            Str("reply_author", At(&F::reply_author), "", kLive, "A reply row's author."),
            Str("reply_public", At(&F::reply_public), "", kLive, "A reply row's visibility."),
            Str("reply_time", At(&F::reply_time), "", kLive, "A reply row's time."),
        },
        {[](const F& f, config::SectionCheck& k) {
          if (!f.replies.empty() && (f.reply_author.empty() || f.reply_time.empty())) {
            k.Fail("replies", "needs reply_author and reply_time too");
          }
        }});
    return kTable;
  }

 private:
  JiandaoyunSource() = default;

  struct Ticket {
    std::string id, account;
  };

  static bool Fail(SourceError* error, std::string reason) {
    *error = {Rejection::kUnmappable, std::move(reason)};
    return false;
  }

  static std::string Text(const nlohmann::json& object, const std::string& key) {
    return jiandaoyun::WidgetText(object, key);
  }

  static std::optional<std::string> Lookup(const std::map<std::string, std::string>& table, const std::string& raw,
                                           std::optional<std::string> (*fallback)(std::string_view)) {
    if (auto it = table.find(raw); it != table.end()) return it->second;
    return fallback(raw);
  }

  // Replies live in a subform: one row per message, each with its own stable
  // row id, so a row maps to the same event on every later push.
  bool MapReplies(const nlohmann::json& data, const std::string& record, const Ticket& t, std::vector<MappedEvent>* out,
                  SourceError* error) const {
    if (fields_.replies.empty() || !data.contains(fields_.replies) || data[fields_.replies].is_null()) return true;
    const nlohmann::json& rows = data[fields_.replies];
    if (!rows.is_array()) return Fail(error, "field " + fields_.replies + " (replies) is not a subform");
    for (const nlohmann::json& row : rows) {
      const std::string row_id = Text(row, fields_.reply_id);
      if (row_id.empty()) return Fail(error, "a reply row has no " + fields_.reply_id);
      const std::string raw_author = Text(row, fields_.reply_author);
      auto author = authors_.find(raw_author);
      if (author == authors_.end()) {
        if (raw_author != "agent" && raw_author != "customer") {
          return Fail(error, "reply " + row_id + ": unknown author '" + raw_author + "' (map it under authors)");
        }
      }
      bool is_public = true;
      if (!fields_.reply_public.empty() && row.contains(fields_.reply_public)) {
        const nlohmann::json& v = row[fields_.reply_public];
        if (v.is_boolean()) {
          is_public = v.get<bool>();
        } else if (auto vis = public_values_.find(Text(row, fields_.reply_public)); vis != public_values_.end()) {
          is_public = vis->second == "public";
        } else if (!v.is_null()) {
          return Fail(error, "reply " + row_id + ": unknown visibility '" + Text(row, fields_.reply_public) +
                                 "' (map it under visibility)");
        }
      }
      auto when = row.contains(fields_.reply_time) ? NormalizeJsonTimestamp(row[fields_.reply_time]) : std::nullopt;
      if (!when) return Fail(error, "reply " + row_id + ": " + fields_.reply_time + " is missing or not a timestamp");
      out->push_back(EventBuilder(name_ + ":" + record + ":reply:" + row_id, "ticket.replied", *when, t.account)
                         .Set("ticket_id", t.id)
                         .Set("author", author == authors_.end() ? raw_author : author->second)
                         .Set("public", is_public)
                         .Build());
    }
    return true;
  }

  std::string name_, default_priority_;
  Secrets secrets_;
  Fields fields_;
  std::map<std::string, std::string> statuses_, priorities_, authors_, public_values_;
};

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeJiandaoyunSource(const SourceSection& section) {
  // A record form has keys of its own; a bad `form:` value is reported by the tickets table's row.
  if (const YAML::Node form = section.At("form"); form.IsScalar() && form.Scalar() != "tickets") {
    const auto& kinds = jiandaoyun::FormKinds();
    if (std::find(kinds.begin(), kinds.end(), form.Scalar()) != kinds.end()) {
      return jiandaoyun::MakeRecordSource(section, form.Scalar());
    }
  }
  return JiandaoyunSource::Make(section);
}

std::vector<config::SectionInfo> JiandaoyunSourceReference() {
  config::SectionInfo main = JiandaoyunSource::Table().Describe();
  main.title = "`sources.<name>`, kind jiandaoyun";
  config::SectionInfo fields = JiandaoyunSource::FieldsTable().Describe();
  fields.title = "`sources.<name>.fields`, kind jiandaoyun";
  std::vector<config::SectionInfo> out = {main, fields};
  for (auto& section : jiandaoyun::RecordReference()) out.push_back(std::move(section));
  return out;
}

}  // namespace slamon::bridge
