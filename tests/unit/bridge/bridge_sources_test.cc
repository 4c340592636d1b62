// Golden and signature tests of the Zendesk and Jiandaoyun webhook sources:
// every fixture of one ticket's life (and of one Zendesk organization's)
// maps to exactly the events in its `.events.jsonl` (SLAMON_UPDATE_GOLDEN=1
// rewrites them for review).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include "daemon/bridge/registry.h"
#include "tests/support/webhook_fixtures.h"

namespace slamon::bridge {
namespace {

using slamon::testing::FixtureDir;
using slamon::testing::FixtureFiles;
using slamon::testing::ReadFile;
using slamon::testing::SignedRequest;

std::unique_ptr<WebhookSource> Build(const std::string& name, const YAML::Node& section) {
  SourceFactory f = FindFactory(section["kind"].as<std::string>());
  EXPECT_NE(f, nullptr);
  auto s = BuildSource(f, name, section);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.take() : nullptr;
}

std::unique_ptr<WebhookSource> FixtureSource(const std::string& name) {
  YAML::Node all = YAML::LoadFile(FixtureDir() + "/sources.yaml");
  return Build(name, all[name]);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, EveryFixtureMapsToItsGoldenEvents) {
  const std::string vendor = GetParam();
  auto source = FixtureSource(vendor);
  ASSERT_NE(source, nullptr);
  const auto files = FixtureFiles(vendor);
  // A ticket's whole life takes eight deliveries at least; a record form's fixtures are a few records.
  ASSERT_GE(files.size(), vendor.find('-') == std::string::npos ? 8u : 3u);
  const bool update = std::getenv("SLAMON_UPDATE_GOLDEN") != nullptr;
  events::Decoder decoder;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    WebhookRequest req = SignedRequest(vendor, file);
    SourceError err{};
    ASSERT_TRUE(source->Verify(req, &err)) << err.reason;
    std::vector<MappedEvent> events;
    ASSERT_TRUE(source->Map(req, &events, &err)) << err.reason;
    std::string got;
    for (const auto& e : events) {
      got += e.json + "\n";
      // Every mapped event is valid for the daemon, and keyed by its account.
      auto decoded = decoder.Decode(e.json);
      ASSERT_TRUE(std::holds_alternative<events::Event>(decoded)) << e.json;
      EXPECT_EQ(std::get<events::Event>(decoded).account_id, e.key);
    }
    const std::string golden = file.substr(0, file.size() - 5) + ".events.jsonl";
    if (update) {
      std::ofstream(golden, std::ios::binary) << got;
    } else {
      EXPECT_EQ(got, ReadFile(golden));
    }
    // A redelivery maps to the very same events (same ids): slamon drops it.
    std::vector<MappedEvent> again;
    ASSERT_TRUE(source->Map(req, &again, &err));
    ASSERT_EQ(again.size(), events.size());
    for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].json, events[i].json);
  }
}

INSTANTIATE_TEST_SUITE_P(Vendors, GoldenTest,
                         ::testing::Values("zendesk", "jiandaoyun", "zendesk-organizations", "jiandaoyun-accounts",
                                           "jiandaoyun-orders", "jiandaoyun-followups"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

std::string FirstFixture(const std::string& vendor) { return FixtureFiles(vendor).at(0); }

TEST(BridgeZendeskTest, SignatureChecks) {
  auto source = FixtureSource("zendesk");
  const WebhookRequest good = SignedRequest("zendesk", FirstFixture("zendesk"));
  SourceError err{};
  EXPECT_TRUE(source->Verify(good, &err));

  // The vendor's documented construction, computed independently of the source.
  const std::string ts = good.Header("x-zendesk-webhook-signature-timestamp");
  EXPECT_EQ(good.Header("x-zendesk-webhook-signature"),
            Base64Encode(HmacSha256("test-zendesk-signing-secret", ts + good.body)));

  WebhookRequest wrong_secret = good;
  wrong_secret.headers["x-zendesk-webhook-signature"] = Base64Encode(HmacSha256("another-secret", ts + good.body));
  EXPECT_FALSE(source->Verify(wrong_secret, &err));
  EXPECT_EQ(err.rejection, Rejection::kBadSignature);

  WebhookRequest tampered = good;
  tampered.body[tampered.body.find("HIGH")] = 'L';
  EXPECT_FALSE(source->Verify(tampered, &err));
  EXPECT_EQ(err.reason, "signature does not match");

  WebhookRequest stale = good;
  stale.received_unix_s += 301;
  EXPECT_FALSE(source->Verify(stale, &err));
  EXPECT_NE(err.reason.find("replay window"), std::string::npos);
  stale.received_unix_s -= 2;  // 299 s after signing: still inside
  EXPECT_TRUE(source->Verify(stale, &err));

  // A replayed request with a fresh timestamp but the old signature fails.
  WebhookRequest moved = good;
  moved.headers["x-zendesk-webhook-signature-timestamp"] = "2026-11-20T09:04:00Z";
  moved.received_unix_s += 240;
  EXPECT_FALSE(source->Verify(moved, &err));

  for (const char* header : {"x-zendesk-webhook-signature", "x-zendesk-webhook-signature-timestamp"}) {
    WebhookRequest missing = good;
    missing.headers.erase(header);
    EXPECT_FALSE(source->Verify(missing, &err)) << header;
    EXPECT_EQ(err.rejection, Rejection::kBadSignature);
  }
}

TEST(BridgeJiandaoyunTest, SignatureChecks) {
  auto source = FixtureSource("jiandaoyun");
  const WebhookRequest good = SignedRequest("jiandaoyun", FirstFixture("jiandaoyun"));
  SourceError err{};
  EXPECT_TRUE(source->Verify(good, &err));
  // The vendor's documented construction: sha1("{nonce}:{payload}:{secret}:{timestamp}") in hex.
  EXPECT_EQ(good.Header("x-jdy-signature"), HexEncode(Sha1(good.query.at("nonce") + ":" + good.body +
                                                           ":test-jdy-secret:" + good.query.at("timestamp"))));

  WebhookRequest wrong_secret = good;
  wrong_secret.headers["x-jdy-signature"] =
      HexEncode(Sha1(good.query.at("nonce") + ":" + good.body + ":other:" + good.query.at("timestamp")));
  EXPECT_FALSE(source->Verify(wrong_secret, &err));
  EXPECT_EQ(err.rejection, Rejection::kBadSignature);

  WebhookRequest tampered = good;
  tampered.body[tampered.body.find("acme")] = 'A';
  EXPECT_FALSE(source->Verify(tampered, &err));

  WebhookRequest other_nonce = good;
  other_nonce.query["nonce"] = "zz";
  EXPECT_FALSE(source->Verify(other_nonce, &err));

  WebhookRequest no_header = good;
  no_header.headers.erase("x-jdy-signature");
  EXPECT_FALSE(source->Verify(no_header, &err));
  WebhookRequest no_query = good;
  no_query.query.erase("timestamp");
  EXPECT_FALSE(source->Verify(no_query, &err));
  EXPECT_EQ(err.rejection, Rejection::kBadSignature);
}

TEST(BridgeSourcesTest, BadPayloadsAreRefusedNotCrashed) {
  for (const std::string vendor : {"zendesk", "jiandaoyun"}) {
    auto source = FixtureSource(vendor);
    WebhookRequest req = SignedRequest(vendor, FirstFixture(vendor));
    std::vector<MappedEvent> events;
    SourceError err{};
    req.body = "{not json";
    EXPECT_FALSE(source->Map(req, &events, &err)) << vendor;
    EXPECT_EQ(err.rejection, Rejection::kBadPayload) << vendor;
    req.body = R"({"hello":"world"})";
    EXPECT_FALSE(source->Map(req, &events, &err)) << vendor;
    EXPECT_EQ(err.rejection, Rejection::kBadPayload) << vendor;
    EXPECT_TRUE(events.empty());
  }
  // Well-formed but unmappable: a Zendesk ticket without organization and no default account.
  auto zd = FixtureSource("zendesk");
  WebhookRequest req = SignedRequest("zendesk", FirstFixture("zendesk"));
  const std::string org = "\"organization_id\":\"8447346622462\"";
  req.body.replace(req.body.find(org), org.size(), "\"organization_id\":null");
  std::vector<MappedEvent> events;
  SourceError err{};
  EXPECT_FALSE(zd->Map(req, &events, &err));
  EXPECT_EQ(err.rejection, Rejection::kUnmappable);
  EXPECT_NE(err.reason.find("no organization"), std::string::npos);
  // An unknown Jiandaoyun status value is named in the error.
  auto jdy = FixtureSource("jiandaoyun");
  WebhookRequest j = SignedRequest("jiandaoyun", FirstFixture("jiandaoyun"));
  j.body.replace(j.body.find("待处理"), std::string("待处理").size(), "神秘");
  EXPECT_FALSE(jdy->Map(j, &events, &err));
  EXPECT_EQ(err.rejection, Rejection::kUnmappable);
  EXPECT_NE(err.reason.find("神秘"), std::string::npos);
}

TEST(BridgeSourcesTest, ConfigErrorsNameTheField) {
  auto bad = [](const std::string& yaml) {
    YAML::Node n = YAML::Load(yaml);
    auto s = BuildSource(FindFactory(n["kind"].as<std::string>()), "src", n);
    return s.ok() ? std::string("ok") : s.status().message();
  };
  EXPECT_NE(bad("{kind: zendesk}").find("secret"), std::string::npos);
  EXPECT_NE(bad("{kind: zendesk, secret: x, statuses: {Hold: paused}}").find("statuses.Hold"), std::string::npos);
  EXPECT_NE(bad("{kind: zendesk, secret: x, replay_window_seconds: 0}").find("replay_window_seconds"),
            std::string::npos);
  EXPECT_NE(bad("{kind: jiandaoyun, secret: x}").find("fields"), std::string::npos);
  EXPECT_NE(bad("{kind: jiandaoyun, secret: x, fields: {acount: _w}}").find("fields.acount"), std::string::npos);
  EXPECT_EQ(FindFactory("freshdesk"), nullptr);
  EXPECT_NE(FindFactory("jira"), nullptr);
}

// A key a kind does not have is an error at its line, never ignored: a
// misspelt `organisations:` would otherwise map every ticket to the raw id.
TEST(BridgeSourcesTest, EveryKindRejectsUnknownKeys) {
  const std::map<std::string, std::string> minimal = {
      {"zendesk", "kind: zendesk\nsecret: x\n"},
      {"jira", "kind: jira\nsecret: x\n"},
      {"jiandaoyun", "kind: jiandaoyun\nsecret: x\nfields: {account: _widget_1}\n"},
      {"zoho", "kind: zoho\nsecret: x\ntoken_query: t\n"},
      {"generic",
       "kind: generic\nsecret: x\nauth: {mode: shared_secret, query: k}\nid: /id\n"
       "events: [{type: ticket.opened}]\n"},
  };
  auto build = [](const std::string& kind, const std::string& yaml) {
    auto s = BuildSource(FindFactory(kind), "src", YAML::Load(yaml));
    return s.ok() ? std::string("ok") : s.status().message();
  };
  for (const std::string& kind : KnownKinds()) {
    ASSERT_EQ(minimal.count(kind), 1u) << "no minimal section for " << kind;
    const std::string& base = minimal.at(kind);
    EXPECT_EQ(build(kind, base), "ok") << kind;
    const std::string line = std::to_string(std::count(base.begin(), base.end(), '\n') + 1);
    EXPECT_EQ(build(kind, base + "organisations: {1: acme}\n"),
              "source.yaml:" + line + ": sources.src.organisations: unknown setting")
        << kind;
  }
  // Nested mappings too.
  EXPECT_EQ(build("jiandaoyun", "kind: jiandaoyun\nsecret: x\nfields:\n  account: _w\n  acount: _w\n"),
            "source.yaml:5: sources.src.fields.acount: unknown setting");
  EXPECT_EQ(build("generic",
                  "kind: generic\nsecret: x\nauth:\n  mode: shared_secret\n  query: k\n  headr: X\n"
                  "id: /id\nevents: [{type: ticket.opened}]\n"),
            "source.yaml:6: sources.src.auth.headr: unknown setting");
  EXPECT_NE(build("generic", std::string(minimal.at("generic")) + "fields: {ticket: /t}\n")
                .find("source.yaml:6: sources.src.fields.ticket: unknown setting (expected one of ticket_id"),
            std::string::npos);
  // Bounds and choices through the rows.
  EXPECT_EQ(build("zendesk", "kind: zendesk\nsecret: x\nreplay_window_seconds: 0\n"),
            "source.yaml:3: sources.src.replay_window_seconds: must be 1..86400 (seconds)");
  EXPECT_EQ(build("jira", "kind: jira\nsecret: x\nticket_id: number\n"),
            "source.yaml:3: sources.src.ticket_id: must be one of key, id, not \"number\"");
  EXPECT_EQ(build("zoho", "kind: zoho\nsecret: x\n"),
            "source.yaml:1: sources.src.token_header: set exactly one of token_header or token_query");
}

}  // namespace
}  // namespace slamon::bridge
