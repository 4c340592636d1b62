// The configuration reference in docs/configuration.md, generated from the
// field tables: one markdown table per section (key, type, default, allowed
// values, when a change applies, description) between two markers, so a test
// can tell when the docs and the tables disagree. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/field_table.h"

namespace slamon::config {

/// The lines that open and close the generated block.
inline constexpr std::string_view kReferenceBegin = "<!-- BEGIN config-reference (generated) -->";
inline constexpr std::string_view kReferenceEnd = "<!-- END config-reference -->";

/// One part of the reference: a file (the daemon config, the web config, the
/// bridge config) and its sections.
struct ReferencePart {
  std::string title;  ///< "The daemon config (`slamon run --config`)"
  std::string intro;  ///< a paragraph under the title; may be empty
  std::vector<SectionInfo> sections;
};

/// Markdown for `parts`: a "##" heading per part, "###" per section; no
/// newline at the end (ReplaceGenerated adds the one before the end marker).
std::string RenderReference(const std::vector<ReferencePart>& parts);

/// The text strictly between the markers (without the marker lines'
/// newlines); nullopt when a marker is missing or they are out of order.
std::optional<std::string> ExtractGenerated(std::string_view document);

/// `document` with the text between the markers replaced by `block`
/// (surrounded by one newline on each side); nullopt as for ExtractGenerated.
std::optional<std::string> ReplaceGenerated(std::string_view document, std::string_view block);

}  // namespace slamon::config
