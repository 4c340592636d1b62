// Secrets rotated without a restart: a source with several secrets accepts a
// webhook signed with any of them and counts which one matched; the bridge
// reloads its config (POST /-/reload, Bridge::Reload as SIGHUP does) and
// serves the new sources, secrets and mappings at once, reports the settings
// that need a restart, and keeps serving the old config when the new one is
// invalid. Over HTTP on 127.0.0.1 with a stub in place of Kafka.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <mutex>

#include "daemon/bridge/bridge.h"
#include "events/common/logging.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"
#include "tests/support/webhook_fixtures.h"

namespace slamon::bridge {
namespace {

using namespace std::chrono_literals;
using slamon::testing::FixtureFiles;
using slamon::testing::RawConnection;
using slamon::testing::TempDir;

class StubSink : public EventSink {
 public:
  Status Deliver(const std::vector<MappedEvent>& events) override {
    std::lock_guard lock(mu);
    delivered += events.size();
    return Status::OK();
  }
  std::string Unready() const override { return ""; }
  std::mutex mu;
  size_t delivered = 0;
};

// A bridge config with Zendesk source `name` verifying with `secret_lines`
// ("secret: x" or "secrets: [a, b]").
std::string Config(const std::string& secret_lines, const std::string& name = "zd",
                   const std::string& brokers = "127.0.0.1:1") {
  return "http: {listen: '127.0.0.1:0'}\n"
         "kafka: {brokers: '" +
         brokers +
         "', topic: t}\n"
         "sources:\n"
         "  " +
         name +
         ":\n"
         "    kind: zendesk\n"
         "    " +
         secret_lines +
         "\n"
         "    organizations: {\"8447346622462\": acme}\n";
}

// The first Zendesk fixture, signed now with `secret`.
WebhookRequest SignedWith(const std::string& secret) {
  WebhookRequest r;
  r.body = slamon::testing::ReadFile(FixtureFiles("zendesk").at(0));
  const std::string ts = events::FormatRfc3339(std::time(nullptr));
  r.headers["x-zendesk-webhook-signature-timestamp"] = ts;
  r.headers["x-zendesk-webhook-signature"] = Base64Encode(HmacSha256(secret, ts + r.body));
  return r;
}

class BridgeReloadTest : public ::testing::Test {
 protected:
  void Start(const std::string& text) {
    Write(text);
    auto made = Bridge::Create(LoadBridgeConfig(file_), std::make_unique<StubSink>());
    ASSERT_TRUE(made.ok()) << made.status().message();
    bridge_ = made.take();
    ASSERT_TRUE(bridge_->Start().ok());
  }
  void Write(const std::string& text) { std::ofstream(file_, std::ios::trunc) << text; }

  int Post(const std::string& source, const WebhookRequest& r) const {
    return slamon::testing::PostWebhook(bridge_->port(), "/webhooks/" + source, r, 10s).status;
  }
  RawConnection::Response Request(const std::string& method, const std::string& path) const {
    RawConnection c(bridge_->port());
    EXPECT_TRUE(c.Send(method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
    return c.Read(10s);
  }
  std::string Metrics() const { return Request("GET", "/metrics").body; }

  TempDir dir_;
  std::string file_ = dir_.Sub("bridge.yaml");
  std::unique_ptr<Bridge> bridge_;
};

TEST_F(BridgeReloadTest, AnyOfSeveralSecretsVerifiesAndTheMatchIsCounted) {
  Start(Config("secrets: [new-secret, old-secret]"));
  EXPECT_EQ(Post("zd", SignedWith("new-secret")), 200);
  EXPECT_EQ(Post("zd", SignedWith("old-secret")), 200);
  EXPECT_EQ(Post("zd", SignedWith("old-secret")), 200);
  EXPECT_EQ(Post("zd", SignedWith("another")), 401);
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("slamon_bridge_signature_matches_total{secret=\"0\",source=\"zd\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("slamon_bridge_signature_matches_total{secret=\"1\",source=\"zd\"} 2"), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("new-secret"), std::string::npos) << "never the secret itself";
  EXPECT_NE(metrics.find("slamon_bridge_signature_failures_total{source=\"zd\"} 1"), std::string::npos) << metrics;
}

TEST_F(BridgeReloadTest, APostedReloadRotatesTheSecretWithoutARestart) {
  Start(Config("secret: old-secret"));
  EXPECT_EQ(Post("zd", SignedWith("old-secret")), 200);
  EXPECT_EQ(Post("zd", SignedWith("new-secret")), 401);

  // Step 1 of a rotation: both secrets.
  Write(Config("secrets: [new-secret, old-secret]"));
  auto res = Request("POST", "/-/reload");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "{\"status\":\"success\",\"applied\":[\"sources\"],\"restart_required\":[]}\n");
  EXPECT_EQ(Post("zd", SignedWith("new-secret")), 200);
  EXPECT_EQ(Post("zd", SignedWith("old-secret")), 200);
  // Step 2, once the old one no longer matches: the new one alone.
  Write(Config("secret: new-secret"));
  EXPECT_TRUE(bridge_->Reload().ok);  // what SIGHUP does
  EXPECT_EQ(Post("zd", SignedWith("new-secret")), 200);
  EXPECT_EQ(Post("zd", SignedWith("old-secret")), 401);

  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("slamon_bridge_config_reloads_total{result=\"success\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("slamon_bridge_config_last_reload_successful 1"), std::string::npos) << metrics;
  EXPECT_EQ(Request("GET", "/-/reload").status, 405);
}

TEST_F(BridgeReloadTest, AnInvalidConfigIsRefusedAndTheOldOneKeepsServing) {
  Start(Config("secret: old-secret"));
  Write(Config("secret_envs: [SLAMON_TEST_BRIDGE_RELOAD_UNSET]"));
  auto res = Request("POST", "/-/reload");
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.body, "{\"status\":\"error\",\"error\":\"" + file_ +
                          ":6: sources.zd.secret_envs[0]: environment variable SLAMON_TEST_BRIDGE_RELOAD_UNSET is "
                          "not set\"}\n");
  Write("sources: {zd: {kind: zendesk, secrets: []}}\nkafka: {brokers: x}\n");
  const BridgeReloadResult bad = bridge_->Reload();
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find(file_ + ":1: sources.zd.secrets: needs at least 1 secret"), std::string::npos) << bad.error;
  EXPECT_EQ(Post("zd", SignedWith("old-secret")), 200) << "the running config still serves";
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("slamon_bridge_config_reloads_total{result=\"failure\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("slamon_bridge_config_last_reload_successful 0"), std::string::npos) << metrics;
}

TEST_F(BridgeReloadTest, SourcesComeAndGoWhileListenAndKafkaWaitForARestart) {
  Start(Config("secret: s1"));
  Write(Config("secret: s2", "zendesk-eu", "127.0.0.1:2") + "log: {level: warn}\n");
  const BridgeReloadResult r = bridge_->Reload();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.applied, (std::vector<std::string>{"sources", "log.level"}));
  EXPECT_EQ(r.restart_required, std::vector<std::string>{"kafka.brokers"});
  EXPECT_EQ(Post("zendesk-eu", SignedWith("s2")), 200);
  EXPECT_EQ(Post("zd", SignedWith("s1")), 404) << "a removed source is gone";
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("slamon_bridge_config_restart_required 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("slamon_bridge_signature_matches_total{secret=\"0\",source=\"zendesk-eu\"} 1"),
            std::string::npos)
      << metrics;
  SetLogLevel("info");

  // Editing the broker back clears the need to restart.
  Write(Config("secret: s2", "zendesk-eu"));
  const BridgeReloadResult back = bridge_->Reload();
  ASSERT_TRUE(back.ok) << back.error;
  EXPECT_TRUE(back.restart_required.empty());
  EXPECT_EQ(back.applied, std::vector<std::string>{"log.level"});
}

}  // namespace
}  // namespace slamon::bridge
