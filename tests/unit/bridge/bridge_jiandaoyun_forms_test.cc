// The Jiandaoyun record forms (form: accounts, orders, followups): what a
// customer's life (created, owner changed, churned, won back) means to
// slamon, the refusals of records that cannot become events, and the
// start-up checks of each form's keys. The exact events of every fixture
// are the golden test's (bridge_sources_test.cc).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/bridge/registry.h"
#include "daemon/bridge/sources.h"
#include "tests/support/webhook_fixtures.h"

namespace slamon::bridge {
namespace {

using slamon::testing::FixtureDir;
using slamon::testing::FixtureFiles;
using slamon::testing::SignedRequest;

std::unique_ptr<WebhookSource> FormSource(const std::string& name, const std::string& extra = "") {
  YAML::Node section = YAML::Clone(YAML::LoadFile(FixtureDir() + "/sources.yaml")[name]);
  if (!extra.empty()) {
    for (const auto& entry : YAML::Load(extra)) section[entry.first.Scalar()] = entry.second;
  }
  auto s = BuildSource(&MakeJiandaoyunSource, name, section);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.take() : nullptr;
}

std::vector<nlohmann::json> MapAll(const WebhookSource& source, const WebhookRequest& request) {
  std::vector<MappedEvent> events;
  SourceError error{};
  EXPECT_TRUE(source.Map(request, &events, &error)) << error.reason;
  std::vector<nlohmann::json> out;
  for (const auto& e : events) out.push_back(nlohmann::json::parse(e.json));
  return out;
}

// The fixture `file` of `form` with the record's widget `widget` set to `value`.
WebhookRequest WithWidget(const std::string& form, size_t file, const std::string& widget,
                          const nlohmann::json& value) {
  WebhookRequest r = SignedRequest(form, FixtureFiles(form).at(file));
  nlohmann::json body = nlohmann::json::parse(r.body);
  body["data"][widget] = value;
  r.body = body.dump();
  return r;
}

SourceError MapRefused(const WebhookSource& source, const WebhookRequest& request) {
  std::vector<MappedEvent> events;
  SourceError error{Rejection::kBadPayload, ""};
  EXPECT_FALSE(source.Map(request, &events, &error));
  EXPECT_TRUE(events.empty());
  return error;
}

TEST(BridgeJiandaoyunAccounts, CustomerLifeIsUpsertChurnAndWinBack) {
  auto source = FormSource("jiandaoyun-accounts");
  ASSERT_NE(source, nullptr);
  const auto files = FixtureFiles("jiandaoyun-accounts");
  ASSERT_EQ(files.size(), 4u);
  std::vector<nlohmann::json> life;
  for (const auto& file : files) {
    auto events = MapAll(*source, SignedRequest("jiandaoyun-accounts", file));
    ASSERT_EQ(events.size(), 1u) << file;
    life.push_back(events[0]);
  }
  // Created: the whole record, the tier through `tiers`, the owner by username, the date at +08:00.
  EXPECT_EQ(life[0]["type"], "account.upserted");
  EXPECT_EQ(life[0]["tier"], "A");
  EXPECT_EQ(life[0]["owner"], "li.wei");
  EXPECT_EQ(life[0]["team"], "大客户部");
  EXPECT_EQ(life[0]["renewal_date"], "2027-03-31");
  EXPECT_EQ(life[0]["occurred_at"], "2026-11-18T02:00:00Z");
  EXPECT_EQ(life[1]["type"], "account.upserted");
  EXPECT_EQ(life[1]["owner"], "wang.fang");
  // Churned: only the churn (an upsert at the same instant would read as a win-back).
  EXPECT_EQ(life[2]["type"], "account.churned");
  EXPECT_EQ(life[2]["reason"], "价格");
  EXPECT_EQ(life[2]["occurred_at"], "2026-12-01T03:00:00Z");
  // Active again: an upsert later than the churn, which slamon counts as the win-back.
  EXPECT_EQ(life[3]["type"], "account.upserted");
  EXPECT_EQ(life[3]["tier"], "B");
  EXPECT_GT(life[3]["occurred_at"].get<std::string>(), life[2]["occurred_at"].get<std::string>());
  EXPECT_EQ(life[0]["account_id"], life[3]["account_id"]);
}

TEST(BridgeJiandaoyunAccounts, RecordsThatCannotBecomeAccountsAreRefused) {
  auto source = FormSource("jiandaoyun-accounts");
  ASSERT_NE(source, nullptr);
  const std::string tier = "_widget_1733000000003";
  SourceError e = MapRefused(*source, WithWidget("jiandaoyun-accounts", 0, tier, nullptr));
  EXPECT_EQ(e.rejection, Rejection::kUnmappable);
  EXPECT_EQ(e.reason, "field " + tier + " (tier) is empty and there is no default_tier");
  // With a default tier the same record is an account of that tier.
  auto with_default = FormSource("jiandaoyun-accounts", "{default_tier: C}");
  ASSERT_NE(with_default, nullptr);
  auto events = MapAll(*with_default, WithWidget("jiandaoyun-accounts", 0, tier, nullptr));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["tier"], "C");
  // An unlisted tier value passes as it is.
  events = MapAll(*source, WithWidget("jiandaoyun-accounts", 0, tier, "KA"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["tier"], "KA");

  e = MapRefused(*source, WithWidget("jiandaoyun-accounts", 0, "_widget_1733000000001", ""));
  EXPECT_EQ(e.reason, "field _widget_1733000000001 (account) is missing or empty");
  e = MapRefused(*source, WithWidget("jiandaoyun-accounts", 0, "_widget_1733000000008", "next spring"));
  EXPECT_NE(e.reason.find("(renewal_date) 'next spring' is not a date"), std::string::npos) << e.reason;
  e = MapRefused(*source, WithWidget("jiandaoyun-accounts", 0, "_widget_1733000000007", "lots"));
  EXPECT_NE(e.reason.find("contract_value 'lots' is not a number"), std::string::npos) << e.reason;
  // A removed record is not a churn: nothing is mapped.
  WebhookRequest removed = SignedRequest("jiandaoyun-accounts", FixtureFiles("jiandaoyun-accounts")[0]);
  removed.body = R"({"op":"data_remove","data":{"_id":"6757a1c0e4b0a1b2c3d40001"}})";
  EXPECT_TRUE(MapAll(*source, removed).empty());
}

TEST(BridgeJiandaoyunOrdersAndFollowups, BadValuesAreRefused) {
  auto orders = FormSource("jiandaoyun-orders");
  ASSERT_NE(orders, nullptr);
  SourceError e = MapRefused(*orders, WithWidget("jiandaoyun-orders", 0, "_widget_1734000000003", -5));
  EXPECT_EQ(e.reason, "field _widget_1734000000003 (amount) '-5' is not an amount >= 0");
  e = MapRefused(*orders, WithWidget("jiandaoyun-orders", 0, "_widget_1734000000004", "RMB元"));
  EXPECT_NE(e.reason.find("is not ISO 4217"), std::string::npos) << e.reason;
  // Without a currency widget value and without `currency:`, the daemon's value currency applies.
  YAML::Node section = YAML::Clone(YAML::LoadFile(FixtureDir() + "/sources.yaml")["jiandaoyun-orders"]);
  section.remove("currency");
  auto plain = BuildSource(&MakeJiandaoyunSource, "o", section);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  auto events = MapAll(**plain, SignedRequest("jiandaoyun-orders", FixtureFiles("jiandaoyun-orders")[0]));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].contains("currency"));

  auto followups = FormSource("jiandaoyun-followups");
  ASSERT_NE(followups, nullptr);
  e = MapRefused(*followups, WithWidget("jiandaoyun-followups", 0, "_widget_1735000000002", "飞鸽传书"));
  EXPECT_EQ(e.reason, "field _widget_1735000000002 (kind): unknown kind '飞鸽传书' (map it under kinds)");
  e = MapRefused(*followups, WithWidget("jiandaoyun-followups", 0, "_widget_1735000000003", "第三方"));
  EXPECT_NE(e.reason.find("unknown direction '第三方'"), std::string::npos) << e.reason;
  // slamon's own values need no table.
  events = MapAll(*followups, WithWidget("jiandaoyun-followups", 0, "_widget_1735000000002", "email"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["kind"], "email");
}

std::string BuildProblem(const std::string& yaml) {
  auto s = BuildSource(&MakeJiandaoyunSource, "src", YAML::Load(yaml));
  return s.ok() ? std::string("ok") : s.status().message();
}

TEST(BridgeJiandaoyunForms, EachFormKnowsOnlyItsOwnKeys) {
  const std::string accounts =
      "kind: jiandaoyun\nsecret: x\nform: accounts\nfields:\n  account: _w1\n  name: _w2\n  tier: _w3\n  owner: _w4\n";
  EXPECT_EQ(BuildProblem(accounts), "ok");
  // A ticket form's key is not an accounts form's, and the other way round.
  EXPECT_EQ(BuildProblem(accounts + "statuses: {已解决: solved}\n"),
            "source.yaml:9: sources.src.statuses: unknown setting");
  EXPECT_EQ(BuildProblem(accounts + "  score: _w9\n"), "source.yaml:9: sources.src.fields.score: unknown setting");
  EXPECT_EQ(BuildProblem("kind: jiandaoyun\nsecret: x\nfields: {account: _w}\nchurned_statuses: [已流失]\n"),
            "source.yaml:4: sources.src.churned_statuses: unknown setting");
  EXPECT_EQ(BuildProblem("kind: jiandaoyun\nsecret: x\nform: accounts\nfields:\n  account: _w1\n  name: _w2\n"),
            "source.yaml:5: sources.src.fields.tier: is required\n"
            "source.yaml:5: sources.src.fields.owner: is required");
  EXPECT_EQ(BuildProblem(accounts + "utc_offset: '+8'\n"),
            "source.yaml:9: sources.src.utc_offset: must be Z or ±HH:MM");
  EXPECT_EQ(BuildProblem("kind: jiandaoyun\nsecret: x\nform: contacts\nfields: {account: _w}\n"),
            "source.yaml:3: sources.src.form: must be one of tickets, accounts, orders, followups, not \"contacts\"");
  EXPECT_EQ(BuildProblem("kind: jiandaoyun\nsecret: x\nform: orders\nfields: {account: _w}\n"),
            "source.yaml:4: sources.src.fields.amount: is required");
  EXPECT_EQ(
      BuildProblem("kind: jiandaoyun\nsecret: x\nform: orders\ncurrency: yuan\nfields: {account: _w, amount: _a}\n"),
      "source.yaml:4: sources.src.currency: must be an ISO 4217 code such as CNY");
  EXPECT_NE(BuildProblem("kind: jiandaoyun\nsecret: x\nform: followups\nkinds: {电话: phone}\n"
                         "fields: {account: _w, kind: _k}\n")
                .find("sources.src.kinds.电话"),
            std::string::npos);
  EXPECT_EQ(BuildProblem("kind: jiandaoyun\nsecret: x\nform: followups\n"),
            "source.yaml:1: sources.src.fields: is required");
  // `form: tickets` is today's ticket form.
  EXPECT_EQ(BuildProblem("kind: jiandaoyun\nsecret: x\nform: tickets\nfields: {account: _w}\n"), "ok");
}

}  // namespace
}  // namespace slamon::bridge
