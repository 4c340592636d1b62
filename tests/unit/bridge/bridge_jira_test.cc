// The Jira Cloud / Jira Service Management source: fixture → exact events,
// the role and visibility rules, status and priority mapping through config,
// and the X-Hub-Signature check.
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

constexpr const char* kConfig = "secret: jira-s3cret\n";

std::unique_ptr<WebhookSource> Jira(const std::string& extra = "") {
  return Build(&MakeJiraSource, "jira", std::string(kConfig) + extra);
}

std::vector<nlohmann::json> MapFixture(const WebhookSource& source, const std::string& file) {
  return MapOk(source, Request(Fixture("jira/" + file)));
}

TEST(BridgeJira, IssueCreatedOpensTheTicketWithTheOrganizationAsAccount) {
  auto jira = Jira();
  ExpectEvents(MapFixture(*jira, "webhooks_issue_created.json"),
               {R"({"id":"jira:issue-10017-created:0","type":"ticket.opened","occurred_at":"2026-11-20T09:15:00+08:00",
                    "account_id":"acme","ticket_id":"SUP-17","priority":"high"})"});
}

TEST(BridgeJira, ChannelAndTicketIdByIssueIdFromConfig) {
  auto jira = Jira("ticket_id: id\nchannel: portal\n");
  ExpectEvents(MapFixture(*jira, "webhooks_issue_created.json"),
               {R"({"id":"jira:issue-10017-created:0","type":"ticket.opened","occurred_at":"2026-11-20T09:15:00+08:00",
                    "account_id":"acme","ticket_id":"10017","priority":"high","channel":"portal"})"});
}

TEST(BridgeJira, InternalCommentIsIgnored) {
  auto jira = Jira();
  EXPECT_TRUE(MapFixture(*jira, "webhooks_comment_created_internal.json").empty());
}

TEST(BridgeJira, PublicAgentCommentOnIssueUpdatedIsAnAgentReply) {
  auto jira = Jira();
  ExpectEvents(MapFixture(*jira, "webhooks_issue_updated_commented_public_agent.json"),
               {R"({"id":"jira:comment-10101:0","type":"ticket.replied","occurred_at":"2026-11-20T09:35:00+08:00",
                    "account_id":"acme","ticket_id":"SUP-17","author":"agent","public":true})"});
}

TEST(BridgeJira, CustomerCommentNeedsAnAccountWhichCommentWebhooksDoNotCarry) {
  // comment_created carries only a few issue fields: without the organization
  // field the account comes from default_account, else the request is unmappable.
  auto without = Jira();
  const SourceError error = MapFails(*without, Request(Fixture("jira/webhooks_comment_created_customer.json")));
  EXPECT_EQ(error.rejection, Rejection::kUnmappable);
  EXPECT_NE(error.reason.find("customfield_10002"), std::string::npos) << error.reason;

  auto with = Jira("default_account: acme\n");
  ExpectEvents(MapFixture(*with, "webhooks_comment_created_customer.json"),
               {R"({"id":"jira:comment-10102:0","type":"ticket.replied","occurred_at":"2026-11-20T10:00:00+08:00",
                    "account_id":"acme","ticket_id":"SUP-17","author":"customer","public":true})"});
}

TEST(BridgeJira, ReporterCommentingIsTheCustomerEvenWithAnAtlassianAccount) {
  std::string body = Fixture("jira/webhooks_issue_updated_commented_public_agent.json");
  nlohmann::json j = nlohmann::json::parse(body);
  j["issue"]["fields"]["reporter"]["accountId"] = "5b10ac8d82e05b22cc7d4ef5";  // the commenter
  auto jira = Jira();
  auto events = MapOk(*jira, Request(j.dump()));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["author"], "customer");

  auto off = Jira("reporter_is_customer: false\n");
  events = MapOk(*off, Request(j.dump()));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["author"], "agent");
}

TEST(BridgeJira, AppCommentsAreIgnoredByDefaultAndMappableByConfig) {
  nlohmann::json j = nlohmann::json::parse(Fixture("jira/webhooks_issue_updated_commented_public_agent.json"));
  j["comment"]["author"]["accountType"] = "app";
  auto jira = Jira();
  EXPECT_TRUE(MapOk(*jira, Request(j.dump())).empty());
  auto agent = Jira("roles: {app: agent}\n");
  auto events = MapOk(*agent, Request(j.dump()));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["author"], "agent");
}

TEST(BridgeJira, PriorityChangeThroughTheFiveLevelMap) {
  auto jira = Jira();
  ExpectEvents(MapFixture(*jira, "webhooks_issue_updated_priority.json"),
               {R"({"id":"jira:changelog-20031:0","type":"ticket.priority_changed","occurred_at":"2026-11-20T02:10:00Z",
                    "account_id":"acme","ticket_id":"SUP-17","priority":"urgent"})"});
  auto custom = Jira("priorities: {Highest: high}\n");
  auto events = MapFixture(*custom, "webhooks_issue_updated_priority.json");
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["priority"], "high");
}

TEST(BridgeJira, ResolvedTransitionResolvesOnceEvenWithTheResolutionField) {
  auto jira = Jira();
  ExpectEvents(MapFixture(*jira, "webhooks_issue_updated_status_resolved.json"),
               {R"({"id":"jira:changelog-20032:0","type":"ticket.resolved","occurred_at":"2026-11-20T03:00:00Z",
           "account_id":"acme","ticket_id":"SUP-17"})",
                R"({"id":"jira:changelog-20032:1","type":"ticket.status_changed","occurred_at":"2026-11-20T03:00:00Z",
           "account_id":"acme","ticket_id":"SUP-17","status":"solved"})"});
}

TEST(BridgeJira, LeavingResolvedReopens) {
  auto jira = Jira();
  ExpectEvents(MapFixture(*jira, "webhooks_issue_updated_reopened.json"),
               {R"({"id":"jira:changelog-20033:0","type":"ticket.status_changed","occurred_at":"2026-11-20T05:00:00Z",
           "account_id":"acme","ticket_id":"SUP-17","status":"open"})",
                R"({"id":"jira:changelog-20033:1","type":"ticket.reopened","occurred_at":"2026-11-20T05:00:00Z",
           "account_id":"acme","ticket_id":"SUP-17"})"});
}

TEST(BridgeJira, WorkflowStatusNamesMapThroughConfig) {
  nlohmann::json j = nlohmann::json::parse(Fixture("jira/webhooks_issue_updated_reopened.json"));
  j["changelog"]["items"][0]["toString"] = "Awaiting vendor";
  j["issue"]["fields"]["status"] = {{"name", "Awaiting vendor"}};  // no category to fall back on
  j["changelog"]["items"].erase(1);
  auto jira = Jira();
  const SourceError error = MapFails(*jira, Request(j.dump()));
  EXPECT_EQ(error.rejection, Rejection::kUnmappable);
  EXPECT_NE(error.reason.find("Awaiting vendor"), std::string::npos);

  auto custom = Jira("statuses: {\"Awaiting vendor\": on_hold}\n");
  auto events = MapOk(*custom, Request(j.dump()));
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0]["status"], "on_hold");
  EXPECT_EQ(events[1]["type"], "ticket.reopened");  // from solved to a waiting state
}

TEST(BridgeJira, UnknownStatusFallsBackToTheIssueStatusCategory) {
  nlohmann::json j = nlohmann::json::parse(Fixture("jira/webhooks_issue_updated_status_resolved.json"));
  j["changelog"]["items"][1]["toString"] = "Shipped";
  j["issue"]["fields"]["status"]["name"] = "Shipped";
  auto jira = Jira();
  auto events = MapOk(*jira, Request(j.dump()));
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[1]["status"], "solved");
}

TEST(BridgeJira, OtherWebhookEventsMapToNothing) {
  auto jira = Jira();
  EXPECT_TRUE(MapOk(*jira, Request(R"({"webhookEvent":"sprint_started","sprint":{"id":1}})")).empty());
  EXPECT_TRUE(MapOk(*jira, Request(R"({"webhookEvent":"jira:issue_updated","issue":{"id":"1","key":"A-1",
      "fields":{"customfield_10002":[{"name":"acme"}]}},"changelog":{"id":"5","items":[{"field":"summary"}]}})"))
                  .empty());
}

TEST(BridgeJira, MalformedPayloadsAreRejectedWithTheRightReason) {
  auto jira = Jira();
  EXPECT_EQ(MapFails(*jira, Request("{")).rejection, Rejection::kBadPayload);
  EXPECT_EQ(MapFails(*jira, Request(R"({"issue":{}})")).rejection, Rejection::kBadPayload);
  EXPECT_EQ(MapFails(*jira, Request(R"({"webhookEvent":"jira:issue_created","issue":"x"})")).rejection,
            Rejection::kBadPayload);
  nlohmann::json j = nlohmann::json::parse(Fixture("jira/webhooks_issue_created.json"));
  j["issue"]["fields"]["created"] = "yesterday";
  j["issue"]["fields"].erase("updated");
  j.erase("timestamp");
  EXPECT_EQ(MapFails(*jira, Request(j.dump())).rejection, Rejection::kUnmappable);
  j = nlohmann::json::parse(Fixture("jira/webhooks_issue_created.json"));
  j["issue"]["fields"]["priority"]["name"] = "P0";
  EXPECT_EQ(MapFails(*jira, Request(j.dump())).rejection, Rejection::kUnmappable);
}

TEST(BridgeJira, RedeliveryMapsToTheSameIds) {
  auto jira = Jira();
  const std::string body = Fixture("jira/webhooks_issue_updated_status_resolved.json");
  EXPECT_EQ(MapOk(*jira, Request(body, {{"x-atlassian-webhook-identifier", "a"}})),
            MapOk(*jira, Request(body, {{"x-atlassian-webhook-identifier", "b"}})));
}

// ---- signature ------------------------------------------------------------

std::string Sign(const std::string& secret, const std::string& body) {
  return "sha256=" + HexEncode(HmacSha256(secret, body));
}

TEST(BridgeJiraSignature, ValidSignatureVerifies) {
  auto jira = Jira();
  const std::string body = Fixture("jira/webhooks_issue_created.json");
  EXPECT_TRUE(testing::Verifies(*jira, Request(body, {{"x-hub-signature", Sign("jira-s3cret", body)}})));
}

TEST(BridgeJiraSignature, WrongSecretTamperedBodyMissingHeaderAndOtherMethodFail) {
  auto jira = Jira();
  const std::string body = Fixture("jira/webhooks_issue_created.json");
  testing::VerifyFails(*jira, Request(body, {{"x-hub-signature", Sign("other-secret", body)}}));
  std::string tampered = body;
  tampered.replace(tampered.find("High"), 4, "Low ");
  testing::VerifyFails(*jira, Request(tampered, {{"x-hub-signature", Sign("jira-s3cret", body)}}));
  const SourceError missing = testing::VerifyFails(*jira, Request(body));
  EXPECT_NE(missing.reason.find("x-hub-signature"), std::string::npos);
  const std::string sha1 = "sha1=" + HexEncode(HmacSha1("jira-s3cret", body));
  testing::VerifyFails(*jira, Request(body, {{"x-hub-signature", sha1}}));
  const SourceError wrong = testing::VerifyFails(*jira, Request(body, {{"x-hub-signature", Sign("x", body)}}));
  EXPECT_EQ(wrong.reason.find("jira-s3cret"), std::string::npos) << "never the secret";
}

TEST(BridgeJiraConfig, ErrorsNameTheField) {
  EXPECT_NE(BuildError(&MakeJiraSource, "ticket_id: id\n").find("secret"), std::string::npos);
  EXPECT_NE(BuildError(&MakeJiraSource, "secret: s\nstatuses: {Done: finished}\n").find("statuses.Done"),
            std::string::npos);
  EXPECT_NE(BuildError(&MakeJiraSource, "secret: s\npriorities: {P1: critical}\n").find("priorities.P1"),
            std::string::npos);
  EXPECT_NE(BuildError(&MakeJiraSource, "secret: s\nticket_id: number\n").find("ticket_id"), std::string::npos);
  EXPECT_NE(BuildError(&MakeJiraSource, "secret: s\nroles: {app: robot}\n").find("roles.app"), std::string::npos);
}

}  // namespace
}  // namespace slamon::bridge
