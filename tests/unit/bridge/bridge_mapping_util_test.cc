// The helpers every webhook source shares: digests against published test
// vectors, timestamp normalisation, the status-transition rule, event ids.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "daemon/bridge/mapping_util.h"

namespace slamon::bridge {
namespace {

TEST(BridgeMappingUtilTest, DigestsMatchPublishedVectors) {
  // RFC 4231 test case 2 and RFC 2202 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexEncode(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(BridgeMappingUtilTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(BridgeMappingUtilTest, NormalizesVendorTimestamps) {
  EXPECT_EQ(NormalizeTimestamp("2026-11-20T09:15:00Z"), "2026-11-20T09:15:00Z");
  EXPECT_EQ(NormalizeTimestamp("2026-11-20T09:15:00.123456789Z"), "2026-11-20T09:15:00Z");  // Zendesk
  EXPECT_EQ(NormalizeTimestamp("2026-11-20T09:15:00.000+0000"), "2026-11-20T09:15:00Z");    // Jira
  EXPECT_EQ(NormalizeTimestamp("2026-11-20T17:15:00.5+0800"), "2026-11-20T17:15:00+08:00");
  EXPECT_EQ(NormalizeTimestamp("2026-11-20T17:15:00+08:00"), "2026-11-20T17:15:00+08:00");
  EXPECT_EQ(NormalizeTimestamp("2026-11-20 17:15:00 +08"), std::nullopt);  // space before the zone
  EXPECT_EQ(NormalizeTimestamp("2026-11-20 17:15:00+08"), "2026-11-20T17:15:00+08:00");
  EXPECT_EQ(NormalizeTimestamp("1795166100000"), "2026-11-20T09:15:00Z");  // Jiandaoyun epoch ms
  EXPECT_EQ(NormalizeTimestamp("1795166100"), "2026-11-20T09:15:00Z");
  EXPECT_EQ(NormalizeJsonTimestamp(nlohmann::json(int64_t{1795166100999})), "2026-11-20T09:15:00Z");
  EXPECT_EQ(NormalizeJsonTimestamp(nlohmann::json("2026-11-20T09:15:00Z")), "2026-11-20T09:15:00Z");
  EXPECT_EQ(NormalizeJsonTimestamp(nlohmann::json(true)), std::nullopt);
  EXPECT_EQ(NormalizeTimestamp("2026-11-20T09:15:00"), std::nullopt);  // no offset: refused, not guessed
  EXPECT_EQ(NormalizeTimestamp("2026-02-30T09:15:00Z"), std::nullopt);
  EXPECT_EQ(NormalizeTimestamp("yesterday"), std::nullopt);
  EXPECT_EQ(NormalizeTimestamp(""), std::nullopt);
}

TEST(BridgeMappingUtilTest, MapsStatusesAndPriorities) {
  EXPECT_EQ(NormalizeStatus("hold"), "on_hold");
  EXPECT_EQ(NormalizeStatus("On-Hold"), "on_hold");
  EXPECT_EQ(NormalizeStatus("NEW"), "open");
  EXPECT_EQ(NormalizeStatus("Resolved"), "solved");
  EXPECT_EQ(NormalizeStatus("closed"), "closed");
  EXPECT_EQ(NormalizeStatus("Waiting on customer"), "pending");
  EXPECT_EQ(NormalizeStatus("escalated"), std::nullopt);
  EXPECT_EQ(NormalizePriority("Highest"), "urgent");
  EXPECT_EQ(NormalizePriority("medium"), "normal");
  EXPECT_EQ(NormalizePriority("Lowest"), "low");
  EXPECT_EQ(NormalizePriority("p9"), std::nullopt);
}

TEST(BridgeMappingUtilTest, StatusTransitionsResolveAndReopen) {
  using V = std::vector<std::string>;
  EXPECT_EQ(StatusTransitionTypes("open", "pending"), V{"ticket.status_changed"});
  EXPECT_EQ(StatusTransitionTypes("open", "solved"), (V{"ticket.status_changed", "ticket.resolved"}));
  EXPECT_EQ(StatusTransitionTypes("", "solved"), (V{"ticket.status_changed", "ticket.resolved"}));
  EXPECT_EQ(StatusTransitionTypes("solved", "open"), (V{"ticket.status_changed", "ticket.reopened"}));
  EXPECT_EQ(StatusTransitionTypes("solved", "on_hold"), (V{"ticket.status_changed", "ticket.reopened"}));
  EXPECT_EQ(StatusTransitionTypes("solved", "closed"), V{"ticket.status_changed"});
  EXPECT_EQ(StatusTransitionTypes("pending", "closed"), (V{"ticket.status_changed", "ticket.resolved"}));
  EXPECT_EQ(StatusTransitionTypes("", "open"), V{"ticket.status_changed"});  // a reopen is never guessed
}

TEST(BridgeMappingUtilTest, EventIdsAreDeterministicAndBounded) {
  EXPECT_EQ(DeriveEventId("zendesk", "01HXYZ", 2), "zendesk:01HXYZ:2");
  EXPECT_EQ(DeriveEventId("zendesk", "01HXYZ", 2), DeriveEventId("zendesk", "01HXYZ", 2));
  const std::string long_id = DeriveEventId("zd", std::string(400, 'x'), 0);
  EXPECT_LE(long_id.size(), 256u);
  EXPECT_EQ(long_id, DeriveEventId("zd", std::string(400, 'x'), 0));
  EXPECT_NE(long_id, DeriveEventId("zd", std::string(401, 'x'), 0));
}

TEST(BridgeMappingUtilTest, BuildsPlainEventJson) {
  MappedEvent e = EventBuilder("zd:1:0", "ticket.replied", "2026-11-20T09:15:00Z", "acme \"co\"")
                      .Set("ticket_id", "35436")
                      .Set("author", "agent")
                      .Set("public", true)
                      .Set("author", "customer")
                      .Set("score", 4)
                      .Build();
  EXPECT_EQ(e.key, "acme \"co\"");
  EXPECT_EQ(e.json,
            R"({"id":"zd:1:0","type":"ticket.replied","occurred_at":"2026-11-20T09:15:00Z","account_id":"acme \"co\"",)"
            R"("ticket_id":"35436","author":"customer","public":true,"score":4})");
}

TEST(BridgeMappingUtilTest, ParsesBodiesAndReadsFields) {
  nlohmann::json j;
  SourceError err{};
  EXPECT_FALSE(ParseJsonObject("{not json", &j, &err));
  EXPECT_EQ(err.rejection, Rejection::kBadPayload);
  EXPECT_FALSE(ParseJsonObject("[1]", &j, &err));
  ASSERT_TRUE(ParseJsonObject(R"({"a":{"b":7,"c":"x"},"n":null})", &j, &err));
  EXPECT_EQ(JsonTextAt(j, "/a/b"), "7");
  EXPECT_EQ(JsonTextAt(j, "/a/c"), "x");
  EXPECT_EQ(JsonTextAt(j, "/a/missing"), "");
  EXPECT_EQ(JsonTextAt(j, "bad pointer"), "");
  EXPECT_EQ(JsonText(j, "n"), "");
  EXPECT_EQ(JsonText(j["a"], "b"), "7");
}

// The secrets of a source section parsed alone, as "b.yaml".
StatusOr<Secrets> LoadedSecrets(const std::string& yaml) {
  const YAML::Node node = YAML::Load(yaml);
  const config::YamlReader reader(node, "b.yaml");
  return LoadSecrets(SourceSection(reader, "zd", node));
}

TEST(BridgeMappingUtilTest, LoadsSecretsWithoutNamingThem) {
  auto direct = LoadedSecrets("secret: s3cr3t");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*direct, Secrets{"s3cr3t"});
  setenv("SLAMON_TEST_BRIDGE_SECRET", "from-env", 1);
  auto env = LoadedSecrets("secret_env: SLAMON_TEST_BRIDGE_SECRET");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*env, Secrets{"from-env"});
  auto unset = LoadedSecrets("secret_env: SLAMON_TEST_BRIDGE_UNSET_VAR");
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.status().message(),
            "b.yaml:1: sources.zd.secret_env: environment variable SLAMON_TEST_BRIDGE_UNSET_VAR is not set");
  auto both = LoadedSecrets("{secret: x, secret_env: Y}");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message(),
            "b.yaml:1: sources.zd.secret_env: give one of secret, secret_env, secrets and secret_envs, not secret too");
  auto none = LoadedSecrets("kind: zendesk\n");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "b.yaml:1: sources.zd.secret: is required (give secret, secret_env, secrets or secret_envs)");
  auto empty = LoadedSecrets("kind: zendesk\nsecret: ''\n");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "b.yaml:2: sources.zd.secret: must be a non-empty string");
}

TEST(BridgeMappingUtilTest, LoadsSecretListsInTheirOrder) {
  auto list = LoadedSecrets("secrets: [new-one, old-one]");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(*list, (Secrets{"new-one", "old-one"}));
  setenv("SLAMON_TEST_BRIDGE_NEW", "env-new", 1);
  setenv("SLAMON_TEST_BRIDGE_OLD", "env-old", 1);
  auto envs = LoadedSecrets("secret_envs: [SLAMON_TEST_BRIDGE_NEW, SLAMON_TEST_BRIDGE_OLD]");
  ASSERT_TRUE(envs.ok()) << envs.status().message();
  EXPECT_EQ(*envs, (Secrets{"env-new", "env-old"}));

  auto unset =
      LoadedSecrets("kind: zendesk\nsecret_envs:\n  - SLAMON_TEST_BRIDGE_NEW\n  - SLAMON_TEST_BRIDGE_UNSET_VAR\n");
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.status().message(),
            "b.yaml:4: sources.zd.secret_envs[1]: environment variable SLAMON_TEST_BRIDGE_UNSET_VAR is not set");
  auto empty_item = LoadedSecrets("secrets:\n  - a\n  - ''\n");
  ASSERT_FALSE(empty_item.ok());
  EXPECT_EQ(empty_item.status().message(), "b.yaml:3: sources.zd.secrets[1]: must be a non-empty string");
  auto empty_list = LoadedSecrets("secrets: []");
  ASSERT_FALSE(empty_list.ok());
  EXPECT_EQ(empty_list.status().message(), "b.yaml:1: sources.zd.secrets: must be a list of 1 to 8 entries");
  auto too_many = LoadedSecrets("secrets: [a, b, c, d, e, f, g, h, i]");
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().message(), "b.yaml:1: sources.zd.secrets: must be a list of 1 to 8 entries");
  auto mixed = LoadedSecrets("secret: a\nsecrets: [b]\n");
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.status().message(),
            "b.yaml:2: sources.zd.secrets: give one of secret, secret_env, secrets and secret_envs, not secret too");
}

TEST(BridgeMappingUtilTest, MatchSecretNamesTheFirstThatVerifies) {
  const Secrets secrets = {"new", "old", "old"};
  auto upper = [](const std::string& s) {
    std::string out = s;
    for (char& c : out) c = static_cast<char>(c - 'a' + 'A');
    return out;
  };
  EXPECT_EQ(MatchSecret(secrets, "NEW", upper), std::optional<size_t>(0));
  EXPECT_EQ(MatchSecret(secrets, "OLD", upper), std::optional<size_t>(1));
  EXPECT_EQ(MatchSecret(secrets, "new", upper), std::nullopt);
  EXPECT_EQ(MatchSecret({}, "NEW", upper), std::nullopt);
}

}  // namespace
}  // namespace slamon::bridge
