// Jiandaoyun record forms: what a push of a customer, order or follow-up
// record maps to.
//
// - accounts (客户): every push carries the whole customer record, so it is
//   an `account.upserted` (name, tier, owner — a member widget's username —
//   and the optional attributes) at the record's updateTime, with an id
//   derived from the delivery id. A status in `churned_statuses` (已流失)
//   makes the push an `account.churned` with the reason widget instead; a
//   later push with any other status is an upsert again, which slamon counts
//   as the win-back. The churn push carries no upsert: an upsert at the same
//   instant would read as a win-back in the churn figures.
// - orders (订单/合同): one `order.placed` per record (id derived from the
//   record id, so later pushes of the record are dropped as duplicates).
// - followups (回访记录): one `interaction.logged` per record, likewise.
#include "daemon/bridge/jiandaoyun_records.h"

#include <algorithm>
#include <map>
#include <utility>

#include "daemon/bridge/crm_values.h"
#include "daemon/bridge/jiandaoyun_push.h"
#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source_config.h"

namespace slamon::bridge::jiandaoyun {
namespace {

// Which widget holds each slamon field; one table per form lists its keys.
struct RecordFields {
  std::string account, name, tier, owner, owner_email, team, calendar, contract_value, renewal_date, status,
      churn_reason;
  std::string order_id = "_id", amount, currency, placed_at;
  std::string kind, direction, time;
};

struct RecordOptions {
  std::map<std::string, std::string> tiers, kinds, directions;
  std::string default_tier, utc_offset = "+08:00", currency, default_direction = "outbound";
  std::vector<std::string> churned_statuses;
};

using config::At;
using F = RecordFields;
using O = RecordOptions;
constexpr auto kLive = kSourceApply;

config::Field<F> Widget(std::string key, std::string F::*member, std::string doc, std::string def = "") {
  return config::Str(std::move(key), At(member), std::move(def), kLive, std::move(doc));
}

config::StringRule OffsetRule() {
  return {[](const std::string& v) { return ParseUtcOffset(v) ? std::string() : "must be Z or ±HH:MM"; }, "±HH:MM"};
}

const config::FieldTable<O>& AccountsTable() {
  static const config::FieldTable<O> kTable(
      "sources.<name>", "A Jiandaoyun customer form (`form: accounts`) ([helpdesks.md](helpdesks.md)).",
      {
          config::Map("tiers", At(&O::tiers), kLive, "Tier widget value -> slamon tier (others pass as they are)."),
          config::Str("default_tier", At(&O::default_tier), "", kLive,
                      "Tier of customers whose tier widget is empty (none: such a push is refused)."),
          config::List("churned_statuses", At(&O::churned_statuses), {}, {}, kLive,
                       "Status widget values that mean the customer is lost (account.churned)."),
          config::Str("utc_offset", At(&O::utc_offset), "+08:00", kLive,
                      "The form's UTC offset: a date widget sends its local midnight as a UTC instant.", OffsetRule()),
          config::Structured<O>("fields", "mapping", "Which form widget holds each slamon field (below).").Required(),
      });
  return kTable;
}

const config::FieldTable<F>& AccountFieldsTable() {
  static const config::FieldTable<F> kTable(
      "sources.<name>.fields", "Customer form widgets, by the slamon field they hold.",
      {
          Widget("account", &F::account, "The account id (a customer code).").Required(),
          Widget("name", &F::name, "The customer's name.").Required(),
          Widget("tier", &F::tier, "The tier (级别), through `tiers`.").Required(),
          Widget("owner", &F::owner, "The owner (负责人): a member widget's username, or text.").Required(),
          Widget("owner_email", &F::owner_email, "The owner's e-mail address."),
          Widget("team", &F::team, "The team: a department widget's name, or text."),
          Widget("calendar", &F::calendar, "The business-hours calendar's name."),
          Widget("contract_value", &F::contract_value, "The contract value (a number widget)."),
          Widget("renewal_date", &F::renewal_date, "The renewal date (a date widget)."),
          Widget("status", &F::status, "The customer status (see churned_statuses)."),
          Widget("churn_reason", &F::churn_reason, "The reason of a churn."),
      });
  return kTable;
}

const config::FieldTable<O>& OrdersTable() {
  static const config::FieldTable<O> kTable(
      "sources.<name>", "A Jiandaoyun order or contract form (`form: orders`) ([helpdesks.md](helpdesks.md)).",
      {
          config::Str("currency", At(&O::currency), "", kLive,
                      "ISO 4217 code of orders without a currency widget value (none: the daemon's value currency).",
                      {[](const std::string& v) {
                         return NormalizeCurrency(v) == v ? std::string() : "must be an ISO 4217 code such as CNY";
                       },
                       "ISO 4217"}),
          config::Structured<O>("fields", "mapping", "Which form widget holds each slamon field (below).").Required(),
      });
  return kTable;
}

const config::FieldTable<F>& OrderFieldsTable() {
  static const config::FieldTable<F> kTable(
      "sources.<name>.fields", "Order form widgets, by the slamon field they hold.",
      {
          Widget("account", &F::account, "The account id of the customer.").Required(),
          Widget("order_id", &F::order_id, "The order or contract number (the record id by default).", "_id"),
          Widget("amount", &F::amount, "The amount (a number widget).").Required(),
          Widget("currency", &F::currency, "The currency (ISO 4217 code)."),
          Widget("placed_at", &F::placed_at, "When the order was placed (the record's creation by default)."),
      });
  return kTable;
}

const config::FieldTable<O>& FollowupsTable() {
  static const config::FieldTable<O> kTable(
      "sources.<name>", "A Jiandaoyun follow-up form (`form: followups`) ([helpdesks.md](helpdesks.md)).",
      {
          config::Map("kinds", At(&O::kinds), kLive, "Kind widget value -> call, meeting, email or qbr.",
                      {InteractionKinds()}),
          config::Map("directions", At(&O::directions), kLive, "Direction widget value -> inbound or outbound.",
                      {Directions()}),
          config::OneOf("default_direction", At(&O::default_direction), "outbound", Directions(), kLive,
                        "Direction of records without a direction widget value."),
          config::Structured<O>("fields", "mapping", "Which form widget holds each slamon field (below).").Required(),
      });
  return kTable;
}

const config::FieldTable<F>& FollowupFieldsTable() {
  static const config::FieldTable<F> kTable(
      "sources.<name>.fields", "Follow-up form widgets, by the slamon field they hold.",
      {
          Widget("account", &F::account, "The account id of the customer.").Required(),
          Widget("kind", &F::kind, "The kind (电话, 拜访…), through `kinds`.").Required(),
          Widget("direction", &F::direction, "The direction, through `directions`."),
          Widget("time", &F::time, "When it took place (the record's creation by default)."),
      });
  return kTable;
}

struct FormTables {
  const config::FieldTable<O>& main;
  const config::FieldTable<F>& fields;
};

FormTables TablesOf(const std::string& form) {
  if (form == "accounts") return {AccountsTable(), AccountFieldsTable()};
  if (form == "orders") return {OrdersTable(), OrderFieldsTable()};
  return {FollowupsTable(), FollowupFieldsTable()};
}

class RecordSource final : public WebhookSource {
 public:
  RecordSource(std::string name, Secrets secrets, std::string form, RecordFields fields, RecordOptions options)
      : name_(std::move(name)),
        secrets_(std::move(secrets)),
        form_(std::move(form)),
        fields_(std::move(fields)),
        options_(std::move(options)),
        utc_offset_minutes_(ParseUtcOffset(options_.utc_offset).value_or(0)) {}

  const std::string& Name() const override { return name_; }

  bool Verify(const WebhookRequest& request, SourceError* error, size_t* matched) const override {
    return jiandaoyun::Verify(request, secrets_, error, matched);
  }

  bool Map(const WebhookRequest& request, std::vector<MappedEvent>* out, SourceError* error) const override {
    Push push;
    bool mapped = false;
    if (!ParsePush(request, &push, &mapped, error)) return false;
    if (!mapped) return true;  // data_remove and others: nothing to map
    const std::string account = WidgetText(push.data, fields_.account);
    if (!CheckIdentifier(Named(fields_.account, "account"), account, error)) return false;
    if (form_ == "accounts") return MapAccount(push, account, out, error);
    if (form_ == "orders") return MapOrder(push, account, out, error);
    return MapFollowup(push, account, out, error);
  }

 private:
  static std::string Named(const std::string& widget, const std::string& field) {
    return "field " + widget + " (" + field + ")";
  }

  bool MapAccount(const Push& push, const std::string& account, std::vector<MappedEvent>* out,
                  SourceError* error) const {
    const nlohmann::json& data = push.data;
    const std::string status = WidgetText(data, fields_.status);
    const auto& churned = options_.churned_statuses;
    if (!status.empty() && std::find(churned.begin(), churned.end(), status) != churned.end()) {
      EventBuilder churn(DeriveEventId(name_, push.delivery, 0), "account.churned", push.changed_at, account);
      if (const std::string reason = WidgetText(data, fields_.churn_reason); !reason.empty())
        churn.Set("reason", reason);
      out->push_back(churn.Build());
      return true;
    }
    std::map<std::string, std::string> given;
    given["name"] = WidgetText(data, fields_.name);
    std::string tier = WidgetText(data, fields_.tier);
    if (auto it = options_.tiers.find(tier); it != options_.tiers.end()) tier = it->second;
    if (tier.empty()) tier = options_.default_tier;
    if (tier.empty()) return Unmappable(error, Named(fields_.tier, "tier") + " is empty and there is no default_tier");
    given["tier"] = tier;
    given["owner"] = MemberId(data, fields_.owner);
    given["owner_email"] = WidgetText(data, fields_.owner_email);
    given["team"] = WidgetText(data, fields_.team);
    given["calendar"] = WidgetText(data, fields_.calendar);
    given["contract_value"] = WidgetText(data, fields_.contract_value);
    if (const std::string raw = WidgetText(data, fields_.renewal_date); !raw.empty()) {
      const auto date = NormalizeDate(raw, utc_offset_minutes_);
      if (!date) return Unmappable(error, Named(fields_.renewal_date, "renewal_date") + " '" + raw + "' is not a date");
      given["renewal_date"] = *date;
    }
    EventBuilder upsert(DeriveEventId(name_, push.delivery, 0), "account.upserted", push.changed_at, account);
    if (!SetAccountFields(upsert, given, /*upsert=*/true, "record " + push.record + ": ", error)) return false;
    out->push_back(upsert.Build());
    return true;
  }

  bool MapOrder(const Push& push, const std::string& account, std::vector<MappedEvent>* out, SourceError* error) const {
    const nlohmann::json& data = push.data;
    const std::string order = WidgetText(data, fields_.order_id);
    if (!CheckIdentifier(Named(fields_.order_id, "order_id"), order, error)) return false;
    const std::string raw_amount = WidgetText(data, fields_.amount);
    const auto amount = ParseAmount(raw_amount);
    if (!amount || *amount < 0) {
      return Unmappable(error, Named(fields_.amount, "amount") + " '" + raw_amount + "' is not an amount >= 0");
    }
    std::string currency = WidgetText(data, fields_.currency);
    if (currency.empty()) currency = options_.currency;
    std::string at = push.created_at;
    if (!fields_.placed_at.empty() && data.contains(fields_.placed_at) && !data[fields_.placed_at].is_null()) {
      const auto placed = NormalizeJsonTimestamp(data[fields_.placed_at]);
      if (!placed) return Unmappable(error, Named(fields_.placed_at, "placed_at") + " is not a timestamp");
      at = *placed;
    }
    EventBuilder b(name_ + ":" + push.record + ":order", "order.placed", at, account);
    b.Set("order_id", order).Set("amount", *amount);
    if (!currency.empty()) {
      const auto code = NormalizeCurrency(currency);
      if (!code) return Unmappable(error, Named(fields_.currency, "currency") + " '" + currency + "' is not ISO 4217");
      b.Set("currency", *code);
    }
    out->push_back(b.Build());
    return true;
  }

  bool MapFollowup(const Push& push, const std::string& account, std::vector<MappedEvent>* out,
                   SourceError* error) const {
    const nlohmann::json& data = push.data;
    auto lookup = [](const std::map<std::string, std::string>& table, const std::vector<std::string>& vocabulary,
                     const std::string& raw) -> std::string {
      if (auto it = table.find(raw); it != table.end()) return it->second;
      return std::find(vocabulary.begin(), vocabulary.end(), raw) != vocabulary.end() ? raw : std::string();
    };
    const std::string raw_kind = WidgetText(data, fields_.kind);
    const std::string kind = lookup(options_.kinds, InteractionKinds(), raw_kind);
    if (kind.empty()) {
      return Unmappable(error, Named(fields_.kind, "kind") + ": unknown kind '" + raw_kind + "' (map it under kinds)");
    }
    std::string direction = options_.default_direction;
    if (const std::string raw = WidgetText(data, fields_.direction); !raw.empty()) {
      direction = lookup(options_.directions, Directions(), raw);
      if (direction.empty()) {
        return Unmappable(error, Named(fields_.direction, "direction") + ": unknown direction '" + raw +
                                     "' (map it under directions)");
      }
    }
    std::string at = push.created_at;
    if (!fields_.time.empty() && data.contains(fields_.time) && !data[fields_.time].is_null()) {
      const auto when = NormalizeJsonTimestamp(data[fields_.time]);
      if (!when) return Unmappable(error, Named(fields_.time, "time") + " is not a timestamp");
      at = *when;
    }
    out->push_back(EventBuilder(name_ + ":" + push.record + ":interaction", "interaction.logged", at, account)
                       .Set("kind", kind)
                       .Set("direction", direction)
                       .Build());
    return true;
  }

  std::string name_;
  Secrets secrets_;
  std::string form_;
  RecordFields fields_;
  RecordOptions options_;
  int utc_offset_minutes_;
};

}  // namespace

StatusOr<std::unique_ptr<WebhookSource>> MakeRecordSource(const SourceSection& section, const std::string& form) {
  GET_OR_RET(Secrets secrets, LoadSecrets(section));
  const FormTables tables = TablesOf(form);
  RecordOptions options;
  SLAMON_RETURN_IF_ERROR(section.Read(tables.main, &options, {"form"}));
  if (!section.At("fields").IsMap()) {
    return section.Error(section.At("fields"), "fields", "must be a mapping of slamon field to form widget");
  }
  RecordFields fields;
  SLAMON_RETURN_IF_ERROR(section.Read(tables.fields, &fields, {}, "fields"));
  return std::unique_ptr<WebhookSource>(
      std::make_unique<RecordSource>(section.name(), std::move(secrets), form, std::move(fields), std::move(options)));
}

std::vector<config::SectionInfo> RecordReference() {
  std::vector<config::SectionInfo> out;
  for (const std::string form : {"accounts", "orders", "followups"}) {
    const FormTables tables = TablesOf(form);
    config::SectionInfo main = tables.main.Describe();
    main.title = "`sources.<name>`, kind jiandaoyun, form " + form;
    config::SectionInfo fields = tables.fields.Describe();
    fields.title = "`sources.<name>.fields`, kind jiandaoyun, form " + form;
    out.push_back(std::move(main));
    out.push_back(std::move(fields));
  }
  return out;
}

}  // namespace slamon::bridge::jiandaoyun
