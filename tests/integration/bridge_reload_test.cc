// `slamon bridge` rotates without a restart, against a real broker: served
// over HTTPS (a web config with TLS and a bcrypt user), a Zendesk source's
// signing secret is replaced in two steps (both secrets, then the new one)
// with SIGHUP and POST /-/reload, and the matches are counted per secret; an
// invalid file is refused with its FILE:LINE and the old config keeps
// serving; a changed broker list is reported as needing a restart; renewed
// certificate files are served to new connections, and POST /-/reload, like
// /metrics, needs the user while webhooks need only their signatures.
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "daemon/bridge/mapping_util.h"
#include "events/codec.h"
#include "tests/support/files.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/test_certs.h"
#include "tests/support/webhook_fixtures.h"

namespace slamon::testing {
namespace {

using namespace std::chrono_literals;

// `htpasswd -nbBC 4 prometheus scrape-me`.
constexpr const char* kHash = "$2y$04$t2M6p.38MCJS/YJGZ1WDaueCqrVH5pVH1QhnLD4BbhSFboKfOi0Em";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

template <typename Pred>
bool WaitUntil(std::chrono::milliseconds limit, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

class BridgeReloadIntegrationTest : public BrokerTest {
 protected:
  BridgeReloadIntegrationTest() : BrokerTest("bridge-reload", 1) {}

  void SetUp() override {
    BrokerTest::SetUp();
    a_ = MakeTestCerts(dir_.path());
    ASSERT_TRUE(a_.error.empty()) << a_.error;
    std::filesystem::create_directories(dir_.Sub("b"));
    b_ = MakeTestCerts(dir_.Sub("b"));
    ASSERT_TRUE(b_.error.empty()) << b_.error;
    WriteFile(dir_.Sub("web.yml"), std::string("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                                               "basic_auth_users:\n  prometheus: ") +
                                       kHash + "\n");
  }

  std::string Config(const std::string& secret_lines, const std::string& brokers = "") const {
    return "http:\n  listen: 127.0.0.1:0\n  web_config_file: " + dir_.Sub("web.yml") + "\nkafka:\n  brokers: \"" +
           (brokers.empty() ? brokers_ : brokers) + "\"\n  topic: " + topic_ +
           "\nsources:\n  zd:\n    kind: zendesk\n    " + secret_lines +
           "\n    organizations: {\"8447346622462\": acme}\n";
  }

  // Starts the bridge and reads its port from its log.
  void Start(const std::string& config) {
    WriteFile(dir_.Sub("bridge.yaml"), config);
    bridge_ = std::make_unique<Process>(
        std::vector<std::string>{SLAMON_BINARY, "bridge", "--config", dir_.Sub("bridge.yaml")}, Log());
    const std::regex listening("bridge listening on port ([0-9]+)");
    ASSERT_TRUE(WaitUntil(30s, [&] {
      std::smatch m;
      const std::string log = ReadFile(Log());
      if (!std::regex_search(log, m, listening)) return !bridge_->Running();
      port_ = std::stoi(m[1]);
      return true;
    }));
    ASSERT_GT(port_, 0) << Tail(Log());
  }

  std::string Log() const { return dir_.Sub("bridge.log"); }

  std::unique_ptr<httplib::SSLClient> Client(const std::string& ca, bool with_user) const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    c->set_ca_cert_path(ca.c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(15, 0);
    if (with_user) c->set_basic_auth("prometheus", "scrape-me");
    return c;
  }

  // POSTs the first Zendesk fixture signed now with `secret`; the status, -1 when no answer.
  int PostSigned(const std::string& secret) const {
    const std::string body = ReadFile(FixtureFiles("zendesk").at(0));
    const std::string ts = events::FormatRfc3339(std::time(nullptr));
    httplib::Headers headers = {
        {"X-Zendesk-Webhook-Signature-Timestamp", ts},
        {"X-Zendesk-Webhook-Signature", bridge::Base64Encode(bridge::HmacSha256(secret, ts + body))}};
    auto res = Client(a_.ca_cert, false)->Post("/webhooks/zd", headers, body, "application/json");
    return res ? res->status : -1;
  }

  httplib::Result Reload(bool with_user) const { return Client(a_.ca_cert, with_user)->Post("/-/reload"); }

  TestCerts a_, b_;
  std::unique_ptr<Process> bridge_;
  int port_ = 0;
};

TEST_F(BridgeReloadIntegrationTest, SecretsCertificatesAndSettingsChangeWithoutARestart) {
  Start(Config("secret: old-secret"));
  EXPECT_EQ(PostSigned("old-secret"), 200) << Tail(Log());
  EXPECT_EQ(PostSigned("new-secret"), 401);

  // The rotation, step 1 by SIGHUP: both secrets verify.
  WriteFile(dir_.Sub("bridge.yaml"), Config("secrets: [new-secret, old-secret]"));
  bridge_->Signal(SIGHUP);
  EXPECT_TRUE(WaitUntil(10s, [&] { return PostSigned("new-secret") == 200; })) << Tail(Log());
  EXPECT_EQ(PostSigned("old-secret"), 200);
  auto metrics = Client(a_.ca_cert, true)->Get("/metrics");
  ASSERT_TRUE(metrics);
  // Old under the first config (position 0), new (0), then old (1).
  EXPECT_NE(metrics->body.find("slamon_bridge_signature_matches_total{secret=\"0\",source=\"zd\"} 2"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("slamon_bridge_signature_matches_total{secret=\"1\",source=\"zd\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_EQ(Client(a_.ca_cert, false)->Get("/metrics")->status, 401);

  // POST /-/reload is the admin's: without the user, 401 and nothing reloaded.
  WriteFile(dir_.Sub("bridge.yaml"), Config("secret_envs: [SLAMON_TEST_UNSET_SECRET_VARIABLE]"));
  auto anonymous = Reload(false);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  // An invalid file is refused with where and why; the running config serves on.
  auto refused = Reload(true);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(refused->body.find(dir_.Sub("bridge.yaml") +
                               ":10: sources.zd.secret_envs[0]: environment variable SLAMON_TEST_UNSET_SECRET_VARIABLE "
                               "is not set"),
            std::string::npos)
      << refused->body;
  EXPECT_EQ(PostSigned("new-secret"), 200);
  EXPECT_EQ(PostSigned("old-secret"), 200);

  // Step 2 by POST, with a broker list that only a restart applies.
  WriteFile(dir_.Sub("bridge.yaml"), Config("secret: new-secret", brokers_ + ",127.0.0.1:1"));
  auto applied = Reload(true);
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->status, 200) << applied->body;
  EXPECT_EQ(applied->body,
            "{\"status\":\"success\",\"applied\":[\"sources\"],\"restart_required\":[\"kafka.brokers\"]}\n");
  EXPECT_EQ(PostSigned("new-secret"), 200) << "still delivered through the running producer";
  EXPECT_EQ(PostSigned("old-secret"), 401);
  EXPECT_NE(ReadFile(Log()).find("reload: kafka.brokers changed in " + dir_.Sub("bridge.yaml") +
                                 "; the running value stays until a restart"),
            std::string::npos)
      << Tail(Log());

  // Renewed certificate files: new connections get certificate B (within
  // the check interval of 5 s), without a reload.
  WriteFile(a_.server_cert + ".new", ReadFile(b_.server_cert));
  WriteFile(a_.server_key + ".new", ReadFile(b_.server_key));
  std::filesystem::rename(a_.server_key + ".new", a_.server_key);
  std::filesystem::rename(a_.server_cert + ".new", a_.server_cert);
  EXPECT_TRUE(WaitUntil(15s, [&] {
    auto res = Client(b_.ca_cert, false)->Get("/healthz");
    return res && res->status == 200;
  })) << Tail(Log());
  EXPECT_FALSE(Client(a_.ca_cert, false)->Get("/healthz")) << "certificate A is no longer served";

  bridge_->Signal(SIGTERM);
  EXPECT_EQ(bridge_->Wait(30s), std::optional<int>(0)) << Tail(Log());
}

}  // namespace
}  // namespace slamon::testing
