// Zendesk organization events: each event type to the account.updated (or
// account.churned) it means, tag removal, organizations the `organizations`
// table does not list, and the start-up checks of the organization keys.
#include <gtest/gtest.h>

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

constexpr const char* kConfig =
    "kind: zendesk\n"
    "secret: s\n"
    "organizations: {\"8447346622462\": acme}\n"
    "organization_tags: {tier_a: {tier: A}, tier_b: {tier: B}, vip: {team: key-accounts, calendar: cn-vip}}\n"
    "organization_fields: {\"360001234567\": owner, \"Account manager email\": owner_email, Renewal: renewal_date,\n"
    "                      Contract value: contract_value, Tier: tier}\n"
    "owners: {\"9007001\": li.wei}\n";

std::unique_ptr<WebhookSource> Zendesk(const std::string& extra = "") {
  return Build(&MakeZendeskSource, "zendesk", std::string(kConfig) + extra);
}

std::vector<nlohmann::json> MapFixture(const WebhookSource& source, const std::string& stem) {
  return MapOk(source, Request(Fixture("zendesk-organizations/organization-events_" + stem + ".json")));
}

// An organization event as Zendesk sends it, with `event` and organization `org`.
std::string OrgEvent(const std::string& kind, const std::string& event, const std::string& org = "8447346622462") {
  return R"({"type":"zen:event-type:organization.)" + kind + R"(","account_id":1,"subject":"zen:organization:)" + org +
         R"(","id":"evt-1","time":"2026-11-20T09:00:00Z","zendesk_event_version":"2022-06-20","detail":{"id":")" + org +
         R"(","name":"Acme"},"event":)" + event + "}";
}

std::string Field(const std::string& id, const std::string& title, const std::string& current) {
  return R"({"current":)" + current + R"(,"custom_field":{"id":")" + id + R"(","title":")" + title +
         R"(","type":"text"},"previous":null})";
}

TEST(BridgeZendeskOrganizations, CreatedAndRenamedSetTheName) {
  auto zd = Zendesk();
  ExpectEvents(MapFixture(*zd, "01_created"),
               {R"({"id":"zendesk:5f0c7a1e-0000-4000-8000-000000000001:0","type":"account.updated",
                    "occurred_at":"2026-11-18T08:00:00Z","account_id":"acme","name":"Acme Corp"})"});
  ExpectEvents(MapFixture(*zd, "07_name_changed"),
               {R"({"id":"zendesk:5f0c7a1e-0000-4000-8000-000000000007:0","type":"account.updated",
                    "occurred_at":"2026-11-19T10:00:00Z","account_id":"acme","name":"Acme Corporation"})"});
}

TEST(BridgeZendeskOrganizations, AddedTagsSetTheirFieldsAndOthersAreIgnored) {
  auto zd = Zendesk();
  ExpectEvents(MapFixture(*zd, "02_tags_changed_tier_a_vip"),  // `enterprise` is not configured
               {R"({"id":"zendesk:5f0c7a1e-0000-4000-8000-000000000002:0","type":"account.updated",
                    "occurred_at":"2026-11-18T08:00:05Z","account_id":"acme","calendar":"cn-vip","team":"key-accounts",
                    "tier":"A"})"});
  EXPECT_TRUE(
      MapOk(*zd, Request(OrgEvent("tags_changed", R"({"added":{"tags":["beta"]},"removed":{"tags":[]}})"))).empty());
}

TEST(BridgeZendeskOrganizations, RemovedTagsClearTheirFieldsUnlessAnAddedTagSetsThem) {
  auto zd = Zendesk();
  // tier_a -> tier_b in one change: the new tier, not `unknown`.
  auto moved = MapFixture(*zd, "08_tags_changed_tier_a_to_tier_b");
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0]["tier"], "B");
  // vip removed: its team and calendar are cleared.
  auto vip = MapFixture(*zd, "09_tags_changed_vip_removed");
  ASSERT_EQ(vip.size(), 1u);
  EXPECT_EQ(vip[0]["team"], "");
  EXPECT_EQ(vip[0]["calendar"], "");
  EXPECT_FALSE(vip[0].contains("tier"));
  // The tier tag removed alone: no tier any more, which slamon calls `unknown`.
  auto untiered =
      MapOk(*zd, Request(OrgEvent("tags_changed", R"({"added":{"tags":[]},"removed":{"tags":["tier_b"]}})")));
  ASSERT_EQ(untiered.size(), 1u);
  EXPECT_EQ(untiered[0]["tier"], "unknown");
  EXPECT_EQ(MapFails(*zd, Request(OrgEvent("tags_changed", R"({"added":{"tags":"tier_a"}})"))).rejection,
            Rejection::kUnmappable);
}

TEST(BridgeZendeskOrganizations, CustomFieldsByIdOrTitleWithOwnersLookedUp) {
  auto zd = Zendesk();
  EXPECT_EQ(MapFixture(*zd, "03_custom_field_changed_account_manager")[0]["owner"], "li.wei");
  EXPECT_EQ(MapFixture(*zd, "04_custom_field_changed_manager_email")[0]["owner_email"], "li.wei@example.com");
  EXPECT_EQ(MapFixture(*zd, "05_custom_field_changed_renewal")[0]["renewal_date"], "2027-03-31");
  EXPECT_EQ(MapFixture(*zd, "06_custom_field_changed_contract_value")[0]["contract_value"], 120000.5);
  EXPECT_TRUE(MapFixture(*zd, "10_custom_field_changed_unmapped_field").empty());
  EXPECT_EQ(MapFixture(*zd, "11_custom_field_changed_account_manager_cleared")[0]["owner"], "");
  // A user the owners table does not list is the owner by its Zendesk id.
  EXPECT_EQ(MapOk(*zd, Request(OrgEvent("custom_field_changed",
                                        Field("360001234567", "Account manager", R"({"id":"9007002"})"))))[0]["owner"],
            "9007002");
  // A date with a time keeps the date; an emptied tier is no tier; an emptied number keeps the last one.
  EXPECT_EQ(MapOk(*zd, Request(OrgEvent("custom_field_changed",
                                        Field("1", "Renewal", R"("2027-06-30T00:00:00+00:00")"))))[0]["renewal_date"],
            "2027-06-30");
  EXPECT_EQ(MapOk(*zd, Request(OrgEvent("custom_field_changed", Field("2", "Tier", "null"))))[0]["tier"], "unknown");
  EXPECT_TRUE(MapOk(*zd, Request(OrgEvent("custom_field_changed", Field("3", "Contract value", "null")))).empty());
  // Values that cannot become an account field are refused, not guessed.
  EXPECT_NE(MapFails(*zd, Request(OrgEvent("custom_field_changed", Field("3", "Contract value", R"("lots")"))))
                .reason.find("contract_value"),
            std::string::npos);
  EXPECT_NE(MapFails(*zd, Request(OrgEvent("custom_field_changed", Field("2", "Tier", R"(["a","b"])"))))
                .reason.find("list of values"),
            std::string::npos);
}

TEST(BridgeZendeskOrganizations, AnUnlistedOrganizationIsItsOwnAccount) {
  auto zd = Zendesk();
  ExpectEvents(MapFixture(*zd, "13_created_unlisted_organization"),
               {R"({"id":"zendesk:5f0c7a1e-0000-4000-8000-000000000013:0","type":"account.updated",
                    "occurred_at":"2026-11-22T11:00:00Z","account_id":"9100000000001","name":"Globex"})"});
}

TEST(BridgeZendeskOrganizations, DeletedIsIgnoredUnlessChurnIsConfigured) {
  EXPECT_TRUE(MapFixture(*Zendesk(), "14_deleted").empty());
  EXPECT_TRUE(MapFixture(*Zendesk("on_organization_deleted: ignore\n"), "14_deleted").empty());
  ExpectEvents(MapFixture(*Zendesk("on_organization_deleted: churn\n"), "14_deleted"),
               {R"({"id":"zendesk:5f0c7a1e-0000-4000-8000-000000000014:0","type":"account.churned",
                    "occurred_at":"2026-11-23T12:00:00Z","account_id":"acme","reason":"organization_deleted"})"});
}

TEST(BridgeZendeskOrganizations, OtherOrganizationEventsAndBadShapes) {
  auto zd = Zendesk();
  EXPECT_TRUE(MapFixture(*zd, "12_external_id_changed").empty());
  const std::string no_id =
      R"({"type":"zen:event-type:organization.created","id":"e","time":"2026-11-20T09:00:00Z","detail":{}})";
  EXPECT_EQ(MapFails(*zd, Request(no_id)).rejection, Rejection::kUnmappable);
  EXPECT_EQ(MapFails(*zd, Request(OrgEvent("custom_field_changed", "{}"))).rejection, Rejection::kUnmappable);
}

// Every problem of the organization keys is a start-up error at its line.
TEST(BridgeZendeskOrganizations, ConfigProblemsNameTheKeyAndLine) {
  auto bad = [](const std::string& lines) {
    return BuildError(&MakeZendeskSource, "kind: zendesk\nsecret: s\n" + lines);
  };
  EXPECT_EQ(bad("organization_fields: {\"1\": tiers}\n"),
            "source.yaml:3: sources.src.organization_fields.1: \"tiers\" is not one of name, tier, owner, "
            "owner_email, team, calendar, contract_value, renewal_date");
  EXPECT_EQ(bad("organization_tags:\n  tier_a: {tire: A}\n"),
            "source.yaml:4: sources.src.organization_tags.tier_a.tire: a tag sets one of tier, owner, owner_email, "
            "team, calendar, not \"tire\"");
  EXPECT_EQ(bad("organization_tags:\n  tier_a: {tier: other}\n"),
            "source.yaml:4: sources.src.organization_tags.tier_a.tier: tier \"other\" is reserved (`unknown` is no "
            "tier, `other` the label overflow)");
  EXPECT_EQ(bad("organization_tags:\n  tier_a: {tier: ''}\n"),
            "source.yaml:4: sources.src.organization_tags.tier_a.tier: must not be empty");
  EXPECT_EQ(bad("organization_tags:\n  Tier A: {tier: A}\n"),
            "source.yaml:4: sources.src.organization_tags.Tier A: Zendesk tags are lower case without blanks");
  EXPECT_EQ(bad("organization_tags:\n  vip: {}\n"),
            "source.yaml:4: sources.src.organization_tags.vip: must map account fields to values ({tier: A})");
  EXPECT_EQ(bad("organization_tags: [tier_a]\n"),
            "source.yaml:3: sources.src.organization_tags: must be a mapping of tag to account fields");
  EXPECT_EQ(bad("organization_tags:\n  vip: {owner_email: li.wei}\n"),
            "source.yaml:4: sources.src.organization_tags.vip.owner_email: is not an e-mail address");
  EXPECT_EQ(bad("organization_fields: {\"1\": owner}\nowners: {li: li.wei}\n"),
            "source.yaml:4: sources.src.owners.li: \"li\" is not a Zendesk user id (digits)");
  EXPECT_EQ(bad("owners: {\"9007001\": li.wei}\n"),
            "source.yaml:3: sources.src.owners: no organization_fields entry maps to owner, so no user id is ever "
            "looked up");
  EXPECT_EQ(bad("on_organization_deleted: delete\n"),
            "source.yaml:3: sources.src.on_organization_deleted: must be one of ignore, churn, not \"delete\"");
  EXPECT_EQ(bad("organisation_tags: {}\n"), "source.yaml:3: sources.src.organisation_tags: unknown setting");
}

}  // namespace
}  // namespace slamon::bridge
