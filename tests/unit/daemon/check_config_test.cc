// `slamon check-config` and `slamon --version` through the real binary: every
// shipped config passes with a summary of its policies in match order, broken
// ones exit 2 naming file, line and field, and --version names a revision.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/kafka_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

RunResult CheckConfig(const TempDir& dir, const std::string& file, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {SLAMON_BINARY, "check-config", file};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCapture(args, dir.path(), std::chrono::seconds(30));
}

TEST(CheckConfigTest, EveryShippedConfigIsValid) {
  TempDir dir;
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SLAMON_SOURCE_DIR) + "/config")) {
    if (entry.path().extension() != ".yaml") continue;
    // Prometheus' own config files end in .yml; slamon's in .yaml. The
    // bridge's configs (bridge*.yaml) are `slamon bridge` configs, not the daemon's.
    if (entry.path().filename().string().starts_with("bridge")) continue;
    const RunResult r = CheckConfig(dir, entry.path().string());
    EXPECT_EQ(r.code, 0) << entry.path() << ": " << r.err;
    EXPECT_NE(r.out.find(entry.path().string() + ": valid"), std::string::npos) << r.out;
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(CheckConfigTest, EveryExampleNamesTheSameTopic) {
  // Copied as they are, the bridge examples must write where the daemon
  // examples read: one topic name in every config/*.yaml.
  std::map<std::string, std::string> topic_of;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SLAMON_SOURCE_DIR) + "/config")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    // A daemon config's kafka.topics ([a]) or a bridge config's kafka.topic;
    // neither: the default of both.
    topic_of[entry.path().filename().string()] =
        std::regex_search(text, m, std::regex(R"(\n  topics?: \[?([^\]\s#,]+))")) ? m[1].str() : "slamon-events";
  }
  ASSERT_GE(topic_of.size(), 3u);
  for (const auto& [file, topic] : topic_of) EXPECT_EQ(topic, "slamon-events") << file;
}

TEST(CheckConfigTest, SummaryListsPoliciesInMatchOrderWithTargets) {
  TempDir dir;
  const RunResult r =
      CheckConfig(dir, std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml", {"--kafka-timeout", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  // The example's six policies, first match first.
  const std::vector<std::string> order = {"1. tier-a-phone: tier A, channel phone; calendar 24x7",
                                          "2. tier-a: tier A; calendar cn-business (or the account's)",
                                          "3. tier-b-key: tier B, team key-accounts",
                                          "4. tier-b: tier B",
                                          "5. tier-c-us: tier C; calendar us-east",
                                          "6. default: any ticket"};
  size_t at = 0;
  for (const auto& line : order) {
    const size_t found = r.out.find(line, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << line << "\n" << r.out;
    at = found;
  }
  EXPECT_NE(r.out.find("first_response 1h, next_response 2h, resolution 8h, assignment[after_sales] 2h"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("escalation team_lead +2h, head_of_service +1d"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cn-business (Asia/Shanghai, 3 holidays, 2 date overrides)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kafka       brokers kafka-1:9092,kafka-2:9092; topics slamon-events"), std::string::npos)
      << r.out;
  // One screen.
  EXPECT_LT(std::count(r.out.begin(), r.out.end(), '\n'), 40) << r.out;
  // --set applies as with `run`.
  EXPECT_NE(r.out.find("topics      not checked (--kafka-timeout 0)"), std::string::npos) << r.out;
  const RunResult overridden = CheckConfig(dir, std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml",
                                           {"--set", "kafka.brokers=127.0.0.1:1", "--kafka-timeout", "0"});
  ASSERT_EQ(overridden.code, 0) << overridden.err;
  EXPECT_NE(overridden.out.find("brokers 127.0.0.1:1;"), std::string::npos) << overridden.out;
}

TEST(CheckConfigTest, AnUnreachableClusterIsCouldNotCheckNotInvalid) {
  // Offline use: the wait is bounded, the config stays valid (exit 0).
  TempDir dir;
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = CheckConfig(dir, std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml",
                                  {"--set", "kafka.brokers=127.0.0.1:1", "--kafka-timeout", "2"});
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": valid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("topics      could not check retention: "), std::string::npos) << r.out;
  EXPECT_LT(seconds, 15) << r.out;
  // The demo's in-process cluster is not asked at all.
  const RunResult demo = CheckConfig(dir, std::string(SLAMON_SOURCE_DIR) + "/config/demo.yaml");
  EXPECT_EQ(demo.code, 0) << demo.err;
  EXPECT_NE(demo.out.find("topics      not checked (the embedded cluster)"), std::string::npos) << demo.out;
}

TEST(CheckConfigTest, BrokenConfigsExit2WithFileLineAndField) {
  TempDir dir;
  const std::string base = "kafka: {brokers: 127.0.0.1:9092, topics: [t]}\n";
  struct Case {
    std::string text;
    std::string expected;  // after the file name
  };
  const std::vector<Case> cases = {
      {base + "policies:\n  - name: a\n    calendar: nope\n", ":4: policies[0].calendar: unknown calendar 'nope'"},
      {base + "policies:\n  - name: a\n    targets: {first_response: soon}\n",
       ":4: policies[0].targets.first_response: bad duration 'soon'"},
      {base + "htp: {listen: 127.0.0.1:1}\n", ":2: field htp: unknown section"},
      {base + "health: {weights: {csat: -1}}\n", ":2: health.weights.csat:"},
      {base + "value: {currency: euros}\n", ":2: value.currency:"},
      {"kafka: {brokers: 127.0.0.1:9092, topics: [t], properties: {no.such.property: x}}\n",
       ": field kafka.properties.no.such.property:"},
      {"kafka: [\n", ":2: invalid YAML"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string file = dir.Sub("bad" + std::to_string(i) + ".yaml");
    std::ofstream(file) << cases[i].text;
    const RunResult r = CheckConfig(dir, file);
    EXPECT_EQ(r.code, 2) << cases[i].text << r.out << r.err;
    EXPECT_NE(r.err.find("INVALID: " + file + cases[i].expected), std::string::npos) << "case " << i << ": " << r.err;
    EXPECT_EQ(r.out.find("valid"), std::string::npos) << r.out;
  }
  const RunResult missing = CheckConfig(dir, dir.Sub("missing.yaml"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("cannot read the config file"), std::string::npos) << missing.err;
}

TEST(VersionTest, PrintsVersionAndRevision) {
  TempDir dir;
  const RunResult r = RunCapture({SLAMON_BINARY, "--version"}, dir.path(), std::chrono::seconds(30));
  ASSERT_EQ(r.code, 0) << r.err;
  // "slamon 0.1.0 (revision 1a2b3c4)", or "unknown" when built outside git.
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex(R"(^slamon [0-9]+\.[0-9]+\.[0-9]+ \(revision ([0-9a-f]{7,}|unknown)\)\n$)")))
      << r.out;
}

}  // namespace
}  // namespace slamon::testing
