// The HTTP server with a web config: HTTPS with certificates made by the
// openssl command line in the test's directory, bcrypt basic auth, client
// certificates, a plain-HTTP client on the TLS port, the handshake deadline
// (tests/integration/http_refusals_test.cc: the daemon refusing a bad web config).
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "daemon/http/basic_auth.h"
#include "daemon/http/http_server.h"
#include "daemon/http/web_config.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using slamon::testing::HeaderOf;
using slamon::testing::RawConnection;
using slamon::testing::RawRequest;
using slamon::testing::TempDir;
using slamon::testing::TestCerts;

// `htpasswd -nbBC 4 prometheus scrape-me`.
constexpr const char* kHash = "$2y$04$t2M6p.38MCJS/YJGZ1WDaueCqrVH5pVH1QhnLD4BbhSFboKfOi0Em";

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = slamon::testing::MakeTestCerts(dir_.path());
    ASSERT_TRUE(certs_.error.empty()) << certs_.error;
  }

  // Starts a server with the web config `text` (written next to the certificates).
  void Start(const std::string& text, std::chrono::milliseconds header_timeout = 10s) {
    const std::string path = dir_.Sub("web.yml");
    std::ofstream(path) << text;
    HttpSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.header_timeout = header_timeout;
    settings.web = std::make_shared<WebConfig>(LoadWebConfig(path));
    server_ = std::make_unique<HttpServer>(settings, [] { return std::string(); });
    server_->Get("/fixed", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "twelve bytes", {}}; });
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::unique_ptr<httplib::SSLClient> Client(const std::string& cert = "", const std::string& key = "") {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port(), cert, key);
    c->set_ca_cert_path(certs_.ca_cert.c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(2, 0);
    c->set_read_timeout(5, 0);
    return c;
  }

  // The status of GET `path`, -1 when no HTTP answer came (a TLS failure).
  static int StatusOf(httplib::SSLClient& c, const std::string& path) {
    auto res = c.Get(path.c_str());
    return res ? res->status : -1;
  }

  static std::string Tls(const std::string& extra = "") {
    return "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n" + extra;
  }
  static std::string Users() { return std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n"; }

  TempDir dir_;
  TestCerts certs_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpsServerTest, HttpsWithTheCaAndTheRightPassword) {
  Start(Tls() + Users());
  auto c = Client();
  c->set_basic_auth("prometheus", "scrape-me");
  auto res = c->Get("/fixed");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "twelve bytes");
  // Keep-alive over TLS: several requests on one connection.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(StatusOf(*c, "/metrics"), 200);
  EXPECT_EQ(StatusOf(*c, "/readyz"), 200);
  EXPECT_EQ(StatusOf(*c, "/nope"), 404);
}

TEST_F(HttpsServerTest, WrongOrMissingPasswordIs401AndHealthzStaysOpen) {
  Start(Tls() + Users());
  auto wrong = Client();
  wrong->set_basic_auth("prometheus", "scrape-you");
  auto res = wrong->Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Basic realm=\"slamon\"");
  auto anonymous = Client();
  EXPECT_EQ(StatusOf(*anonymous, "/metrics"), 401);
  EXPECT_EQ(StatusOf(*anonymous, "/readyz"), 401);
  EXPECT_EQ(StatusOf(*anonymous, "/nope"), 401) << "without credentials nothing tells which paths exist";
  EXPECT_EQ(StatusOf(*anonymous, "/healthz"), 200) << "liveness needs no secret";
  auto other_user = Client();
  other_user->set_basic_auth("root", "scrape-me");
  EXPECT_EQ(StatusOf(*other_user, "/fixed"), 401);
}

TEST_F(HttpsServerTest, ClientThatDoesNotTrustTheServerGetsNothing) {
  Start(Tls());
  auto c = Client();
  c->set_ca_cert_path(certs_.other_ca_cert.c_str());
  EXPECT_EQ(StatusOf(*c, "/healthz"), -1);
  EXPECT_EQ(StatusOf(*Client(), "/healthz"), 200);  // the server lives on
}

TEST_F(HttpsServerTest, PlainHttpToTheTlsPortFailsCleanly) {
  Start(Tls());
  auto res = RawRequest(server_->port(), "GET", "/metrics", 3s);
  EXPECT_EQ(res.status, 400) << res.head;
  EXPECT_NE(res.body.find("HTTP request to an HTTPS server"), std::string::npos) << res.body;
  EXPECT_EQ(StatusOf(*Client(), "/fixed"), 200);
  EXPECT_EQ(server_->connections(), 0);
}

TEST_F(HttpsServerTest, SilentClientIsClosedAtTheHeaderDeadline) {
  Start(Tls(), 400ms);
  RawConnection silent(server_->port());
  ASSERT_TRUE(silent.ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.WaitClosed(5s)) << "the handshake has the header deadline";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(HttpsServerTest, RequiredClientCertificate) {
  Start(Tls("  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n"));
  EXPECT_EQ(StatusOf(*Client(), "/healthz"), -1) << "no client certificate";
  EXPECT_EQ(StatusOf(*Client(certs_.rogue_cert, certs_.rogue_key), "/healthz"), -1)
      << "a certificate from a CA the server does not trust";
  EXPECT_EQ(StatusOf(*Client(certs_.client_cert, certs_.client_key), "/metrics"), 200);
}

TEST_F(HttpsServerTest, ClientCertificateIfGivenMustBeValid) {
  Start(Tls("  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n"));
  EXPECT_EQ(StatusOf(*Client(), "/healthz"), 200);
  EXPECT_EQ(StatusOf(*Client(certs_.rogue_cert, certs_.rogue_key), "/healthz"), -1);
  EXPECT_EQ(StatusOf(*Client(certs_.client_cert, certs_.client_key), "/healthz"), 200);
}

TEST_F(HttpsServerTest, BcryptUsersOverPlainHttp) {
  Start(Users());
  const int port = server_->port();
  const std::string good = "Authorization: Basic cHJvbWV0aGV1czpzY3JhcGUtbWU=\r\n";  // prometheus:scrape-me
  EXPECT_EQ(RawRequest(port, "GET", "/fixed", 3s, good).status, 200);
  EXPECT_EQ(RawRequest(port, "HEAD", "/metrics", 3s, good).status, 200);
  EXPECT_EQ(RawRequest(port, "GET", "/fixed", 3s).status, 401);
  EXPECT_EQ(RawRequest(port, "GET", "/healthz", 3s).status, 200);
}

TEST_F(HttpsServerTest, BcryptNeverStallsTheLoop) {
  // Cost 13: about half a second per check (`htpasswd -nbBC 13 slow slow-pw`).
  Start("basic_auth_users:\n  slow: $2y$13$EBdEZbSEs29lotXKDvWXS.T7b/bkNLfyuhHhJzAv1IsO1FMR2Wz0e\n");
  const int port = server_->port();
  const auto start = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [port] {
    return RawRequest(port, "GET", "/fixed", 30s, "Authorization: Basic c2xvdzpzbG93LXB3\r\n").status;  // slow:slow-pw
  });
  std::this_thread::sleep_for(50ms);
  // While a worker computes bcrypt, the loop still accepts and answers liveness.
  const auto health_start = std::chrono::steady_clock::now();
  EXPECT_EQ(RawRequest(port, "GET", "/healthz", 5s).status, 200);
  const auto health_took = std::chrono::steady_clock::now() - health_start;
  EXPECT_EQ(slow.get(), 200);
  const auto slow_took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(health_took * 3, slow_took) << "healthz waited for the bcrypt check";
  // The verdict is remembered: the same credentials again cost no bcrypt.
  const auto again_start = std::chrono::steady_clock::now();
  EXPECT_EQ(RawRequest(port, "GET", "/fixed", 5s, "Authorization: Basic c2xvdzpzbG93LXB3\r\n").status, 200);
  EXPECT_LT((std::chrono::steady_clock::now() - again_start) * 3, slow_took);
}

}  // namespace
}  // namespace slamon::daemon
