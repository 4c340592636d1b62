// `slamon config-reference`: the configuration reference of
// docs/configuration.md, generated from the field tables of the daemon config,
// the web config and the bridge config (and each webhook source kind). It
// prints the reference, rewrites the generated blocks of a document
// (--write), or checks that they are current (--check, exit 2 when stale).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slamon::daemon {

/// One generated block: the id of its markers and its markdown.
struct ReferenceBlock {
  std::string id;  ///< "config-reference", "web-config-reference", "bridge-config-reference"
  std::string markdown;
};

/// Every block, from the tables as built.
std::vector<ReferenceBlock> ConfigReferenceBlocks();

/// `document` with every block regenerated; nullopt (and the id in
/// `missing`) when a block's markers are not in it.
std::optional<std::string> UpdateConfigReference(std::string_view document, std::string* missing = nullptr);

/// How to bring docs/configuration.md up to date, for messages.
inline constexpr std::string_view kRegenerateReference = "slamon config-reference --write docs/configuration.md";

void AddConfigReferenceCommand(CLI::App& app);

}  // namespace slamon::daemon
