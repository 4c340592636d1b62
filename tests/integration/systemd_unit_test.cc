// packaging/slamon.service and packaging/slamon-bridge.service: the keys the
// deployment relies on (hardening, Type=, restart policy, where secrets come
// from) and systemd's own verdict on the files (`systemd-analyze verify`,
// plus `systemd-analyze security` as a ceiling on the exposure score).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

const std::string kUnit = std::string(SLAMON_SOURCE_DIR) + "/packaging/slamon.service";
const std::string kBridgeUnit = std::string(SLAMON_SOURCE_DIR) + "/packaging/slamon-bridge.service";

// "[Section]" -> key -> values (a key may repeat), the way systemd reads a
// unit file: comments start with # or ;, no line continuations are used here.
using UnitFile = std::map<std::string, std::multimap<std::string, std::string>>;

UnitFile ParseUnit(const std::string& path) {
  UnitFile unit;
  std::ifstream in(path);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      section = line.substr(1, line.find(']') - 1);
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    unit[section].emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return unit;
}

std::string One(const UnitFile& unit, const std::string& section, const std::string& key) {
  auto s = unit.find(section);
  if (s == unit.end()) return "<no section>";
  auto [b, e] = s->second.equal_range(key);
  if (b == e) return "<missing>";
  if (std::next(b) != e) return "<repeated>";
  return b->second;
}

// The unit with ExecStart pointing at the binary just built, which verify
// requires to exist (the installed path is /usr/bin/slamon).
std::string UnitForBuiltBinary(const TempDir& dir, const std::string& unit = kUnit) {
  std::string text = ReadFile(unit);
  const std::string exec = "ExecStart=/usr/bin/slamon ";
  const size_t at = text.find(exec);
  if (at == std::string::npos) return "";
  text.replace(at, exec.size(), std::string("ExecStart=") + SLAMON_BINARY + " ");
  const std::string path = dir.Sub(std::filesystem::path(unit).filename().string());
  std::ofstream(path) << text;
  return path;
}

// The hardening both units share (the bridge keeps no state, so it has no StateDirectory).
const std::map<std::string, std::string>& SharedHardening() {
  static const std::map<std::string, std::string> kKeys = {
      {"DynamicUser", "yes"},
      // /etc/slamon is 0750 root:slamon (the package's postinst): the
      // throw-away user reads the configs through this group only.
      {"SupplementaryGroups", "slamon"},
      {"ConfigurationDirectory", "slamon"},
      {"ConfigurationDirectoryMode", "0750"},
      {"ProtectSystem", "strict"},
      {"ProtectHome", "yes"},
      {"NoNewPrivileges", "yes"},
      {"PrivateTmp", "yes"},
      {"PrivateDevices", "yes"},
      {"CapabilityBoundingSet", ""},
      {"SystemCallFilter", "@system-service"},
      {"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"},
      {"Restart", "on-failure"},
      {"RestartPreventExitStatus", "2"},
  };
  return kKeys;
}

TEST(SystemdUnitTest, HasTheRequiredKeys) {
  ASSERT_TRUE(std::filesystem::exists(kUnit));
  const UnitFile unit = ParseUnit(kUnit);
  const std::map<std::string, std::string> service = {
      {"Type", "notify"},
      {"ExecStart", "/usr/bin/slamon run --config /etc/slamon/slamon.yaml"},
      {"ExecReload", "/bin/kill -HUP $MAINPID"},  // SIGHUP reloads the config
      {"StateDirectory", "slamon"},
      {"NotifyAccess", "main"},
  };
  for (const auto& [key, want] : service) EXPECT_EQ(One(unit, "Service", key), want) << key;
  for (const auto& [key, want] : SharedHardening()) EXPECT_EQ(One(unit, "Service", key), want) << key;
  // A watchdog interval the daemon can ping within (it pings at half of it).
  EXPECT_NE(One(unit, "Service", "WatchdogSec"), "<missing>");
  EXPECT_EQ(One(unit, "Install", "WantedBy"), "multi-user.target");
  EXPECT_NE(One(unit, "Unit", "Description"), "<missing>");
}

TEST(SystemdUnitTest, BridgeUnitIsHardenedAndReadsItsSecretsFromARootOnlyFile) {
  ASSERT_TRUE(std::filesystem::exists(kBridgeUnit));
  const UnitFile unit = ParseUnit(kBridgeUnit);
  EXPECT_EQ(One(unit, "Service", "ExecStart"), "/usr/bin/slamon bridge --config /etc/slamon/bridge.yaml");
  EXPECT_EQ(One(unit, "Service", "Type"), "exec");  // the bridge does not notify; exec fails a missing binary
  EXPECT_EQ(One(unit, "Service", "ExecReload"), "/bin/kill -HUP $MAINPID");  // SIGHUP reloads the config
  // systemd reads the file as root before dropping to the dynamic user; "-": optional.
  EXPECT_EQ(One(unit, "Service", "EnvironmentFile"), "-/etc/slamon/bridge.env");
  for (const auto& [key, want] : SharedHardening()) EXPECT_EQ(One(unit, "Service", key), want) << key;
  EXPECT_EQ(One(unit, "Service", "StateDirectory"), "<missing>");  // stateless: nothing on disk is writable
  EXPECT_EQ(One(unit, "Service", "Environment"), "<missing>");     // no secret in the unit itself
  EXPECT_EQ(One(unit, "Install", "WantedBy"), "multi-user.target");
}

TEST(SystemdUnitTest, ParserSeesMissingAndRepeatedKeys) {
  // The parser above must be able to fail: a unit lacking Type= and with two ExecStart= lines.
  TempDir dir;
  std::ofstream(dir.Sub("bad.service")) << "[Service]\n# Type=notify\nExecStart=/a\nExecStart=/b\n";
  const UnitFile unit = ParseUnit(dir.Sub("bad.service"));
  EXPECT_EQ(One(unit, "Service", "Type"), "<missing>");
  EXPECT_EQ(One(unit, "Service", "ExecStart"), "<repeated>");
  EXPECT_EQ(One(unit, "Install", "WantedBy"), "<no section>");
}

class SystemdAnalyzeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(SLAMON_SYSTEMD_ANALYZE, X_OK) != 0) {
      GTEST_SKIP() << "systemd-analyze is not installed (apt-get install systemd); the key checks above still ran";
    }
  }
};

TEST_F(SystemdAnalyzeTest, VerifyFindsNothingToComplainAbout) {
  for (const std::string& source : {kUnit, kBridgeUnit}) {
    TempDir dir;
    const std::string unit = UnitForBuiltBinary(dir, source);
    ASSERT_FALSE(unit.empty()) << "no ExecStart=/usr/bin/slamon in " << source;
    const RunResult r = RunCapture({SLAMON_SYSTEMD_ANALYZE, "verify", unit}, dir.path(), std::chrono::seconds(60));
    EXPECT_EQ(r.code, 0) << source << ": " << r.err << r.out;
    // verify exits 0 on unknown keys and bad values too; it only says so.
    EXPECT_EQ(r.err, "") << source << ": " << r.out;
  }
}

TEST_F(SystemdAnalyzeTest, VerifyReportsABrokenUnit) {
  // The check above can fail: a misspelt value is reported.
  TempDir dir;
  const std::string unit = UnitForBuiltBinary(dir);
  ASSERT_FALSE(unit.empty());
  std::string text = ReadFile(unit);
  text.replace(text.find("Type=notify"), 11, "Type=notfy");
  std::ofstream(unit) << text;
  const RunResult r = RunCapture({SLAMON_SYSTEMD_ANALYZE, "verify", unit}, dir.path(), std::chrono::seconds(60));
  EXPECT_NE(r.err.find("notfy"), std::string::npos) << r.err << r.out;
}

TEST_F(SystemdAnalyzeTest, ExposureStaysLow) {
  // systemd's own hardening score (0 = locked down, 10 = fully exposed).
  for (const std::string& source : {kUnit, kBridgeUnit}) {
    TempDir dir;
    const std::string unit = UnitForBuiltBinary(dir, source);
    ASSERT_FALSE(unit.empty());
    const RunResult r =
        RunCapture({SLAMON_SYSTEMD_ANALYZE, "security", "--offline=yes", "--threshold=25", "--no-pager", unit},
                   dir.path(), std::chrono::seconds(60));
    EXPECT_EQ(r.code, 0) << source << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("Overall exposure level"), std::string::npos) << r.out << r.err;
  }
}

}  // namespace
}  // namespace slamon::testing
