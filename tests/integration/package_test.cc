// The Debian package as scripts/package builds it, made here from the binary
// already built in this tree (cpack installs into its own staging prefix, no
// second build): the expected files are in it, its dependencies come from the
// linked libraries, the binary runs from an extracted copy, and the unit it
// installs passes systemd-analyze verify.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/process.h"
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
           "./usr/share/slamon/config/slamon.example.yaml",
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

TEST_F(PackageTest, InstalledUnitVerifies) {
  const std::string root = dir_->Sub("root-unit");
  ASSERT_EQ(DpkgDeb({"-x", deb_, root}).code, 0);
  std::string unit = ReadFile(root + "/usr/lib/systemd/system/slamon.service");
  // cpack installs with the /usr prefix: the unit runs the packaged binary.
  const std::string exec = "ExecStart=/usr/bin/slamon ";
  const size_t at = unit.find(exec);
  ASSERT_NE(at, std::string::npos) << unit;
  if (access(SLAMON_SYSTEMD_ANALYZE, X_OK) != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  // verify wants ExecStart's binary to exist: point it at the extracted copy.
  unit.replace(at, exec.size(), "ExecStart=" + root + "/usr/bin/slamon ");
  std::ofstream(root + "/slamon.service") << unit;
  const RunResult r =
      RunCapture({SLAMON_SYSTEMD_ANALYZE, "verify", root + "/slamon.service"}, dir_->path(), seconds(60));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace slamon::testing
