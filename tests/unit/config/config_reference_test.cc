// The reference generator: the markdown a set of tables gives, and the
// generated blocks between the markers of a document.
#include "daemon/config/config_reference.h"

#include <gtest/gtest.h>

namespace slamon::config {
namespace {

struct Demo {
  std::string path = "data";
  int keep = 3;
  std::string level = "info";
  std::string password;
  std::vector<std::string> tiers;
  std::map<std::string, std::string> users;
};
using C = Demo;

const std::vector<SectionInfo>& Sections() {
  static const std::vector<SectionInfo> kSections = {
      FieldTable<C>("store", "Where events are kept.",
                    {
                        Str("path", At(&C::path), "data", Apply::kRestart, "RocksDB directory.").Required(),
                        Int("keep", At(&C::keep), 3, {1, 100, "", "0 | never"}, Apply::kRestart, "Snapshots kept."),
                        Str("password", At(&C::password), "", Apply::kRestart, "Secret.").Secret(),
                        List("tiers", At(&C::tiers), {}, {}, Apply::kRestart, "Tiers.")
                            .DefaultDoc("A, B, C and the policies' tiers"),
                    })
          .Describe(),
      FieldTable<C>("log", "", {OneOf("level", At(&C::level), "info", {"info", "warn"}, Apply::kLive, "Level.")})
          .Describe(),
      FieldTable<C>("", "", {Map("users", At(&C::users), Apply::kRestart, "Users.")}).Describe(),
      FieldTable<C>("sources.<name>", "", {Structured<C>("events", "list of rules", "Mapping rules.")})
          .Title("sources.<name>, kind generic")
          .Describe(),
  };
  return kSections;
}

TEST(ConfigReference, RendersOneTablePerSection) {
  const std::string expected =
      "### store\n"
      "\n"
      "Where events are kept.\n"
      "\n"
      "| key | type | default | bounds | reload | meaning |\n"
      "|---|---|---|---|---|---|\n"
      "| `store.path` | string | required |  | restart | RocksDB directory. |\n"
      "| `store.keep` | integer | `3` | 1..100 (0 \\| never) | restart | Snapshots kept. |\n"
      "| `store.password` | string | none |  | restart | Secret. |\n"
      "| `store.tiers` | list of strings | A, B, C and the policies' tiers |  | restart | Tiers. |\n"
      "\n"
      "### log\n"
      "\n"
      "| key | type | default | bounds | reload | meaning |\n"
      "|---|---|---|---|---|---|\n"
      "| `log.level` | one of | `info` | info, warn | live | Level. |\n"
      "\n"
      "### (top level)\n"
      "\n"
      "| key | type | default | bounds | reload | meaning |\n"
      "|---|---|---|---|---|---|\n"
      "| `users` | mapping | `{}` |  | restart | Users. |\n"
      "\n"
      "### sources.<name>, kind generic\n"
      "\n"
      "| key | type | default | bounds | reload | meaning |\n"
      "|---|---|---|---|---|---|\n"
      "| `sources.<name>.events` | list of rules | none |  | restart | Mapping rules. |";
  EXPECT_EQ(RenderReference(Sections()), expected);
}

TEST(ConfigReference, ReplacesAndExtractsTheGeneratedBlock) {
  EXPECT_EQ(BeginMarker("config-reference"), "<!-- BEGIN config-reference (generated) -->");
  EXPECT_EQ(EndMarker("config-reference"), "<!-- END config-reference -->");
  const std::string doc = "# Configuration\n\nBefore.\n\n" + BeginMarker("a") + "\nold text\n" + EndMarker("a") +
                          "\n\nBetween.\n\n" + BeginMarker("b") + "\nother\n" + EndMarker("b") + "\n\nAfter.\n";
  EXPECT_EQ(ExtractGenerated(doc, "a"), "old text");
  EXPECT_EQ(ExtractGenerated(doc, "b"), "other");
  const std::string block = RenderReference(Sections());
  const auto updated = ReplaceGenerated(doc, "a", block);
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(ExtractGenerated(*updated, "a"), block);
  EXPECT_EQ(ExtractGenerated(*updated, "b"), "other");  // the other block is left alone
  EXPECT_EQ(updated->substr(0, 21), "# Configuration\n\nBefo");
  EXPECT_EQ(updated->substr(updated->size() - 7), "After.\n");
  // Replacing again changes nothing.
  EXPECT_EQ(ReplaceGenerated(*updated, "a", block), updated);
  // An empty block between the markers.
  EXPECT_EQ(ExtractGenerated(BeginMarker("a") + "\n" + EndMarker("a") + "\n", "a"), "");
}

TEST(ConfigReference, MissingOrMisorderedMarkersAreNoBlock) {
  EXPECT_EQ(ExtractGenerated("no markers", "a"), std::nullopt);
  EXPECT_EQ(ExtractGenerated(BeginMarker("a") + "\nno end\n", "a"), std::nullopt);
  EXPECT_EQ(ExtractGenerated(EndMarker("a") + "\n" + BeginMarker("a") + "\n", "a"), std::nullopt);
  EXPECT_EQ(ExtractGenerated(BeginMarker("a") + "\n" + EndMarker("a") + "\n", "b"), std::nullopt);
  EXPECT_EQ(ReplaceGenerated("no markers", "a", "x"), std::nullopt);
}

}  // namespace
}  // namespace slamon::config
