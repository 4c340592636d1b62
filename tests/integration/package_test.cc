// The Debian package as scripts/package builds it, made here from the binary
// already built in this tree (cpack installs into its own staging prefix, no
// second build): the expected files are in it, its dependencies come from the
// linked libraries, the binary runs from an extracted copy, the units it
// installs (daemon and bridge) pass systemd-analyze verify, and its
// maintainer scripts make /etc/slamon with modes that keep secrets from others.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/kafka_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::seconds;

class PackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // CPACK_PACKAGE_DIRECTORY: the staging tree and the .deb go to the temp dir, not the build tree.
    const RunResult r = RunCapture({SLAMON_CPACK, "-G", "DEB", "--config",
                                    std::string(SLAMON_BUILD_DIR) + "/CPackConfig.cmake", "-B", dir_->Sub("out")},
                                   dir_->path(), seconds(300));
    build_log_ = r.out + r.err;
    for (const auto& e : std::filesystem::directory_iterator(dir_->Sub("out"))) {
      if (e.path().extension() == ".deb") deb_ = e.path().string();
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_FALSE(deb_.empty()) << "cpack made no .deb:\n" << build_log_; }

  static RunResult DpkgDeb(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {SLAMON_DPKG_DEB};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCapture(argv, dir_->path(), seconds(120));
  }

  static TempDir* dir_;
  static std::string deb_, build_log_;
};

TempDir* PackageTest::dir_ = nullptr;
std::string PackageTest::deb_;
std::string PackageTest::build_log_;

TEST_F(PackageTest, ListsTheInstalledFiles) {
  EXPECT_NE(deb_.find("slamon_" SLAMON_VERSION "_"), std::string::npos) << deb_;
  const RunResult r = DpkgDeb({"-c", deb_});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const std::string file : {
           "./usr/bin/slamon",
           "./usr/lib/systemd/system/slamon.service",
           "./usr/lib/systemd/system/slamon-bridge.service",
           "./usr/share/slamon/config/slamon.example.yaml",
           "./usr/share/slamon/config/bridge.example.yaml",
           "./usr/share/slamon/config/bridge.env.example",
           "./usr/share/slamon/config/demo.yaml",
           "./usr/share/slamon/config/prometheus.yml",
           "./usr/share/slamon/config/alertmanager.yml",
           "./usr/share/slamon/config/grafana/provisioning/dashboards/slamon.yaml",
           "./usr/share/slamon/dashboards/slamon-sla-overview.json",
           "./usr/share/slamon/dashboards/slamon-pipeline.json",
           "./usr/share/slamon/dashboards/rules/slamon-alerts.yml",
           "./usr/share/slamon/dashboards/rules/slamon-recording.yml",
           "./usr/share/doc/slamon/README.md",
       }) {
    EXPECT_NE(r.out.find(" " + file + "\n"), std::string::npos) << file << " not in\n" << r.out;
  }
  // The binary is executable; the unit is not.
  EXPECT_NE(r.out.find("-rwxr-xr-x root/root"), std::string::npos);
  EXPECT_EQ(r.out.find("rwx------"), std::string::npos);
  // /etc/slamon is made by the postinst, not shipped: dpkg would reset its mode on every upgrade.
  EXPECT_EQ(r.out.find("./etc/"), std::string::npos) << r.out;
}

TEST_F(PackageTest, MaintainerScriptsKeepSecretsFromOthers) {
  const std::string control = dir_->Sub("control");
  ASSERT_EQ(DpkgDeb({"-e", deb_, control}).code, 0);
  auto read = [&](const std::string& name) {
    std::ifstream in(control + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string postinst = read("postinst");
  // The group the units' SupplementaryGroups= name; the config directory
  // readable by it only; the bridge's secrets file readable by root only.
  EXPECT_NE(postinst.find("addgroup --system --quiet slamon"), std::string::npos) << postinst;
  EXPECT_NE(postinst.find("chown root:slamon /etc/slamon"), std::string::npos) << postinst;
  EXPECT_NE(postinst.find("chmod 0750 /etc/slamon"), std::string::npos) << postinst;
  EXPECT_NE(postinst.find("install -m 0600 -o root -g root /usr/share/slamon/config/bridge.env.example "
                          "/etc/slamon/bridge.env"),
            std::string::npos)
      << postinst;
  EXPECT_NE(postinst.find("slamon-bridge.service"), std::string::npos) << postinst;
  EXPECT_NE(read("prerm").find("slamon-bridge.service"), std::string::npos);
  EXPECT_NE(read("postrm").find("purge"), std::string::npos);
  for (const std::string name : {"postinst", "prerm", "postrm"}) {
    // Valid shell, executable (dpkg refuses anything else).
    EXPECT_EQ(RunCapture({"/bin/sh", "-n", control + "/" + name}, dir_->path(), seconds(30)).code, 0) << name;
    EXPECT_EQ(access((control + "/" + name).c_str(), X_OK), 0) << name;
  }
  const RunResult depends = DpkgDeb({"-f", deb_, "Depends"});
  EXPECT_NE(depends.out.find("adduser"), std::string::npos) << depends.out;
}

TEST_F(PackageTest, DependsOnTheLinkedLibraries) {
  const RunResult r = DpkgDeb({"-f", deb_, "Package", "Version", "Depends"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Package: slamon\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Version: " SLAMON_VERSION "\n"), std::string::npos) << r.out;
  for (const std::string lib : {"librdkafka1", "libyaml-cpp", "libspdlog", "libc6", "libstdc++6"}) {
    EXPECT_NE(r.out.find(lib), std::string::npos) << lib << " not in\n" << r.out;
  }
}

TEST_F(PackageTest, ExtractedBinaryRuns) {
  const std::string root = dir_->Sub("root");
  ASSERT_EQ(DpkgDeb({"-x", deb_, root}).code, 0);
  const RunResult r = RunCapture({root + "/usr/bin/slamon", "--version"}, dir_->path(), seconds(30));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(SLAMON_VERSION), std::string::npos) << r.out << r.err;
}

TEST_F(PackageTest, MaintainerScriptsRunInASandbox) {
  // The postinst and postrm for real, against a copy of /etc bind-mounted
  // over /etc in a mount namespace of their own: the host is not touched.
  if (geteuid() != 0 || access("/usr/bin/unshare", X_OK) != 0) {
    GTEST_SKIP() << "needs root and unshare(1) for a private mount namespace";
  }
  if (RunCapture({"/usr/bin/unshare", "--mount", "/bin/true"}, dir_->path(), seconds(30)).code != 0) {
    GTEST_SKIP() << "no private mount namespace here (a container without CAP_SYS_ADMIN)";
  }
  const std::string etc = dir_->Sub("etc-copy"), root = dir_->Sub("root-scripts"), control = dir_->Sub("ctl");
  ASSERT_EQ(RunCapture({"/bin/cp", "-a", "/etc", etc}, dir_->path(), seconds(120)).code, 0);
  ASSERT_EQ(DpkgDeb({"-x", deb_, root}).code, 0);
  ASSERT_EQ(DpkgDeb({"-e", deb_, control}).code, 0);
  // The postinst copies the template from the installed path: use the extracted one.
  std::ifstream in(control + "/postinst");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string postinst = ss.str();
  const std::string from = "/usr/share/slamon/config/bridge.env.example";
  ASSERT_NE(postinst.find(from), std::string::npos);
  postinst.replace(postinst.find(from), from.size(), root + from);
  std::ofstream(control + "/postinst.test") << postinst;
  const std::string script =
      "set -e; mount --bind '" + etc + "' /etc; sh '" + control + "/postinst.test' configure; " +
      "stat -c '%n %a %U %G' /etc/slamon /etc/slamon/bridge.env; getent group slamon >/dev/null && echo group; " +
      "chmod 0755 /etc/slamon; echo 'ZENDESK_WEBHOOK_SECRET=kept' >> /etc/slamon/bridge.env; " + "sh '" + control +
      "/postinst.test' configure 0.0.1; stat -c '%n %a' /etc/slamon; " + "tail -n 1 /etc/slamon/bridge.env; sh '" +
      control + "/postrm' purge; test ! -e /etc/slamon && echo purged";
  const RunResult r = RunCapture({"/usr/bin/unshare", "--mount", "/bin/sh", "-c", script}, dir_->path(), seconds(60));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("/etc/slamon 750 root slamon\n/etc/slamon/bridge.env 600 root root\ngroup\n"), std::string::npos)
      << r.out;
  // An upgrade restores the directory's mode and keeps the secrets file as the administrator left it.
  EXPECT_NE(r.out.find("/etc/slamon 750\nZENDESK_WEBHOOK_SECRET=kept\npurged\n"), std::string::npos) << r.out;
}

TEST_F(PackageTest, InstalledUnitsVerify) {
  const std::string root = dir_->Sub("root-unit");
  ASSERT_EQ(DpkgDeb({"-x", deb_, root}).code, 0);
  for (const std::string name : {"slamon.service", "slamon-bridge.service"}) {
    std::ifstream in(root + "/usr/lib/systemd/system/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string unit = ss.str();
    // cpack installs with the /usr prefix: the unit runs the packaged binary.
    const std::string exec = "ExecStart=/usr/bin/slamon ";
    const size_t at = unit.find(exec);
    ASSERT_NE(at, std::string::npos) << name << ":\n" << unit;
    if (access(SLAMON_SYSTEMD_ANALYZE, X_OK) != 0) GTEST_SKIP() << "systemd-analyze is not installed";
    // verify wants ExecStart's binary to exist: point it at the extracted copy.
    unit.replace(at, exec.size(), "ExecStart=" + root + "/usr/bin/slamon ");
    std::ofstream(root + "/" + name) << unit;
    const RunResult r = RunCapture({SLAMON_SYSTEMD_ANALYZE, "verify", root + "/" + name}, dir_->path(), seconds(60));
    EXPECT_EQ(r.code, 0) << name << ": " << r.err;
    EXPECT_EQ(r.err, "") << name;
  }
}

}  // namespace
}  // namespace slamon::testing
