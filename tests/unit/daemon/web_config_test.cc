// The web config file (TLS and bcrypt users): what is accepted, what is
// rejected with file, line, field and reason, and bcrypt verification
// against hashes made by other tools (htpasswd, Python's crypt).
#include "daemon/http/web_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "daemon/config/daemon_config.h"
#include "daemon/http/basic_auth.h"
#include "daemon/http/tls_context.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace slamon::daemon {
namespace {

using slamon::testing::MakeTestCerts;
using slamon::testing::TempDir;
using slamon::testing::TestCerts;

// `htpasswd -nbBC 4 prometheus scrape-me` (Apache's bcrypt, "$2y$").
constexpr const char* kHtpasswdHash = "$2y$04$t2M6p.38MCJS/YJGZ1WDaueCqrVH5pVH1QhnLD4BbhSFboKfOi0Em";
// `htpasswd -nbBC 5 alice 'wonder land:1'`: a space and a colon in the password.
constexpr const char* kAliceHash = "$2y$05$UMliSWh6G6YhVMx1SNSM1OW5I8t.W1L8oKpPxgzWKZLNYyCZwNKhO";
// Python's crypt.crypt("s3cret", "$2b$04$abcdefghijklmnopqrstuu").
constexpr const char* kPythonHash = "$2b$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG";

std::string Basic(const std::string& user_colon_password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  const auto& s = user_colon_password;
  for (; i + 2 < s.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                       static_cast<unsigned char>(s[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i < s.size()) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < s.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return "Basic " + out;
}

class WebConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = MakeTestCerts(dir_.path());
    ASSERT_TRUE(certs_.error.empty()) << certs_.error;
  }

  std::string Write(const std::string& text) {
    const std::string path = dir_.Sub("web.yml");
    std::ofstream(path) << text;
    return path;
  }

  // The ConfigError message for `text`, "" when it loads.
  std::string ErrorOf(const std::string& text) {
    try {
      LoadWebConfig(Write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  TempDir dir_;
  TestCerts certs_;
};

TEST_F(WebConfigTest, ReadsTlsAndUsersWithPathsRelativeToTheFile) {
  // Relative file names resolve against the web config's folder, not the working directory.
  const WebConfig web = LoadWebConfig(Write(std::string("tls_server_config:\n"
                                                        "  cert_file: server.crt\n"
                                                        "  key_file: server.key\n"
                                                        "  client_ca_file: ca.crt\n"
                                                        "  client_auth_type: RequireAndVerifyClientCert\n"
                                                        "  min_version: TLS13\n"
                                                        "basic_auth_users:\n"
                                                        "  prometheus: ") +
                                            kHtpasswdHash + "\n  alice: '" + kAliceHash + "'\n"));
  EXPECT_TRUE(web.tls_enabled);
  EXPECT_NE(web.context, nullptr);
  EXPECT_EQ(web.tls.cert_file, certs_.server_cert);
  EXPECT_EQ(web.tls.key_file, certs_.server_key);
  EXPECT_EQ(web.tls.client_ca_file, certs_.ca_cert);
  EXPECT_EQ(web.tls.client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(web.tls.min_version, 0x0304);
  EXPECT_EQ(web.tls.max_version, 0x0304);
  ASSERT_EQ(web.basic_auth_users.size(), 2u);
  EXPECT_EQ(web.basic_auth_users.at("prometheus"), kHtpasswdHash);
}

TEST_F(WebConfigTest, UsersAloneMeanPlainHttpWithBcrypt) {
  const WebConfig web = LoadWebConfig(Write(std::string("basic_auth_users:\n  prometheus: ") + kPythonHash + "\n"));
  EXPECT_FALSE(web.tls_enabled);
  EXPECT_EQ(web.context, nullptr);
  EXPECT_EQ(web.basic_auth_users.size(), 1u);
}

TEST_F(WebConfigTest, RejectsWithFileLineFieldAndReason) {
  const std::string file = dir_.Sub("web.yml");
  struct Case {
    std::string text, expected;
  };
  const std::string tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
  const std::vector<Case> cases = {
      {"tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n",
       file + ":2: tls_server_config.cert_file: cannot read " + dir_.Sub("nope.crt") + ": No such file or directory"},
      {"tls_server_config:\n  cert_file: server.crt\n", "tls_server_config.key_file: is required"},
      // The client's key does not match the server's certificate.
      {"tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n",
       ":3: tls_server_config.key_file: the key in " + certs_.client_key + " does not belong to the certificate"},
      // A key is not a certificate.
      {"tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n",
       ":2: tls_server_config.cert_file: cannot load the certificate from " + certs_.server_key},
      {tls + "  client_auth_type: RequireAndVerifyClientCert\n",
       "tls_server_config.client_ca_file: is required to verify client certificates"},
      {tls + "  client_ca_file: ca.crt\n", ":4: tls_server_config.client_auth_type: client_ca_file is set"},
      {tls + "  client_auth_type: RequireClientCert\n", ":4: tls_server_config.client_auth_type: must be"},
      {tls + "  min_version: TLS14\n",
       ":4: tls_server_config.min_version: must be one of TLS10, TLS11, TLS12, TLS13, not \"TLS14\""},
      {tls + "  min_version: TLS13\n  max_version: TLS12\n", ":5: tls_server_config.max_version: is below"},
      {tls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
       ":4: tls_server_config.cipher_suites: not supported by slamon"},
      {tls + "  certfile: x\n", ":4: tls_server_config.certfile: unknown setting"},
      {"rate_limit: {interval: 1s, burst: 20}\n", ":1: rate_limit: not supported by slamon"},
      {"basic_auth_user:\n  a: b\n", ":1: basic_auth_user: unknown section"},
      {"basic_auth_users:\n  alice: hunter2\n", ":2: basic_auth_users.alice: is not a bcrypt hash"},
      {"basic_auth_users:\n  'a:b': " + std::string(kPythonHash) + "\n", "basic_auth_users.a:b: a user name"},
      {"basic_auth_users: [alice]\n", ":1: basic_auth_users: expected a mapping, got a list"},
      {"# nothing yet\n", file + ": the web config file is empty"},
      {"{}\n", "(top level): sets neither tls_server_config nor basic_auth_users"},
      {"tls_server_config: [\n", file + ":2: invalid YAML"},
  };
  for (const auto& c : cases) {
    const std::string error = ErrorOf(c.text);
    EXPECT_NE(error.find(c.expected), std::string::npos) << "config:\n" << c.text << "error: " << error;
    EXPECT_EQ(error.rfind(file + ":", 0), 0u) << error;  // always names the file first
  }
  // Every problem at once, each in the one shape.
  EXPECT_EQ(ErrorOf(tls + "  min_version: TLS14\n  certfile: x\nbasic_auth_users:\n  alice: hunter2\n"),
            file +
                ":7: basic_auth_users.alice: is not a bcrypt hash ($2y$, $2b$ or $2a$ with a cost of 04..31); make one "
                "with: htpasswd -nBC 10 alice\n" +
                file + ":5: tls_server_config.certfile: unknown setting\n" + file +
                ":4: tls_server_config.min_version: must be one of TLS10, TLS11, TLS12, TLS13, not \"TLS14\"");
  // A plaintext password pasted in by mistake is not repeated in the message (or a log).
  EXPECT_EQ(ErrorOf("basic_auth_users:\n  alice: hunter2\n").find("hunter2"), std::string::npos);
  EXPECT_NE(ErrorOf("basic_auth_users:\n  alice: hunter2\n").find("htpasswd -nBC 10 alice"), std::string::npos);
}

TEST_F(WebConfigTest, TheDaemonConfigNamesTheWebConfig) {
  const std::string web = Write(std::string("basic_auth_users:\n  prometheus: ") + kHtpasswdHash + "\n");
  const std::string main = dir_.Sub("slamon.yaml");
  std::ofstream(main) << "http:\n  web_config_file: " << web << "\n";
  DaemonConfig cfg = LoadDaemonConfig(main);
  EXPECT_EQ(cfg.http.web_config_file, web);
  EXPECT_EQ(cfg.http.web, nullptr) << "only the daemon loads it (LoadWebConfigInto)";
  LoadWebConfigInto(&cfg);
  ASSERT_NE(cfg.http.web, nullptr);
  EXPECT_EQ(cfg.http.web->basic_auth_users.count("prometheus"), 1u);

  // Plaintext basic_auth and bcrypt users together: which password counts would be unclear.
  std::ofstream(main) << "http:\n  web_config_file: " << web << "\n  basic_auth: {user: a, password: b}\n";
  cfg = LoadDaemonConfig(main);
  try {
    LoadWebConfigInto(&cfg);
    ADD_FAILURE() << "accepted basic_auth together with basic_auth_users";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(main + ":3: http.basic_auth: cannot be combined"), std::string::npos)
        << e.what();
  }
}

TEST(BcryptTest, RecognisesBcryptHashes) {
  EXPECT_TRUE(IsBcryptHash(kHtpasswdHash));
  EXPECT_TRUE(IsBcryptHash(kPythonHash));
  std::string a = kPythonHash;
  a[2] = 'a';
  EXPECT_TRUE(IsBcryptHash(a));
  EXPECT_FALSE(IsBcryptHash(""));
  EXPECT_FALSE(IsBcryptHash("s3cret"));
  EXPECT_FALSE(IsBcryptHash(std::string(kPythonHash).substr(0, 59)));
  EXPECT_FALSE(IsBcryptHash(std::string(kPythonHash) + "x"));
  std::string cost = kPythonHash;
  cost[4] = '0';
  cost[5] = '3';
  EXPECT_FALSE(IsBcryptHash(cost)) << "cost below 4";
  std::string variant = kPythonHash;
  variant[2] = 'x';
  EXPECT_FALSE(IsBcryptHash(variant));
  std::string sha512 = "$6$saltsalt$" + std::string(49, 'a');
  EXPECT_FALSE(IsBcryptHash(sha512)) << "other crypt schemes are not accepted";
}

TEST(BcryptTest, VerifiesHashesMadeByOtherTools) {
  EXPECT_TRUE(CryptMatches("scrape-me", kHtpasswdHash));
  EXPECT_FALSE(CryptMatches("scrape-mE", kHtpasswdHash));
  EXPECT_FALSE(CryptMatches("", kHtpasswdHash));
  EXPECT_TRUE(CryptMatches("wonder land:1", kAliceHash));
  EXPECT_TRUE(CryptMatches("s3cret", kPythonHash));
  EXPECT_FALSE(CryptMatches("s3cret ", kPythonHash));
  // crypt stops at a NUL: "s3cret\0anything" must not pass for "s3cret".
  EXPECT_FALSE(CryptMatches(std::string_view("s3cret\0x", 8), kPythonHash));
  EXPECT_FALSE(CryptMatches("s3cret", "not a hash"));
}

TEST(BcryptTest, VerifiesAHashHtpasswdMakesNow) {
  if (std::system("command -v htpasswd >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "htpasswd not installed (apache2-utils, scripts/setup installs it)";
  }
  std::random_device rd;
  const std::string password = "pw-" + std::to_string(rd()) + "-" + std::to_string(rd());
  FILE* p = popen(("htpasswd -nbBC 4 someone '" + password + "'").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256] = {};
  const bool got = fgets(buf, sizeof(buf), p) != nullptr;
  ASSERT_EQ(pclose(p), 0);
  ASSERT_TRUE(got);
  std::string line(buf);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  ASSERT_EQ(line.rfind("someone:", 0), 0u) << line;
  const std::string hash = line.substr(8);
  EXPECT_TRUE(IsBcryptHash(hash)) << hash;
  EXPECT_TRUE(CryptMatches(password, hash));
  EXPECT_FALSE(CryptMatches(password + "x", hash));
}

TEST(BasicAuthUsersTest, ChecksHeadersAndRemembersVerdicts) {
  BasicAuthUsers users({{"prometheus", kHtpasswdHash}, {"alice", kAliceHash}});
  EXPECT_TRUE(users.Allows(Basic("prometheus:scrape-me")));
  EXPECT_EQ(users.verifications(), 1u);
  // A scrape every few seconds costs one bcrypt computation in all.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(users.Allows(Basic("prometheus:scrape-me")));
  EXPECT_EQ(users.verifications(), 1u);
  // The password may hold colons: the user name ends at the first one.
  EXPECT_TRUE(users.Allows("bAsIc " + Basic("alice:wonder land:1").substr(6)));
  EXPECT_EQ(users.verifications(), 2u);

  EXPECT_FALSE(users.Allows(Basic("prometheus:scrape-you")));
  EXPECT_FALSE(users.Allows(Basic("alice:scrape-me")));  // another user's password
  EXPECT_FALSE(users.Allows(Basic("bob:scrape-me")));    // no such user
  EXPECT_FALSE(users.Allows(Basic("prometheus")));       // no colon
  EXPECT_FALSE(users.Allows(""));
  EXPECT_FALSE(users.Allows("Bearer abc"));
  EXPECT_FALSE(users.Allows("Basic !!!"));
  EXPECT_EQ(users.verifications(), 5u);
  // A wrong password repeated is remembered too.
  EXPECT_FALSE(users.Allows(Basic("prometheus:scrape-you")));
  EXPECT_EQ(users.verifications(), 5u);
}

TEST(BasicAuthUsersTest, TheCacheStaysBounded) {
  BasicAuthUsers users(std::map<std::string, std::string>{{"prometheus", kHtpasswdHash}});
  ASSERT_TRUE(users.Allows(Basic("prometheus:scrape-me")));
  for (size_t i = 0; i < BasicAuthUsers::kMaxCached; ++i) {
    ASSERT_FALSE(users.Allows(Basic("prometheus:guess-" + std::to_string(i))));
  }
  // The flood of wrong passwords pushed the good verdict out: it is computed again, and still right.
  const size_t before = users.verifications();
  EXPECT_TRUE(users.Allows(Basic("prometheus:scrape-me")));
  EXPECT_EQ(users.verifications(), before + 1);
}

}  // namespace
}  // namespace slamon::daemon
