// The Zoho Desk source: fixture → exact events, threads vs comments vs
// internal notes, prevState transitions (incl. Closed → Open as a reopen),
// updates without prevState, and the shared-token check.
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

// A single-customer portal: threads and comments name no account, so they
// take default_account, which is the id of the one account.
constexpr const char* kConfig = "secret: zoho-t0ken\ntoken_query: token\ndefault_account: \"1892000000975382\"\n";

std::unique_ptr<WebhookSource> Zoho(const std::string& config = kConfig) {
  return Build(&MakeZohoSource, "zoho", config);
}

std::vector<nlohmann::json> MapFixture(const WebhookSource& source, const std::string& file) {
  return MapOk(source, Request(Fixture("zoho/" + file)));
}

TEST(BridgeZoho, TicketAddOpensTheTicket) {
  auto zoho = Zoho();
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_add.json"),
               {R"({"id":"zoho:ticket-1892000000143237-add:0","type":"ticket.opened",
                    "occurred_at":"2026-11-20T01:15:00Z","account_id":"1892000000975382",
                    "ticket_id":"1892000000143237","priority":"high","channel":"email"})"});
}

TEST(BridgeZoho, AccountNameInsteadOfIdThroughAccountPointers) {
  auto zoho = Zoho(std::string(kConfig) + "account_pointers: [/contact/account/accountName]\n");
  auto events = MapFixture(*zoho, "webhook_ticket_add.json");
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["account_id"], "Globex");
}

TEST(BridgeZoho, DescriptionThreadAndPrivateCommentAreNoReplies) {
  auto zoho = Zoho();
  EXPECT_TRUE(MapFixture(*zoho, "webhook_ticket_thread_add_description.json").empty());
  EXPECT_TRUE(MapFixture(*zoho, "webhook_ticket_comment_add_private.json").empty());
  nlohmann::json j = nlohmann::json::parse(Fixture("zoho/webhook_ticket_thread_add_agent_reply.json"));
  j[0]["payload"]["visibility"] = "private";
  EXPECT_TRUE(MapOk(*zoho, Request(j.dump())).empty());
}

TEST(BridgeZoho, PublicAgentReplyAndCustomerReply) {
  auto zoho = Zoho();
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_thread_add_agent_reply.json"),
               {R"({"id":"zoho:thread-1892000000150123:0","type":"ticket.replied",
                    "occurred_at":"2026-11-20T01:45:00Z","account_id":"1892000000975382",
                    "ticket_id":"1892000000143237","author":"agent","public":true})"});
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_comment_add_public_agent.json"),
               {R"({"id":"zoho:comment-1892000000150300:0","type":"ticket.replied",
                    "occurred_at":"2026-11-20T01:50:00Z","account_id":"1892000000975382",
                    "ticket_id":"1892000000143237","author":"agent","public":true})"});
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_thread_add_customer_reply.json"),
               {R"({"id":"zoho:thread-1892000000150200:0","type":"ticket.replied",
                    "occurred_at":"2026-11-20T02:00:00Z","account_id":"1892000000975382",
                    "ticket_id":"1892000000143237","author":"customer","public":true})"});
}

TEST(BridgeZoho, ThreadWithoutAuthorTypeFallsBackToDirection) {
  nlohmann::json j = nlohmann::json::parse(Fixture("zoho/webhook_ticket_thread_add_customer_reply.json"));
  j[0]["payload"].erase("author");
  auto zoho = Zoho();
  auto events = MapOk(*zoho, Request(j.dump()));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["author"], "customer");
  j[0]["payload"].erase("direction");
  EXPECT_EQ(MapFails(*zoho, Request(j.dump())).rejection, Rejection::kUnmappable);
}

TEST(BridgeZoho, RepliesWithoutAnAccountAreUnmappableWithoutDefaultAccount) {
  auto zoho = Zoho("secret: zoho-t0ken\ntoken_query: token\n");
  const SourceError error = MapFails(*zoho, Request(Fixture("zoho/webhook_ticket_thread_add_agent_reply.json")));
  EXPECT_EQ(error.rejection, Rejection::kUnmappable);
  EXPECT_NE(error.reason.find("default_account"), std::string::npos) << error.reason;
}

TEST(BridgeZoho, PriorityChangeWithPrevState) {
  auto zoho = Zoho();
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_update_priority_prevstate.json"),
               {R"({"id":"zoho:ticket-1892000000143237-update-2026-11-20T02:10:00.000Z:0",
                    "type":"ticket.priority_changed","occurred_at":"2026-11-20T02:10:00Z",
                    "account_id":"1892000000975382","ticket_id":"1892000000143237","priority":"urgent"})"});
}

TEST(BridgeZoho, ClosedResolvesAndClosedToOpenReopens) {
  auto zoho = Zoho();
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_update_closed_prevstate.json"),
               {R"({"id":"zoho:ticket-1892000000143237-update-2026-11-20T03:00:00.000Z:0",
                    "type":"ticket.status_changed","occurred_at":"2026-11-20T03:00:00Z",
                    "account_id":"1892000000975382","ticket_id":"1892000000143237","status":"solved"})",
                R"({"id":"zoho:ticket-1892000000143237-update-2026-11-20T03:00:00.000Z:1",
                    "type":"ticket.resolved","occurred_at":"2026-11-20T03:00:00Z",
                    "account_id":"1892000000975382","ticket_id":"1892000000143237"})"});
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_update_reopened_prevstate.json"),
               {R"({"id":"zoho:ticket-1892000000143237-update-2026-11-20T05:00:00.000Z:0",
                    "type":"ticket.status_changed","occurred_at":"2026-11-20T05:00:00Z",
                    "account_id":"1892000000975382","ticket_id":"1892000000143237","status":"open"})",
                R"({"id":"zoho:ticket-1892000000143237-update-2026-11-20T05:00:00.000Z:1",
                    "type":"ticket.reopened","occurred_at":"2026-11-20T05:00:00Z",
                    "account_id":"1892000000975382","ticket_id":"1892000000143237"})"});
}

TEST(BridgeZoho, UpdateWithoutPrevStateRepeatsStatusAndPriorityButNeverGuessesAReopen) {
  auto zoho = Zoho();
  ExpectEvents(MapFixture(*zoho, "webhook_ticket_update_no_prevstate.json"),
               {R"({"id":"zoho:ticket-1892000000143237-update-2026-11-20T03:00:00.000Z:0",
                    "type":"ticket.status_changed","occurred_at":"2026-11-20T03:00:00Z",
                    "account_id":"1892000000975382","ticket_id":"1892000000143237","status":"on_hold"})",
                R"({"id":"zoho:ticket-1892000000143237-update-2026-11-20T03:00:00.000Z:1",
                    "type":"ticket.priority_changed","occurred_at":"2026-11-20T03:00:00Z",
                    "account_id":"1892000000975382","ticket_id":"1892000000143237","priority":"urgent"})"});
}

TEST(BridgeZoho, CustomStatusesThroughConfigOrStatusType) {
  nlohmann::json j = nlohmann::json::parse(Fixture("zoho/webhook_ticket_update_no_prevstate.json"));
  j[0]["payload"]["status"] = "Waiting on Vendor";  // statusType stays "On Hold"
  auto zoho = Zoho();
  auto events = MapOk(*zoho, Request(j.dump()));
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0]["status"], "on_hold");
  auto custom = Zoho(std::string(kConfig) + "statuses: {\"Waiting on Vendor\": pending}\n");
  events = MapOk(*custom, Request(j.dump()));
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0]["status"], "pending");
  j[0]["payload"]["statusType"] = "Mystery";
  EXPECT_EQ(MapFails(*zoho, Request(j.dump())).rejection, Rejection::kUnmappable);
}

TEST(BridgeZoho, SeveralEventsInOneDeliveryAndUnknownTypes) {
  nlohmann::json a = nlohmann::json::parse(Fixture("zoho/webhook_ticket_add.json"));
  nlohmann::json b = nlohmann::json::parse(Fixture("zoho/webhook_ticket_thread_add_agent_reply.json"));
  nlohmann::json both = nlohmann::json::array({a[0], b[0], {{"eventType", "Contact_Add"}, {"payload", {{"id", "1"}}}}});
  auto zoho = Zoho();
  auto events = MapOk(*zoho, Request(both.dump()));
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0]["type"], "ticket.opened");
  EXPECT_EQ(events[1]["type"], "ticket.replied");
}

TEST(BridgeZoho, MalformedPayloads) {
  auto zoho = Zoho();
  EXPECT_EQ(MapFails(*zoho, Request("[{")).rejection, Rejection::kBadPayload);
  EXPECT_EQ(MapFails(*zoho, Request("42")).rejection, Rejection::kBadPayload);
  EXPECT_EQ(MapFails(*zoho, Request(R"([{"eventType":"Ticket_Add"}])")).rejection, Rejection::kBadPayload);
  EXPECT_EQ(MapFails(*zoho, Request(R"([{"eventType":"Ticket_Add","payload":{"id":""}}])")).rejection,
            Rejection::kUnmappable);
  nlohmann::json j = nlohmann::json::parse(Fixture("zoho/webhook_ticket_add.json"));
  j[0]["payload"]["priority"] = "P0";
  EXPECT_EQ(MapFails(*zoho, Request(j.dump())).rejection, Rejection::kUnmappable);
}

TEST(BridgeZohoAuth, QueryToken) {
  auto zoho = Zoho();
  const std::string body = Fixture("zoho/webhook_ticket_add.json");
  EXPECT_TRUE(testing::Verifies(*zoho, Request(body, {}, {{"token", "zoho-t0ken"}})));
  testing::VerifyFails(*zoho, Request(body, {}, {{"token", "zoho-t0kem"}}));
  testing::VerifyFails(*zoho, Request(body, {}, {{"token", ""}}));
  const SourceError missing = testing::VerifyFails(*zoho, Request(body));
  EXPECT_NE(missing.reason.find("token"), std::string::npos);
  EXPECT_EQ(missing.reason.find("zoho-t0ken"), std::string::npos) << "never the secret";
}

TEST(BridgeZohoAuth, HeaderToken) {
  auto zoho = Zoho("secret: zoho-t0ken\ntoken_header: X-Slamon-Token\n");
  const std::string body = Fixture("zoho/webhook_ticket_add.json");
  EXPECT_TRUE(testing::Verifies(*zoho, Request(body, {{"x-slamon-token", "zoho-t0ken"}})));
  testing::VerifyFails(*zoho, Request(body, {{"x-slamon-token", "wrong"}}));
  testing::VerifyFails(*zoho, Request(body, {}, {{"token", "zoho-t0ken"}}));  // only the configured place counts
}

TEST(BridgeZohoConfig, ErrorsNameTheField) {
  EXPECT_NE(BuildError(&MakeZohoSource, "token_query: token\n").find("secret"), std::string::npos);
  EXPECT_NE(BuildError(&MakeZohoSource, "secret: s\n").find("token_header"), std::string::npos);
  EXPECT_NE(BuildError(&MakeZohoSource, "secret: s\ntoken_query: t\ntoken_header: h\n").find("token_query"),
            std::string::npos);
  EXPECT_NE(
      BuildError(&MakeZohoSource, "secret: s\ntoken_query: t\naccount_pointers: [account]\n").find("account_pointers"),
      std::string::npos);
  EXPECT_NE(
      BuildError(&MakeZohoSource, "secret: s\ntoken_query: t\nstatuses: {Closed: done}\n").find("statuses.Closed"),
      std::string::npos);
}

}  // namespace
}  // namespace slamon::bridge
