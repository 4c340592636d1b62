// The Generic source, driven by the example mappings shipped in
// config/bridge.generic.example.yaml (so the examples are proven to work):
// fixture → exact events, rule conditions, value maps, both auth modes and
// config errors that name the field.
#include <cstdlib>

#include "tests/support/webhook_fixtures.h"

namespace slamon::bridge {
namespace {

using testing::Build;
using testing::BuildError;
using testing::ExpectEvents;
using testing::Fixture;
using testing::MapFails;
using testing::MapOk;
using testing::Request;

YAML::Node ExampleSection(const std::string& name) {
  const YAML::Node root = YAML::LoadFile(std::string(SLAMON_SOURCE_DIR) + "/config/bridge.generic.example.yaml");
  const YAML::Node section = root["sources"][name];
  EXPECT_TRUE(section.IsMap()) << "no example source " << name;
  return section;
}

std::unique_ptr<WebhookSource> Example(const std::string& name) {
  setenv("FRESHDESK_WEBHOOK_TOKEN", "fd-t0ken", 1);
  setenv("FXIAOKE_WEBHOOK_SECRET", "fx-s3cret", 1);
  setenv("ZOHOCRM_WEBHOOK_TOKEN", "zc-t0ken", 1);
  auto made = BuildSource(&MakeGenericSource, name, ExampleSection(name));
  EXPECT_TRUE(made.ok()) << made.status().message();
  return made.ok() ? made.take() : nullptr;
}

std::vector<nlohmann::json> MapFixture(const WebhookSource& source, const std::string& file) {
  return MapOk(source, Request(Fixture("generic/" + file)));
}

TEST(BridgeGenericFreshdesk, TicketLifeMapsToExactEvents) {
  auto fd = Example("freshdesk");
  ASSERT_NE(fd, nullptr);
  ExpectEvents(MapFixture(*fd, "freshdesk_like_ticket_created.json"),
               {R"({"id":"freshdesk:4711:ticket_created:2026-11-20T09:15:00+08:00:0","type":"ticket.opened",
                    "occurred_at":"2026-11-20T09:15:00+08:00","account_id":"initech","ticket_id":"4711",
                    "priority":"high","channel":"email"})"});
  EXPECT_TRUE(MapFixture(*fd, "freshdesk_like_note_private.json").empty()) << "private note";
  ExpectEvents(MapFixture(*fd, "freshdesk_like_reply_agent.json"),
               {R"({"id":"freshdesk:4711:90002:12","type":"ticket.replied","occurred_at":"2026-11-20T09:40:00+08:00",
                    "account_id":"initech","ticket_id":"4711","author":"agent","public":true})"});
  ExpectEvents(MapFixture(*fd, "freshdesk_like_reply_requester.json"),
               {R"({"id":"freshdesk:4711:90003:12","type":"ticket.replied","occurred_at":"2026-11-20T10:05:00+08:00",
                    "account_id":"initech","ticket_id":"4711","author":"customer","public":true})"});
  ExpectEvents(MapFixture(*fd, "freshdesk_like_status_resolved.json"),
               {R"({"id":"freshdesk:4711:status_changed:2026-11-20T11:00:00+08:00:4","type":"ticket.status_changed",
           "occurred_at":"2026-11-20T11:00:00+08:00","account_id":"initech","ticket_id":"4711","status":"solved"})",
                R"({"id":"freshdesk:4711:status_changed:2026-11-20T11:00:00+08:00:5","type":"ticket.resolved",
           "occurred_at":"2026-11-20T11:00:00+08:00","account_id":"initech","ticket_id":"4711"})"});
  ExpectEvents(MapFixture(*fd, "freshdesk_like_status_reopened.json"),
               {R"({"id":"freshdesk:4711:status_changed:2026-11-20T13:00:00+08:00:4","type":"ticket.status_changed",
           "occurred_at":"2026-11-20T13:00:00+08:00","account_id":"initech","ticket_id":"4711","status":"open"})",
                R"({"id":"freshdesk:4711:status_changed:2026-11-20T13:00:00+08:00:5","type":"ticket.reopened",
           "occurred_at":"2026-11-20T13:00:00+08:00","account_id":"initech","ticket_id":"4711"})"});
  ExpectEvents(MapFixture(*fd, "freshdesk_like_survey.json"),
               {R"({"id":"freshdesk:4711:survey_answered:2026-11-21T08:00:00+08:00:16","type":"survey.answered",
                    "occurred_at":"2026-11-21T08:00:00+08:00","account_id":"initech","ticket_id":"4711",
                    "score":4,"kind":"csat","comment":"Quick fix"})"});
}

TEST(BridgeGenericFreshdesk, UnmatchedPayloadAndBadValuesAreUnmappable) {
  auto fd = Example("freshdesk");
  ASSERT_NE(fd, nullptr);
  nlohmann::json j = nlohmann::json::parse(Fixture("generic/freshdesk_like_ticket_created.json"));
  j["freshdesk_webhook"]["event"] = "ticket_merged";
  EXPECT_EQ(MapFails(*fd, Request(j.dump())).rejection, Rejection::kUnmappable);
  j = nlohmann::json::parse(Fixture("generic/freshdesk_like_ticket_created.json"));
  j["freshdesk_webhook"]["ticket_priority"] = "P0";
  EXPECT_EQ(MapFails(*fd, Request(j.dump())).rejection, Rejection::kUnmappable);
  j["freshdesk_webhook"].erase("ticket_priority");  // absent: the default priority
  auto events = MapOk(*fd, Request(j.dump()));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["priority"], "normal");
  j["freshdesk_webhook"]["ticket_created_at"] = "Friday";
  EXPECT_EQ(MapFails(*fd, Request(j.dump())).rejection, Rejection::kUnmappable);
  j = nlohmann::json::parse(Fixture("generic/freshdesk_like_ticket_created.json"));
  j["freshdesk_webhook"].erase("ticket_company_name");
  EXPECT_EQ(MapFails(*fd, Request(j.dump())).rejection, Rejection::kUnmappable);
  j = nlohmann::json::parse(Fixture("generic/freshdesk_like_survey.json"));
  j["freshdesk_webhook"]["survey_score"] = 9;  // outside CSAT's 1-5
  EXPECT_EQ(MapFails(*fd, Request(j.dump())).rejection, Rejection::kUnmappable);
  j["freshdesk_webhook"]["survey_score"] = 4.5;
  EXPECT_EQ(MapFails(*fd, Request(j.dump())).rejection, Rejection::kUnmappable);
  j = nlohmann::json::parse(Fixture("generic/freshdesk_like_reply_agent.json"));
  j["freshdesk_webhook"]["actor_type"] = "bot";
  EXPECT_EQ(MapFails(*fd, Request(j.dump())).rejection, Rejection::kUnmappable);
}

TEST(BridgeGenericFreshdesk, SharedTokenHeader) {
  auto fd = Example("freshdesk");
  ASSERT_NE(fd, nullptr);
  const std::string body = Fixture("generic/freshdesk_like_ticket_created.json");
  EXPECT_TRUE(testing::Verifies(*fd, Request(body, {{"x-slamon-token", "fd-t0ken"}})));
  testing::VerifyFails(*fd, Request(body, {{"x-slamon-token", "fd-t0ke"}}));
  testing::VerifyFails(*fd, Request(body));
}

TEST(BridgeGenericFxiaoke, CaseLifeWithChineseValues) {
  auto fx = Example("fxiaoke");
  ASSERT_NE(fx, nullptr);
  ExpectEvents(MapFixture(*fx, "fxiaoke_like_case_added.json"),
               {R"({"id":"fxiaoke:6f1c2d3e-0001:0","type":"ticket.opened","occurred_at":"2026-11-20T01:15:00Z",
                    "account_id":"shenzhen-hengtong","ticket_id":"CS20261120001","priority":"urgent",
                    "channel":"phone"})"});
  EXPECT_TRUE(MapFixture(*fx, "fxiaoke_like_reply_internal.json").empty()) << "internal note";
  ExpectEvents(MapFixture(*fx, "fxiaoke_like_reply_agent.json"),
               {R"({"id":"fxiaoke:6f1c2d3e-0004:12","type":"ticket.replied","occurred_at":"2026-11-20T01:45:00Z",
                    "account_id":"shenzhen-hengtong","ticket_id":"CS20261120001","author":"agent","public":true})"});
  // Status and priority changed in one update: both rules apply.
  ExpectEvents(MapFixture(*fx, "fxiaoke_like_case_updated_status_priority.json"),
               {R"({"id":"fxiaoke:6f1c2d3e-0002:4","type":"ticket.status_changed","occurred_at":"2026-11-20T03:00:00Z",
                    "account_id":"shenzhen-hengtong","ticket_id":"CS20261120001","status":"solved"})",
                R"({"id":"fxiaoke:6f1c2d3e-0002:5","type":"ticket.resolved","occurred_at":"2026-11-20T03:00:00Z",
                    "account_id":"shenzhen-hengtong","ticket_id":"CS20261120001"})",
                R"({"id":"fxiaoke:6f1c2d3e-0002:8","type":"ticket.priority_changed",
                    "occurred_at":"2026-11-20T03:00:00Z","account_id":"shenzhen-hengtong",
                    "ticket_id":"CS20261120001","priority":"high"})"});
  // Other objects share the webhook; `unmatched: ignore` answers them without events.
  EXPECT_TRUE(
      MapOk(*fx, Request(R"({"eventId":"x","objectApiName":"ContactObj","eventType":"object_data_add"})")).empty());
}

TEST(BridgeGenericFxiaoke, HmacSignature) {
  auto fx = Example("fxiaoke");
  ASSERT_NE(fx, nullptr);
  const std::string body = Fixture("generic/fxiaoke_like_case_added.json");
  const std::string good = HexEncode(HmacSha256("fx-s3cret", body));
  EXPECT_TRUE(testing::Verifies(*fx, Request(body, {{"x-fs-signature", good}})));
  testing::VerifyFails(*fx, Request(body, {{"x-fs-signature", HexEncode(HmacSha256("other", body))}}));
  testing::VerifyFails(*fx, Request(body + " ", {{"x-fs-signature", good}}));
  testing::VerifyFails(*fx, Request(body));
}

TEST(BridgeGenericZohoCrm, AccountsAndClosedWonDealsMapToExactEvents) {
  auto zc = Example("zohocrm");
  ASSERT_NE(zc, nullptr);
  ExpectEvents(MapFixture(*zc, "zohocrm_account_saved.json"),
               {R"({"id":"zohocrm:Accounts:5725767000000412001:2026-11-25T14:30:00+08:00:0","type":"account.upserted",
                    "occurred_at":"2026-11-25T14:30:00+08:00","account_id":"ACC-10042",
                    "name":"Initech Asia Pacific","tier":"A","owner":"li.wei@example.com",
                    "owner_email":"li.wei@example.com","team":"APAC Key Accounts","contract_value":1200000,
                    "renewal_date":"2027-03-31"})"});
  ExpectEvents(MapFixture(*zc, "zohocrm_account_churned.json"),
               {R"({"id":"zohocrm:Accounts:5725767000000412001:2026-12-02T09:00:00+08:00:4","type":"account.churned",
                    "occurred_at":"2026-12-02T09:00:00+08:00","account_id":"ACC-10042","reason":"price"})"});
  ExpectEvents(MapFixture(*zc, "zohocrm_deal_won.json"),
               {R"({"id":"zohocrm:Deals:5725767000000498123:8","type":"order.placed",
                    "occurred_at":"2026-11-28T10:05:00+08:00","account_id":"ACC-10042",
                    "order_id":"5725767000000498123","amount":36000,"currency":"USD"})"});
  // The token travels as an appended parameter.
  const std::string body = Fixture("generic/zohocrm_deal_won.json");
  EXPECT_TRUE(testing::Verifies(*zc, Request(body, {}, {{"token", "zc-t0ken"}})));
  testing::VerifyFails(*zc, Request(body, {}, {{"token", "zc-t0ke"}}));
  // A deal at another stage matches no rule; a bad amount or tier is refused.
  nlohmann::json j = nlohmann::json::parse(body);
  j["stage"] = "Negotiation";
  EXPECT_EQ(MapFails(*zc, Request(j.dump())).rejection, Rejection::kUnmappable);
  j = nlohmann::json::parse(body);
  j["amount"] = "-1";
  EXPECT_NE(MapFails(*zc, Request(j.dump())).reason.find("amount '-1'"), std::string::npos);
  j = nlohmann::json::parse(Fixture("generic/zohocrm_account_saved.json"));
  j["service_tier"] = "";
  EXPECT_NE(MapFails(*zc, Request(j.dump())).reason.find("tier is empty"), std::string::npos);
  j["service_tier"] = "Tier B";
  j["renewal_date"] = "2027-02-30";
  EXPECT_NE(MapFails(*zc, Request(j.dump())).reason.find("renewal_date '2027-02-30' is not a date"), std::string::npos);
}

TEST(BridgeGenericFxiaoke, CustomerObjectLife) {
  auto fx = Example("fxiaoke");
  ASSERT_NE(fx, nullptr);
  ExpectEvents(MapFixture(*fx, "fxiaoke_like_account_added.json"),
               {R"({"id":"fxiaoke:6f1c2d3e-0101:20","type":"account.upserted","occurred_at":"2026-11-18T02:00:00Z",
                    "account_id":"shenzhen-hengtong","name":"深圳恒通电子有限公司","tier":"A","owner":"1000",
                    "team":"华南大客户部","renewal_date":"2027-03-31"})"});
  // A change carries just the changed fields.
  ExpectEvents(MapFixture(*fx, "fxiaoke_like_account_updated_level_owner.json"),
               {R"({"id":"fxiaoke:6f1c2d3e-0102:28","type":"account.updated","occurred_at":"2026-11-25T09:00:00Z",
                    "account_id":"shenzhen-hengtong","tier":"B","owner":"1007"})"});
  // A change of the status alone: the churn, and no empty update.
  ExpectEvents(MapFixture(*fx, "fxiaoke_like_account_churned.json"),
               {R"({"id":"fxiaoke:6f1c2d3e-0103:32","type":"account.churned","occurred_at":"2026-12-01T09:00:00Z",
                    "account_id":"shenzhen-hengtong","reason":"转投竞品"})"});
  // Back to 合作中: the whole record as an upsert (the win-back), and the changed level.
  ExpectEvents(MapFixture(*fx, "fxiaoke_like_account_won_back.json"),
               {R"({"id":"fxiaoke:6f1c2d3e-0104:24","type":"account.upserted","occurred_at":"2026-12-04T09:00:00Z",
                    "account_id":"shenzhen-hengtong","name":"深圳恒通电子有限公司","tier":"A","owner":"1007",
                    "team":"华南大客户部","renewal_date":"2027-03-31"})",
                R"({"id":"fxiaoke:6f1c2d3e-0104:28","type":"account.updated","occurred_at":"2026-12-04T09:00:00Z",
                    "account_id":"shenzhen-hengtong","tier":"A"})"});
}

TEST(BridgeGeneric, InteractionAndPartialUpdateRules) {
  auto g = Build(&MakeGenericSource, "g",
                 "secret: k\nauth: {mode: shared_secret, header: X-T}\nid: /id\n"
                 "fields: {account_id: /acct, occurred_at: /at}\n"
                 "events:\n"
                 "  - when: {pointer: /what, equals: call}\n"
                 "    type: interaction.logged\n"
                 "    fields: {kind: {value: call}, direction: {pointer: /dir, map: {out: outbound, in: inbound}}}\n"
                 "  - when: {pointer: /what, equals: account}\n"
                 "    type: account.updated\n"
                 "    fields: {owner: /owner, team: /team, contract_value: /value}\n");
  ASSERT_NE(g, nullptr);
  ExpectEvents(MapOk(*g, Request(R"({"id":"c1","what":"call","acct":"acme","at":"2026-11-20T09:15:00Z","dir":"in"})")),
               {R"({"id":"g:c1:0","type":"interaction.logged","occurred_at":"2026-11-20T09:15:00Z",
                    "account_id":"acme","kind":"call","direction":"inbound"})"});
  EXPECT_NE(
      MapFails(*g, Request(R"({"id":"c2","what":"call","acct":"acme","at":"2026-11-20T09:15:00Z","dir":"sideways"})"))
          .reason.find("direction 'sideways'"),
      std::string::npos);
  // Absent and null fields are left alone; an empty one clears.
  ExpectEvents(MapOk(*g, Request(R"({"id":"a1","what":"account","acct":"acme","at":"2026-11-20T09:15:00Z","owner":"",
                            "team":null,"value":"12,000.5"})")),
               {R"({"id":"g:a1:4","type":"account.updated","occurred_at":"2026-11-20T09:15:00Z","account_id":"acme",
           "owner":"","contract_value":12000.5})"});
  EXPECT_TRUE(MapOk(*g, Request(R"({"id":"a2","what":"account","acct":"acme","at":"2026-11-20T09:15:00Z"})")).empty());
}

TEST(BridgeGeneric, HmacWithPrefixAndBase64AndQueryToken) {
  const std::string rules =
      "id: {header: X-Delivery}\n"
      "fields: {ticket_id: /t, account_id: /a, occurred_at: /at}\n"
      "events: [{type: ticket.resolved}]\n";
  auto hmac =
      Build(&MakeGenericSource, "g",
            "secret: k\nauth: {mode: hmac_sha256, header: X-Sig, prefix: \"sha256=\", encoding: base64}\n" + rules);
  ASSERT_NE(hmac, nullptr);
  const std::string body = R"({"t":"T-1","a":"acme","at":"2026-11-20T09:15:00Z"})";
  const std::string sig = "sha256=" + Base64Encode(HmacSha256("k", body));
  EXPECT_TRUE(testing::Verifies(*hmac, Request(body, {{"x-sig", sig}})));
  testing::VerifyFails(*hmac, Request(body, {{"x-sig", Base64Encode(HmacSha256("k", body))}}));  // no prefix
  ExpectEvents(MapOk(*hmac, Request(body, {{"x-delivery", "d-1"}})),
               {R"({"id":"g:d-1:0","type":"ticket.resolved","occurred_at":"2026-11-20T09:15:00Z",
                    "account_id":"acme","ticket_id":"T-1"})"});
  EXPECT_EQ(MapFails(*hmac, Request(body)).rejection, Rejection::kUnmappable) << "no delivery id";

  auto query = Build(&MakeGenericSource, "g", "secret: k\nauth: {mode: shared_secret, query: key}\n" + rules);
  ASSERT_NE(query, nullptr);
  EXPECT_TRUE(testing::Verifies(*query, Request(body, {}, {{"key", "k"}})));
  testing::VerifyFails(*query, Request(body, {{"key", "k"}}));
}

TEST(BridgeGeneric, ConditionsOnHeadersListsAndAbsence) {
  auto g = Build(&MakeGenericSource, "g",
                 "secret: k\nauth: {mode: shared_secret, header: X-T}\nid: /id\n"
                 "fields: {ticket_id: /t, account_id: {value: acme}, occurred_at: /at}\n"
                 "events:\n"
                 "  - when: [{header: X-Event, in: [created, opened]}, {pointer: /merged, exists: false}]\n"
                 "    type: ticket.opened\n"
                 "    fields: {priority: {pointer: /p, map: {'1': urgent, '4': low}}}\n");
  ASSERT_NE(g, nullptr);
  const std::string body = R"({"id":7,"t":"T-9","at":1795137300,"p":1})";
  ExpectEvents(MapOk(*g, Request(body, {{"x-event", "opened"}})),
               {R"({"id":"g:7:0","type":"ticket.opened","occurred_at":"2026-11-20T01:15:00Z","account_id":"acme",
                    "ticket_id":"T-9","priority":"urgent"})"});
  EXPECT_EQ(MapFails(*g, Request(body, {{"x-event", "closed"}})).rejection, Rejection::kUnmappable);
  EXPECT_EQ(
      MapFails(*g, Request(R"({"id":7,"t":"T-9","at":1795137300,"merged":true})", {{"x-event", "opened"}})).rejection,
      Rejection::kUnmappable);
}

TEST(BridgeGenericConfig, ErrorsNameTheField) {
  const std::string base = "secret: k\nauth: {mode: shared_secret, header: X-T}\nid: /id\n";
  EXPECT_NE(BuildError(&MakeGenericSource, "secret: k\nid: /id\nevents: [{type: ticket.resolved}]\n").find("auth"),
            std::string::npos);
  EXPECT_NE(
      BuildError(&MakeGenericSource, "secret: k\nauth: {mode: md5, header: X}\nid: /i\nevents: []\n").find("auth.mode"),
      std::string::npos);
  EXPECT_NE(BuildError(&MakeGenericSource, base + "events: []\n").find("events"), std::string::npos);
  EXPECT_NE(BuildError(&MakeGenericSource, base + "events: [{type: ticket.closed}]\n").find("events[0].type"),
            std::string::npos);
  EXPECT_NE(BuildError(&MakeGenericSource, base + "events: [{type: ticket.opened, fields: {ticket: /t}}]\n")
                .find("events[0].fields.ticket"),
            std::string::npos);
  EXPECT_NE(BuildError(&MakeGenericSource, base + "events: [{type: ticket.opened, fields: {ticket_id: /a~2}}]\n")
                .find("events[0].fields.ticket_id"),
            std::string::npos);
  EXPECT_NE(BuildError(&MakeGenericSource, base + "events: [{when: {pointer: /e}, type: ticket.opened}]\n")
                .find("events[0].when"),
            std::string::npos);
  EXPECT_NE(BuildError(&MakeGenericSource, base + "statuses: {Done: finished}\nevents: [{type: ticket.resolved}]\n")
                .find("statuses.Done"),
            std::string::npos);
  EXPECT_NE(BuildError(&MakeGenericSource,
                       "secret: k\nauth: {mode: shared_secret, header: X-T}\nevents: [{type: ticket.resolved}]\n")
                .find("id"),
            std::string::npos);
}

// The account, order and interaction rules are checked at start-up like the ticket rules: the type's
// fields only, and a source for every field its events cannot do without.
TEST(BridgeGenericConfig, CrmRulesAreCheckedAtStartUp) {
  const std::string base = "secret: k\nauth: {mode: shared_secret, header: X-T}\nid: /id\n";
  EXPECT_EQ(
      BuildError(&MakeGenericSource, base + "events:\n  - type: account.upserted\n    fields: {name: /n, owner: /o}\n"),
      "source.yaml:5: sources.src.events[0]: account.upserted needs tier (in the rule's fields or the shared "
      "fields)");
  EXPECT_EQ(
      BuildError(&MakeGenericSource, base + "events:\n  - type: order.placed\n    fields: {order_id: /o}\n"),
      "source.yaml:5: sources.src.events[0]: order.placed needs amount (in the rule's fields or the shared fields)");
  EXPECT_EQ(BuildError(&MakeGenericSource, base + "events:\n  - type: interaction.logged\n    fields: {kind: /k}\n"),
            "source.yaml:5: sources.src.events[0]: interaction.logged needs direction (in the rule's fields or the "
            "shared fields)");
  EXPECT_EQ(BuildError(&MakeGenericSource, base + "events:\n  - type: account.updated\n"),
            "source.yaml:5: sources.src.events[0]: account.updated needs at least one account field (name, tier, …)");
  // Shared fields count.
  EXPECT_NE(
      Build(&MakeGenericSource, "g", base + "fields: {amount: /a, order_id: /o}\nevents: [{type: order.placed}]\n"),
      nullptr);
  // A field of another type under a rule is a mistake.
  EXPECT_EQ(
      BuildError(&MakeGenericSource, base + "events:\n  - type: ticket.opened\n    fields: {tier: /t}\n"),
      "source.yaml:6: sources.src.events[0].fields.tier: is not a field of ticket.opened (its fields: account_id, "
      "occurred_at, ticket_id, priority, channel, category)");
  EXPECT_EQ(BuildError(&MakeGenericSource, base + "events:\n  - type: account.churned\n    fields: {ticket_id: /t}\n"),
            "source.yaml:6: sources.src.events[0].fields.ticket_id: is not a field of account.churned (its fields: "
            "account_id, occurred_at, reason)");
  EXPECT_EQ(BuildError(&MakeGenericSource, base + "utc_offset: '8'\nevents: [{type: account.churned}]\n"),
            "source.yaml:4: sources.src.utc_offset: must be Z or ±HH:MM");
}

}  // namespace
}  // namespace slamon::bridge
