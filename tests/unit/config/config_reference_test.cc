// The reference generator: the markdown a schema gives, and the generated
// block between the markers of a document.
#include "daemon/config/config_reference.h"

#include <gtest/gtest.h>

namespace slamon::config {
namespace {

struct Demo {
  std::string path = "data";
  int keep = 3;
  std::string level = "info";
  std::string password;
};
using C = Demo;

const std::vector<SectionInfo>& Sections() {
  static const std::vector<SectionInfo> kSections = {
      FieldTable<C>("store", "Where events are kept.",
                    {
                        Str("path", At(&C::path), "data", Apply::kRestart, "RocksDB directory.").Required(),
                        Int("keep", At(&C::keep), 3, {1, 100, "", "0 | never"}, Apply::kRestart, "Snapshots kept."),
                        Str("password", At(&C::password), "", Apply::kRestart, "Secret.").Secret(),
                    })
          .Describe(),
      FieldTable<C>("log", "", {OneOf("level", At(&C::level), "info", {"info", "warn"}, Apply::kLive, "Level.")})
          .Describe(),
  };
  return kSections;
}

TEST(ConfigReference, RendersOneTablePerSection) {
  const std::string expected =
      "## The demo config\n"
      "\n"
      "Intro.\n"
      "\n"
      "### `store`\n"
      "\n"
      "Where events are kept.\n"
      "\n"
      "| Key | Type | Default | Allowed | Applies | Description |\n"
      "| --- | --- | --- | --- | --- | --- |\n"
      "| `path` | string | required |  | restart | RocksDB directory. |\n"
      "| `keep` | integer | `3` | 1..100 (0 \\| never) | restart | Snapshots kept. |\n"
      "| `password` | string | `\"\"` |  | restart | Secret. |\n"
      "\n"
      "### `log`\n"
      "\n"
      "| Key | Type | Default | Allowed | Applies | Description |\n"
      "| --- | --- | --- | --- | --- | --- |\n"
      "| `level` | one of | `info` | info, warn | reload | Level. |";
  EXPECT_EQ(RenderReference({{"The demo config", "Intro.", Sections()}}), expected);
}

TEST(ConfigReference, ReplacesAndExtractsTheGeneratedBlock) {
  const std::string doc = std::string("# Configuration\n\nBefore.\n\n") + std::string(kReferenceBegin) +
                          "\nold text\n" + std::string(kReferenceEnd) + "\n\nAfter.\n";
  EXPECT_EQ(ExtractGenerated(doc), "old text");
  const std::string block = RenderReference({{"Part", "", Sections()}});
  const auto updated = ReplaceGenerated(doc, block);
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(ExtractGenerated(*updated), block);
  EXPECT_EQ(updated->substr(0, 21), "# Configuration\n\nBefo");
  EXPECT_EQ(updated->substr(updated->size() - 7), "After.\n");
  // Replacing again changes nothing.
  EXPECT_EQ(ReplaceGenerated(*updated, block), updated);
  // An empty block between the markers.
  const std::string empty = std::string(kReferenceBegin) + "\n" + std::string(kReferenceEnd) + "\n";
  EXPECT_EQ(ExtractGenerated(empty), "");
}

TEST(ConfigReference, MissingOrMisorderedMarkersAreNoBlock) {
  EXPECT_EQ(ExtractGenerated("no markers"), std::nullopt);
  EXPECT_EQ(ExtractGenerated(std::string(kReferenceBegin) + "\nno end\n"), std::nullopt);
  EXPECT_EQ(ExtractGenerated(std::string(kReferenceEnd) + "\n" + std::string(kReferenceBegin) + "\n"), std::nullopt);
  EXPECT_EQ(ReplaceGenerated("no markers", "x"), std::nullopt);
}

}  // namespace
}  // namespace slamon::config
