// The one YAML reader: positions in the one message shape, --set overrides
// and where their problems point, unknown keys, and file-level failures.
#include "daemon/config/yaml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace slamon::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ErrorOf(const std::function<void()>& load) {
  try {
    load();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(YamlReader, ProblemsNameFileLineAndField) {
  auto r = YamlReader::FromText("store:\n  path: x\nkafka:\n  brokers: [a]\n", "slamon.yaml");
  r.Problem(r.At("kafka.brokers"), "kafka.brokers", "expected a string, got a list");
  r.Problem(r.At("store"), "store.sync", "is required");
  EXPECT_THAT(r.problems(), ElementsAre("slamon.yaml:4: kafka.brokers: expected a string, got a list",
                                        "slamon.yaml:2: store.sync: is required"));
  try {
    r.ThrowIfProblems();
    FAIL() << "no throw";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "slamon.yaml:4: kafka.brokers: expected a string, got a list\nslamon.yaml:2: store.sync: is required");
    EXPECT_EQ(e.problems().size(), 2u);
  }
}

TEST(YamlReader, AtWalksMappingsWithoutAddingKeys) {
  auto r = YamlReader::FromText("http:\n  basic_auth:\n    user: a\n", "f.yaml");
  EXPECT_EQ(r.At("http.basic_auth.user").Scalar(), "a");
  EXPECT_FALSE(r.At("http.basic_auth.password").IsDefined());
  EXPECT_FALSE(r.At("http.basic_auth.user.deeper").IsDefined());
  EXPECT_FALSE(r.At("store.path").IsDefined());
  // Looking up missing keys leaves the document as it was.
  EXPECT_EQ(r.root().size(), 1u);
  EXPECT_EQ(r.root()["http"]["basic_auth"].size(), 1u);
}

TEST(YamlReader, CheckKeysReportsEveryUnknownKey) {
  auto r = YamlReader::FromText("kafak: {}\nkafka:\n  brokers: x\n  bogus: 1\n  other: 2\n", "f.yaml");
  EXPECT_FALSE(r.CheckKeys(r.root(), "", {"kafka", "store"}));
  EXPECT_FALSE(r.CheckKeys(r.At("kafka"), "kafka", {"brokers"}));
  EXPECT_TRUE(r.CheckKeys(r.At("store"), "store", {"path"}));  // absent: nothing to check
  EXPECT_THAT(r.problems(), ElementsAre("f.yaml:1: kafak: unknown section", "f.yaml:4: kafka.bogus: unknown setting",
                                        "f.yaml:5: kafka.other: unknown setting"));
}

TEST(YamlReader, CheckKeysRejectsNonMappingsAndComplexKeys) {
  auto r = YamlReader::FromText("store: [1, 2]\nkafka:\n  ? [a, b]\n  : 1\n", "f.yaml");
  EXPECT_FALSE(r.CheckKeys(r.At("store"), "store", {"path"}));
  EXPECT_FALSE(r.CheckKeys(r.At("kafka"), "kafka", {"brokers"}));
  EXPECT_THAT(r.problems(), ElementsAre("f.yaml:1: store: must be a mapping",
                                        "f.yaml:3: kafka: a key must be a plain name, not a list or a mapping"));
}

TEST(YamlReader, OverridesEditTheDocument) {
  auto r = YamlReader::FromText("kafka:\n  brokers: embedded\n", "f.yaml",
                                {"kafka.brokers=10.0.0.1:9092", "store.sync=false", "kafka.topics=[a, b]",
                                 "kafka.properties.client.rack=eu1", "http.basic_auth.user=ops"});
  EXPECT_TRUE(r.ok()) << r.problems().front();
  EXPECT_EQ(r.At("kafka.brokers").Scalar(), "10.0.0.1:9092");
  EXPECT_EQ(r.At("store.sync").Scalar(), "false");
  EXPECT_EQ(r.At("kafka.topics").size(), 2u);
  // librdkafka property names keep their dots.
  EXPECT_EQ(r.root()["kafka"]["properties"]["client.rack"].Scalar(), "eu1");
  EXPECT_EQ(r.At("http.basic_auth.user").Scalar(), "ops");
}

TEST(YamlReader, ProblemsInOverriddenValuesPointAtTheSetOption) {
  auto r = YamlReader::FromText("kafka:\n  brokers: embedded\n  topics: [x]\n", "f.yaml",
                                {"store.path=a", "kafka.topics=[a, {b: 1}]", "backup.dir=/b", "kafka.bogus=1"});
  ASSERT_TRUE(r.ok());
  // The value an override parsed, and a node inside it.
  EXPECT_EQ(r.Where(r.At("kafka.topics")), "--set:2");
  EXPECT_EQ(r.Where(r.At("kafka.topics")[1]), "--set:2");
  // A section an override created, and a key it added: placed by the field name.
  EXPECT_EQ(r.Where(r.At("backup"), "backup.dir"), "--set:3");
  EXPECT_EQ(r.Where(r.At("backup"), "backup"), "--set:3");
  EXPECT_EQ(r.Where(r.At("backup"), "backup.keep"), "--set:3");  // a key the created section lacks
  EXPECT_TRUE(r.CheckKeys(r.At("backup"), "backup", {"dir"}));
  EXPECT_FALSE(r.CheckKeys(r.At("kafka"), "kafka", {"brokers", "topics"}));
  EXPECT_THAT(r.problems(), ElementsAre("--set:4: kafka.bogus: unknown setting"));
  // Values from the file keep their lines.
  EXPECT_EQ(r.Where(r.At("kafka.brokers"), "kafka.brokers"), "f.yaml:2");
}

TEST(YamlReader, MalformedOverridesAreProblems) {
  auto r = YamlReader::FromText("store:\n  path: x\n", "f.yaml",
                                {"store.sync=true", "nokey", "=1", "store..path=y", "store.path.deeper=1", "a.b=[1"});
  EXPECT_THAT(r.problems(),
              ElementsAre("--set:2: nokey: expected section.key=value (e.g. kafka.brokers=127.0.0.1:9092)",
                          "--set:3: =1: expected section.key=value (e.g. kafka.brokers=127.0.0.1:9092)",
                          "--set:4: store..path: empty key segment",
                          "--set:5: store.path.deeper: store.path is \"x\", not a mapping",
                          HasSubstr("--set:6: a.b: the value is not valid YAML")));
  EXPECT_EQ(r.At("store.path").Scalar(), "x");  // the rejected override left it alone
}

TEST(YamlReader, AbsentNodesFallBackToTheDocumentsFirstLine) {
  auto r = YamlReader::FromText("# comment\n\nstore:\n  path: x\n", "f.yaml");
  EXPECT_EQ(r.Where(r.At("kafka"), "kafka.brokers"), "f.yaml:3");
}

TEST(YamlReader, FileLevelFailuresNameTheFile) {
  EXPECT_THAT(ErrorOf([] { (void)YamlReader::FromText("store: [1, 2\n", "f.yaml"); }),
              HasSubstr("f.yaml:2: invalid YAML: "));
  EXPECT_EQ(ErrorOf([] { (void)YamlReader::FromText("# nothing\n", "f.yaml"); }), "f.yaml: the config file is empty");
  EXPECT_EQ(ErrorOf([] { (void)YamlReader::FromText("", "w.yaml", {}, "web config file"); }),
            "w.yaml: the web config file is empty");
  EXPECT_EQ(ErrorOf([] { (void)YamlReader::FromText("- a\n- b\n", "f.yaml"); }),
            "f.yaml:1: (top level): must be a mapping");
  EXPECT_THAT(ErrorOf([] { (void)YamlReader::FromFile("/nonexistent/slamon.yaml"); }),
              HasSubstr("/nonexistent/slamon.yaml: cannot read the config file: "));
}

TEST(YamlReader, FromFileReadsTheFile) {
  std::string dir = (std::filesystem::temp_directory_path() / "slamon-yaml-reader-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/slamon.yaml";
  std::ofstream(path) << "store:\n  path: data\n";
  auto r = YamlReader::FromFile(path, {"store.sync=false"});
  EXPECT_EQ(r.file(), path);
  EXPECT_EQ(r.At("store.path").Scalar(), "data");
  EXPECT_EQ(r.Where(r.At("store.path")), path + ":2");
  std::filesystem::remove_all(dir);
}

TEST(YamlReader, FailThrowsEveryProblemSoFar) {
  auto r = YamlReader::FromText("a: 1\nb: 2\n", "f.yaml");
  r.Problem(r.At("a"), "a", "first");
  const std::string error = ErrorOf([&] { r.Fail(r.At("b"), "b", "second"); });
  EXPECT_EQ(error, "f.yaml:1: a: first\nf.yaml:2: b: second");
}

TEST(YamlReader, WrapsADocumentParsedElsewhere) {
  YAML::Node root = YAML::Load("health:\n  weights: {csat: x}\n");
  YamlReader r(root, "slamon.yaml");
  r.Problem(r.At("health.weights.csat"), "health.weights.csat", "not a finite number");
  EXPECT_THAT(r.problems(), ElementsAre("slamon.yaml:2: health.weights.csat: not a finite number"));
}

TEST(YamlReader, PositionsServeStructureSpecificReaders) {
  // A reader of its own (the projections' calendars) places its problems
  // with the reader's positions: overrides included.
  auto r = YamlReader::FromText("health:\n  weights:\n    csat: 1\n", "f.yaml", {"health.weights.sla=x"});
  const ConfigPositions& where = r.positions();
  EXPECT_EQ(where.Problem(r.At("health.weights.csat"), "health.weights.csat", "ok"),
            "f.yaml:3: health.weights.csat: ok");
  EXPECT_EQ(where.Problem(r.At("health.weights.sla"), "health.weights.sla", "not a finite number"),
            "--set:1: health.weights.sla: not a finite number");
  // Status messages such a reader returns join the reader's problems, one per line.
  r.AddFormatted("f.yaml:1: calendars: expected a list\nf.yaml:2: policies[0].name: missing\n");
  EXPECT_THAT(r.problems(), ElementsAre("f.yaml:1: calendars: expected a list", "f.yaml:2: policies[0].name: missing"));
  // Without a reader: the file's positions alone.
  ConfigPositions plain("g.yaml", YAML::Load("\n\na: [1, 2]\n"));
  EXPECT_EQ(plain.Where(YAML::Load("\n\na: [1, 2]\n")["a"][1]), "g.yaml:3");
  EXPECT_EQ(plain.Where(YAML::Node(YAML::NodeType::Undefined), "b"), "g.yaml:3");
}

TEST(YamlReader, DescribeAndJoin) {
  EXPECT_EQ(YamlReader::Describe(YAML::Load("[1]")), "a list");
  EXPECT_EQ(YamlReader::Describe(YAML::Load("{a: 1}")), "a mapping");
  EXPECT_EQ(YamlReader::Describe(YAML::Load("soon")), "\"soon\"");
  EXPECT_EQ(YamlReader::Describe(YAML::Node()), "nothing");
  EXPECT_EQ(YamlReader::Describe(YAML::Node(std::string(200, 'x'))), "\"" + std::string(80, 'x') + "\"");
  EXPECT_EQ(YamlReader::Join("", "kafka"), "kafka");
  EXPECT_EQ(YamlReader::Join("sources.zd", "secret"), "sources.zd.secret");
  EXPECT_EQ(FormatConfigProblem("f.yaml:3", "kafka.brokers", "must not be empty"),
            "f.yaml:3: kafka.brokers: must not be empty");
}

}  // namespace
}  // namespace slamon::config
