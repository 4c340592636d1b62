#include "daemon/config/config_reference.h"

#include <fmt/format.h>

namespace slamon::config {
namespace {

// A table cell: pipes escaped, line breaks folded (a cell is one line).
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Code(std::string_view text) {
  if (text.empty()) return "`\"\"`";
  return "`" + Cell(text) + "`";
}

void RenderSection(const SectionInfo& s, std::string* out) {
  *out += fmt::format("### `{}`\n\n", s.name);
  if (!s.doc.empty()) *out += s.doc + "\n\n";
  *out += "| Key | Type | Default | Allowed | Applies | Description |\n";
  *out += "| --- | --- | --- | --- | --- | --- |\n";
  for (const auto& f : s.fields) {
    const std::string def = f.required ? "required" : Code(f.default_value);
    *out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", f.key, f.type, def, Cell(f.bounds),
                        f.apply == Apply::kLive ? "reload" : "restart", Cell(f.doc));
  }
  *out += "\n";
}

}  // namespace

std::string RenderReference(const std::vector<ReferencePart>& parts) {
  std::string out;
  for (const auto& part : parts) {
    out += "## " + part.title + "\n\n";
    if (!part.intro.empty()) out += part.intro + "\n\n";
    for (const auto& s : part.sections) RenderSection(s, &out);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::optional<std::string> ExtractGenerated(std::string_view document) {
  const size_t begin = document.find(kReferenceBegin);
  if (begin == std::string_view::npos) return std::nullopt;
  size_t from = begin + kReferenceBegin.size();
  const size_t end = document.find(kReferenceEnd, from);
  if (end == std::string_view::npos) return std::nullopt;
  if (from < end && document[from] == '\n') ++from;
  size_t to = end;
  if (to > from && document[to - 1] == '\n') --to;
  return std::string(document.substr(from, to - from));
}

std::optional<std::string> ReplaceGenerated(std::string_view document, std::string_view block) {
  const size_t begin = document.find(kReferenceBegin);
  if (begin == std::string_view::npos) return std::nullopt;
  const size_t from = begin + kReferenceBegin.size();
  const size_t end = document.find(kReferenceEnd, from);
  if (end == std::string_view::npos) return std::nullopt;
  std::string out(document.substr(0, from));
  out += '\n';
  out += block;
  if (!block.empty() && block.back() != '\n') out += '\n';
  out += document.substr(end);
  return out;
}

}  // namespace slamon::config
