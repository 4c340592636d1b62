// The bridge end to end over HTTP on 127.0.0.1, with a stub in place of
// Kafka: every answer of the receiver (200, 400, 401, 404, 405, 413, 422,
// 503 + Retry-After), its metrics and readiness, and config errors.
#include <gtest/gtest.h>

#include <mutex>

#include "daemon/bridge/bridge.h"
#include "tests/support/raw_http.h"
#include "tests/support/webhook_fixtures.h"

namespace slamon::bridge {
namespace {

using namespace std::chrono_literals;
using slamon::testing::FixtureFiles;
using slamon::testing::HeaderOf;
using slamon::testing::RawConnection;
using slamon::testing::RawRequest;
using slamon::testing::SignedNow;
using slamon::testing::SignedRequest;

class StubSink : public EventSink {
 public:
  Status Deliver(const std::vector<MappedEvent>& events) override {
    std::lock_guard lock(mu);
    if (!fail.empty()) return Status::Unavailable(fail);
    delivered.insert(delivered.end(), events.begin(), events.end());
    return Status::OK();
  }
  std::string Unready() const override {
    std::lock_guard lock(mu);
    return fail;
  }
  mutable std::mutex mu;
  std::string fail;
  std::vector<MappedEvent> delivered;
};

std::string ConfigText(size_t max_body_bytes = 65536) {
  return "http: {listen: '127.0.0.1:0', max_body_bytes: " + std::to_string(max_body_bytes) +
         "}\n"
         "kafka: {brokers: '127.0.0.1:1', topic: t, retry_after_seconds: 7}\n"
         "sources:\n" +
         slamon::testing::FixtureSourcesSection();
}

struct Harness {
  explicit Harness(size_t max_body_bytes = 65536) {
    auto sink_owned = std::make_unique<StubSink>();
    sink = sink_owned.get();
    auto b = Bridge::Create(ParseBridgeConfig(ConfigText(max_body_bytes), "test.yaml"), std::move(sink_owned));
    EXPECT_TRUE(b.ok());
    bridge = b.take();
    EXPECT_TRUE(bridge->Start().ok());
  }
  RawConnection::Response Post(const std::string& path, const WebhookRequest& r) const {
    return slamon::testing::PostWebhook(bridge->port(), path, r, 10s);
  }
  StubSink* sink;
  std::unique_ptr<Bridge> bridge;
};

TEST(BridgeReceiverTest, AcceptsSignedWebhooksAndProducesTheirEvents) {
  Harness h;
  const auto zd = FixtureFiles("zendesk");
  auto res = h.Post("/webhooks/zendesk", SignedNow("zendesk", zd.at(8)));  // hold -> solved: two events
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "{\"accepted\":2}\n");
  auto jdy = h.Post("/webhooks/jiandaoyun", SignedRequest("jiandaoyun", FixtureFiles("jiandaoyun").at(0)));
  EXPECT_EQ(jdy.status, 200) << jdy.body;
  std::lock_guard lock(h.sink->mu);
  ASSERT_EQ(h.sink->delivered.size(), 4u);
  EXPECT_EQ(h.sink->delivered[1].json,
            R"({"id":"zendesk:01JD09ZENDESKEVT35436:1","type":"ticket.resolved","occurred_at":"2026-11-20T11:00:00Z",)"
            R"("account_id":"acme","ticket_id":"35436"})");
  EXPECT_EQ(h.sink->delivered[1].key, "acme");
}

TEST(BridgeReceiverTest, RejectionsGetTheirStatus) {
  Harness h;
  const std::string first = FixtureFiles("zendesk").at(0);
  EXPECT_EQ(h.Post("/webhooks/nope", SignedNow("zendesk", first)).status, 404);

  WebhookRequest bad_sig = SignedNow("zendesk", first);
  bad_sig.headers["x-zendesk-webhook-signature"] = "AAAA";
  auto unauth = h.Post("/webhooks/zendesk", bad_sig);
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(unauth.body.find("test-zendesk-signing-secret"), std::string::npos);  // never the secret

  WebhookRequest stale = SignedRequest("zendesk", first);  // signed in 2026-11-20
  stale.received_unix_s = 0;
  EXPECT_EQ(h.Post("/webhooks/zendesk", stale).status, 401);

  WebhookRequest not_json = SignedRequest("jiandaoyun", FixtureFiles("jiandaoyun").at(0));
  not_json.body = "{oops";
  not_json.headers["x-jdy-signature"] =
      HexEncode(Sha1(not_json.query["nonce"] + ":" + not_json.body + ":" + slamon::testing::kJiandaoyunSecret + ":" +
                     not_json.query["timestamp"]));
  EXPECT_EQ(h.Post("/webhooks/jiandaoyun", not_json).status, 400);

  // A CSAT score outside 1..5 passes the source but not slamon's decoder: 422.
  WebhookRequest bad_score = SignedRequest("jiandaoyun", FixtureFiles("jiandaoyun").back());
  const std::string score = "\"_widget_1732000000011\":5";
  bad_score.body.replace(bad_score.body.find(score), score.size(), "\"_widget_1732000000011\":9");
  bad_score.headers["x-jdy-signature"] =
      HexEncode(Sha1(bad_score.query["nonce"] + ":" + bad_score.body + ":" + slamon::testing::kJiandaoyunSecret + ":" +
                     bad_score.query["timestamp"]));
  auto invalid = h.Post("/webhooks/jiandaoyun", bad_score);
  EXPECT_EQ(invalid.status, 422);
  EXPECT_NE(invalid.body.find("invalid_field"), std::string::npos) << invalid.body;

  WebhookRequest huge = SignedNow("zendesk", first);
  huge.body.assign(65537, ' ');
  EXPECT_EQ(h.Post("/webhooks/zendesk", huge).status, 413);
  EXPECT_EQ(RawRequest(h.bridge->port(), "GET", "/webhooks/zendesk", 2s).status, 405);
  {
    std::lock_guard lock(h.sink->mu);
    EXPECT_TRUE(h.sink->delivered.empty());
  }

  auto metrics = RawRequest(h.bridge->port(), "GET", "/metrics", 2s).body;
  EXPECT_NE(metrics.find(R"(slamon_bridge_requests_total{outcome="bad_signature",source="zendesk"} 2)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(slamon_bridge_signature_failures_total{source="zendesk"} 2)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(slamon_bridge_requests_total{outcome="bad_payload",source="jiandaoyun"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(slamon_bridge_mapping_errors_total{source="jiandaoyun"} 1)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(slamon_bridge_requests_total{outcome="unknown_source",source=""} 1)"), std::string::npos);
}

// A webhook sender writes the whole request before it reads: a body over
// the limit (1 MiB by default) must still reach it as a 413, every time, so
// that it stops retrying instead of seeing a broken pipe.
TEST(BridgeReceiverTest, OversizedWebhookWrittenWholeGets413EveryTime) {
  Harness h(1 << 20);
  std::string failures;
  EXPECT_EQ(slamon::testing::OversizedPostsRefused(h.bridge->port(), "/webhooks/zendesk", 2 << 20, 50, &failures), 50)
      << failures;
  auto metrics = RawRequest(h.bridge->port(), "GET", "/metrics", 2s);
  EXPECT_EQ(metrics.status, 200);
  std::lock_guard lock(h.sink->mu);
  EXPECT_TRUE(h.sink->delivered.empty());
}

TEST(BridgeReceiverTest, KafkaUnavailableIs503WithRetryAfter) {
  Harness h;
  {
    std::lock_guard lock(h.sink->mu);
    h.sink->fail = "all Kafka brokers are down";
  }
  const std::string first = FixtureFiles("zendesk").at(0);
  auto res = h.Post("/webhooks/zendesk", SignedNow("zendesk", first));
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(HeaderOf(res.head, "Retry-After"), "7");
  EXPECT_EQ(RawRequest(h.bridge->port(), "GET", "/readyz", 2s).status, 503);
  {
    std::lock_guard lock(h.sink->mu);
    h.sink->fail.clear();
  }
  EXPECT_EQ(h.Post("/webhooks/zendesk", SignedNow("zendesk", first)).status, 200);
  EXPECT_EQ(RawRequest(h.bridge->port(), "GET", "/readyz", 2s).status, 200);
  EXPECT_EQ(RawRequest(h.bridge->port(), "GET", "/healthz", 2s).status, 200);
  auto metrics = RawRequest(h.bridge->port(), "GET", "/metrics", 2s).body;
  EXPECT_NE(metrics.find(R"(slamon_bridge_requests_total{outcome="kafka_unavailable",source="zendesk"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(slamon_bridge_events_produced_total{source="zendesk"} 1)"), std::string::npos);
}

TEST(BridgeReceiverTest, ConfigErrorsNameFileLineAndField) {
  auto error_of = [](const std::string& yaml) {
    try {
      ParseBridgeConfig(yaml, "b.yaml");
    } catch (const daemon::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string kafka = "kafka: {brokers: 'h:1'}\n";
  EXPECT_EQ(error_of(kafka + "sources:\n  zd: {kind: freshdesk}\n"),
            "b.yaml:3: sources.zd.kind: must be one of zendesk, jira, jiandaoyun, zoho, generic, not \"freshdesk\"");
  EXPECT_EQ(error_of(kafka + "sources:\n  zd: {kind: zendesk}\n"),
            "b.yaml:3: sources.zd.secret: is required (give secret, secret_env, secrets or secret_envs)");
  EXPECT_EQ(error_of("sources:\n  zd: {kind: zendesk, secret: x}\n"),
            "b.yaml:1: kafka: is required (brokers and topic)");
  EXPECT_NE(error_of(kafka + "sources:\n  Zen Desk: {kind: zendesk, secret: x}\n").find("[a-z0-9_-]"),
            std::string::npos);
  EXPECT_NE(error_of(kafka + "kafak: {}\nsources:\n  zd: {kind: zendesk, secret: x}\n").find("kafak"),
            std::string::npos);
  EXPECT_EQ(error_of(kafka + "sources:\n  zd: {kind: zendesk, secret: x}\n"), "no error");
  // Every section rejects a key it does not have, a source's too, and every
  // problem is reported in one run.
  EXPECT_EQ(error_of("http:\n  listen: 127.0.0.1:0\n  bogus: 1\nkafka:\n  brokers: h:1\n  topicz: t\n"
                     "log:\n  level: loud\nsources:\n  zd:\n    kind: zendesk\n    secret: x\n"
                     "    organisations: {1: acme}\n"),
            "b.yaml:3: http.bogus: unknown setting\n"
            "b.yaml:6: kafka.topicz: unknown setting\n"
            "b.yaml:8: log.level: must be one of trace, debug, info, warn, error, critical, off, not \"loud\"\n"
            "b.yaml:13: sources.zd.organisations: unknown setting");
  EXPECT_EQ(error_of(kafka + "http: {max_body_bytes: 10}\nsources:\n  zd: {kind: zendesk, secret: x}\n"),
            "b.yaml:2: http.max_body_bytes: must be 1024..67108864 (bytes)");
}

}  // namespace
}  // namespace slamon::bridge

namespace slamon::bridge {
namespace {

TEST(BridgeConfigTest, ExampleConfigLoads) {
  setenv("ZENDESK_WEBHOOK_SECRET", "example-secret", 1);
  setenv("JDY_WEBHOOK_SECRET", "example-secret", 1);
  BridgeConfig cfg = LoadBridgeConfig(std::string(SLAMON_SOURCE_DIR) + "/config/bridge.example.yaml");
  EXPECT_EQ(cfg.http.listen, "127.0.0.1:9465");
  EXPECT_EQ(cfg.max_body_bytes, 1u << 20);
  EXPECT_EQ(cfg.kafka.topic, "slamon-events");
  EXPECT_EQ(cfg.kafka.properties.at("message.timeout.ms"), "300000");
  EXPECT_EQ(cfg.sources.size(), 2u);
  EXPECT_TRUE(cfg.sources.count("zendesk") && cfg.sources.count("jiandaoyun"));
}

}  // namespace
}  // namespace slamon::bridge
