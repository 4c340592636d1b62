// The configuration reference in docs/configuration.md, generated from the
// field tables: one markdown table per section (key, type, default, bounds,
// whether a reload applies a change, meaning) between two marker lines, so
// that a test can tell when the docs and the tables disagree. A document may
// hold several such blocks, each named by an id:
//
//   <!-- BEGIN config-reference (generated) -->
//   ...
//   <!-- END config-reference -->
//
// Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/field_table.h"

namespace slamon::config {

/// The line that opens the block `id` ("<!-- BEGIN config-reference (generated) -->").
std::string BeginMarker(std::string_view id);
/// The line that closes it ("<!-- END config-reference -->").
std::string EndMarker(std::string_view id);

/// Markdown for `sections`: a "###" heading each, its doc line, and a table
/// whose keys are written in full ("kafka.brokers"; a section named "" is the
/// top level). No newline at the end (ReplaceGenerated adds the one before
/// the end marker).
std::string RenderReference(const std::vector<SectionInfo>& sections);

/// The text strictly between the markers of block `id` (without the marker
/// lines' newlines); nullopt when a marker is missing or they are out of order.
std::optional<std::string> ExtractGenerated(std::string_view document, std::string_view id);

/// `document` with the text between the markers of block `id` replaced by
/// `block`; nullopt as for ExtractGenerated.
std::optional<std::string> ReplaceGenerated(std::string_view document, std::string_view id, std::string_view block);

}  // namespace slamon::config
