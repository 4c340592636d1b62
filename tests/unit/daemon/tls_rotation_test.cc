// Certificates renewed without a restart: the HTTP server serving TLS on
// 127.0.0.1 with certificate A sees its files replaced by certificate B and
// presents B to the next handshake; a broken or mismatched replacement keeps
// the last good certificate serving (and is counted); a connection made
// before the change keeps working; a reloaded web config puts its freshly
// read certificate in force at once.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "daemon/http/http_server.h"
#include "daemon/http/rotating_tls_context.h"
#include "daemon/http/web_config.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;
using slamon::testing::TempDir;
using slamon::testing::TestCerts;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces `to` by a copy of `from` the way renewals usually do: a new file
// renamed over the old one.
void ReplaceFile(const std::string& to, const std::string& content) {
  const std::string tmp = to + ".new";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << content;
  std::filesystem::rename(tmp, to);
}

std::unique_ptr<X509, decltype(&X509_free)> LoadCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return {PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free};
}

// One TLS client connection to 127.0.0.1:port, its certificate not verified
// (the test compares it with the expected one instead).
class TlsClient {
 public:
  explicit TlsClient(int port) : ctx_(SSL_CTX_new(TLS_client_method()), SSL_CTX_free), ssl_(nullptr, SSL_free) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), socket_.native_handle());
    connected_ = SSL_connect(ssl_.get()) == 1;
    ERR_clear_error();
  }

  bool connected() const { return connected_; }

  /// True when the server presented the certificate in PEM text `pem`.
  bool Presents(const std::string& pem) const {
    if (!connected_) return false;
    std::unique_ptr<X509, decltype(&X509_free)> peer(SSL_get1_peer_certificate(ssl_.get()), X509_free);
    auto expected = LoadCert(pem);
    return peer && expected && X509_cmp(peer.get(), expected.get()) == 0;
  }

  /// GET `path` on this connection; the answer's head and body.
  std::string Get(const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (SSL_write(ssl_.get(), request.data(), static_cast<int>(request.size())) <= 0) return "";
    std::string out;
    char buf[16384];
    // Enough for the small answers asked for here: read until the body is complete.
    while (true) {
      const int n = SSL_read(ssl_.get(), buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
      const size_t head_end = out.find("\r\n\r\n");
      const size_t length_at = out.find("Content-Length: ");
      if (head_end != std::string::npos && length_at != std::string::npos && length_at < head_end) {
        const size_t length = std::stoul(out.substr(length_at + 16));
        if (out.size() >= head_end + 4 + length) break;
      }
    }
    return out;
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_{ioc_};
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_;
  bool connected_ = false;
};

class TlsRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = slamon::testing::MakeTestCerts(dir_.path());
    ASSERT_TRUE(a_.error.empty()) << a_.error;
    std::filesystem::create_directories(dir_.Sub("b"));
    b_ = slamon::testing::MakeTestCerts(dir_.Sub("b"));
    ASSERT_TRUE(b_.error.empty()) << b_.error;
    cert_a_ = ReadAll(a_.server_cert);
    key_a_ = ReadAll(a_.server_key);
    cert_b_ = ReadAll(b_.server_cert);
    key_b_ = ReadAll(b_.server_key);
    web_file_ = dir_.Sub("web.yml");
    std::ofstream(web_file_) << "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
  }

  void Start(std::chrono::milliseconds check_interval) {
    HttpSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.web = std::make_shared<WebConfig>(LoadWebConfig(web_file_));
    server_ = std::make_unique<HttpServer>(settings, [] { return std::string(); });
    server_->Get("/fixed", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "twelve bytes", {}}; });
    server_->SetTlsCheckInterval(check_interval);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  TempDir dir_;
  TestCerts a_;
  TestCerts b_;
  std::string cert_a_, key_a_, cert_b_, key_b_;
  std::string web_file_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsRotationTest, NewHandshakesGetTheReplacedCertificateWithoutARestart) {
  Start(0ms);  // look at the files at every handshake
  TlsClient before(server_->port());
  ASSERT_TRUE(before.connected());
  EXPECT_TRUE(before.Presents(cert_a_));
  EXPECT_FALSE(before.Presents(cert_b_));

  ReplaceFile(a_.server_cert, cert_b_);
  ReplaceFile(a_.server_key, key_b_);
  TlsClient after(server_->port());
  ASSERT_TRUE(after.connected());
  EXPECT_TRUE(after.Presents(cert_b_)) << "the new certificate, without a restart";
  EXPECT_NE(after.Get("/fixed").find("twelve bytes"), std::string::npos);
  // The connection made before the change is untouched and keeps serving.
  EXPECT_NE(before.Get("/fixed").find("twelve bytes"), std::string::npos);
  EXPECT_TRUE(before.Presents(cert_a_));

  const std::string metrics = after.Get("/metrics");
  EXPECT_NE(metrics.find("slamon_http_tls_reloads_total{result=\"success\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("slamon_http_tls_reloads_total{result=\"failure\"} 0"), std::string::npos) << metrics;
}

TEST_F(TlsRotationTest, ABrokenReplacementKeepsTheLastGoodCertificate) {
  Start(0ms);
  // Half-written certificate: not PEM.
  ReplaceFile(a_.server_cert, cert_b_.substr(0, cert_b_.size() / 2));
  TlsClient broken(server_->port());
  ASSERT_TRUE(broken.connected()) << "a bad replacement must not take TLS down";
  EXPECT_TRUE(broken.Presents(cert_a_));
  // The new certificate with the old key: they do not belong together.
  ReplaceFile(a_.server_cert, cert_b_);
  TlsClient mismatched(server_->port());
  ASSERT_TRUE(mismatched.connected());
  EXPECT_TRUE(mismatched.Presents(cert_a_));
  const std::string metrics = mismatched.Get("/metrics");
  EXPECT_NE(metrics.find("slamon_http_tls_reloads_total{result=\"failure\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("slamon_http_tls_reloads_total{result=\"success\"} 0"), std::string::npos) << metrics;

  // The key follows: the pair loads and is served.
  ReplaceFile(a_.server_key, key_b_);
  TlsClient fixed(server_->port());
  ASSERT_TRUE(fixed.connected());
  EXPECT_TRUE(fixed.Presents(cert_b_));
}

TEST_F(TlsRotationTest, FilesAreLookedAtAtMostOncePerInterval) {
  auto web = std::make_shared<WebConfig>(LoadWebConfig(web_file_));
  RotatingTlsContext rotating(web->tls, web->context, 5s);
  const auto t0 = RotatingTlsContext::Clock::now();
  EXPECT_EQ(rotating.Current(t0), web->context);
  ReplaceFile(a_.server_cert, cert_b_);
  ReplaceFile(a_.server_key, key_b_);
  EXPECT_EQ(rotating.Current(t0 + 1s), web->context) << "within the interval: not looked at";
  const auto renewed = rotating.Current(t0 + 6s);
  ASSERT_NE(renewed, nullptr);
  EXPECT_NE(renewed, web->context);
  EXPECT_EQ(rotating.Current(t0 + 12s), renewed) << "unchanged files: the same context";
}

TEST_F(TlsRotationTest, AReloadedWebConfigServesItsCertificateAtOnce) {
  Start(1h);  // the periodic look would not see it for an hour
  ReplaceFile(a_.server_cert, cert_b_);
  ReplaceFile(a_.server_key, key_b_);
  TlsClient stale(server_->port());
  ASSERT_TRUE(stale.connected());
  EXPECT_TRUE(stale.Presents(cert_a_));
  server_->SetWebConfig(std::make_shared<WebConfig>(LoadWebConfig(web_file_)));  // what a reload does
  TlsClient reloaded(server_->port());
  ASSERT_TRUE(reloaded.connected());
  EXPECT_TRUE(reloaded.Presents(cert_b_));
}

}  // namespace
}  // namespace slamon::daemon
