// docs/configuration.md against the field tables: every generated block must
// be what the tables give today, so a new, renamed or re-bounded key cannot
// leave the reference behind.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/bridge/bridge_config.h"
#include "daemon/cli/config_reference_command.h"
#include "daemon/config/config_reference.h"
#include "daemon/config/daemon_fields.h"
#include "daemon/config/web_fields.h"

namespace slamon::daemon {
namespace {

std::string Docs() {
  const std::string path = std::string(SLAMON_SOURCE_DIR) + "/docs/configuration.md";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigReferenceDocs, EveryGeneratedBlockMatchesTheTables) {
  const std::string docs = Docs();
  const auto blocks = ConfigReferenceBlocks();
  ASSERT_EQ(blocks.size(), 3u);
  for (const auto& block : blocks) {
    const auto in_docs = config::ExtractGenerated(docs, block.id);
    ASSERT_TRUE(in_docs.has_value()) << "docs/configuration.md has no " << config::BeginMarker(block.id) << " ... "
                                     << config::EndMarker(block.id) << " block";
    EXPECT_EQ(*in_docs, block.markdown) << "docs/configuration.md (" << block.id
                                        << ") disagrees with the config tables; regenerate it with:\n  build/"
                                        << kRegenerateReference;
  }
  // The same through the command's own path: nothing to rewrite.
  EXPECT_EQ(UpdateConfigReference(docs), docs);
}

TEST(ConfigReferenceDocs, EveryKeyOfEveryTableIsInTheReference) {
  const std::string docs = Docs();
  std::vector<config::SectionInfo> sections = DaemonSchema().Describe();
  for (auto& s : WebConfigSchema().Describe()) sections.push_back(std::move(s));
  for (auto& s : bridge::BridgeReference()) sections.push_back(std::move(s));
  size_t keys = 0;
  for (const auto& section : sections) {
    for (const auto& field : section.fields) {
      const std::string key = "`" + config::YamlReader::Join(section.name, field.key) + "`";
      EXPECT_NE(docs.find(key), std::string::npos) << key << " is not in docs/configuration.md";
      ++keys;
    }
  }
  EXPECT_GT(keys, 80u);
  // A stale block is found and named.
  std::string stale = docs;
  const std::string row = "| `store.sync` | boolean | `true` |";
  ASSERT_NE(stale.find(row), std::string::npos);
  stale.replace(stale.find(row), row.size(), "| `store.sync` | boolean | `false` |");
  EXPECT_NE(UpdateConfigReference(stale), stale);
  std::string missing;
  EXPECT_EQ(UpdateConfigReference("# no blocks\n", &missing), std::nullopt);
  EXPECT_EQ(missing, "config-reference");
}

}  // namespace
}  // namespace slamon::daemon
