// `slamon run` refusing to start over its HTTP side, through the real binary
// on the demo config (no broker): its port taken by another server (exit 1,
// promptly) and a web config naming certificates that do not exist (exit 2,
// before anything starts).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "daemon/http/http_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

using slamon::testing::RunResult;
using slamon::testing::RunSlamon;
using slamon::testing::TempDir;
using Clock = std::chrono::steady_clock;

const std::string kDemoConfig = std::string(SLAMON_SOURCE_DIR) + "/config/demo.yaml";

TEST(HttpServerTest, DaemonExitsPromptlyWhenItsPortIsTaken) {
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  HttpServer first(settings, nullptr);
  ASSERT_TRUE(first.Start().ok());
  TempDir dir;
  const auto start = Clock::now();
  const RunResult r =
      RunSlamon({"run", "--config", kDemoConfig, "--set", "http.listen=127.0.0.1:" + std::to_string(first.port()),
                 "--set", "store.path=" + dir.Sub("store")},
                dir.path(), std::chrono::seconds(60));
  const std::string out = r.out + r.err;
  EXPECT_EQ(r.code, 1) << out;  // -1: hung and killed after 60 s
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 20.0);
  EXPECT_NE(
      out.find("slamon run: cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": address already in use"),
      std::string::npos)
      << out;
}

TEST(HttpsDaemonTest, BadWebConfigStopsTheDaemonWithExit2) {
  TempDir dir;
  const std::string web = dir.Sub("web.yml");
  std::ofstream(web) << "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n";
  const RunResult r = RunSlamon({"run", "--config", kDemoConfig, "--set", "http.listen=127.0.0.1:0", "--set",
                                 "store.path=" + dir.Sub("store"), "--web.config.file", web},
                                dir.path(), std::chrono::seconds(60));
  const std::string out = r.out + r.err;
  EXPECT_EQ(r.code, 2) << out;
  EXPECT_NE(out.find("slamon run: " + web + ":2: tls_server_config.cert_file: cannot read " + dir.Sub("missing.crt") +
                     ": No such file or directory"),
            std::string::npos)
      << out;
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("store"))) << "nothing starts before the config is accepted";
}

}  // namespace
}  // namespace slamon::daemon
