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

std::string DefaultCell(const FieldInfo& f) {
  if (f.required) return "required";
  if (!f.default_doc.empty()) return Cell(f.default_doc);
  if (f.default_value.empty()) return "none";
  return "`" + Cell(f.default_value) + "`";
}

void RenderSection(const SectionInfo& s, std::string* out) {
  *out += fmt::format("### {}\n\n", !s.title.empty() ? s.title : s.name.empty() ? "(top level)" : s.name);
  if (!s.doc.empty()) *out += s.doc + "\n\n";
  *out += "| key | type | default | bounds | reload | meaning |\n";
  *out += "|---|---|---|---|---|---|\n";
  for (const auto& f : s.fields) {
    const std::string key = s.name.empty() ? f.key : s.name + "." + f.key;
    *out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", key, f.type, DefaultCell(f), Cell(f.bounds),
                        f.apply == Apply::kLive ? "live" : "restart", Cell(f.doc));
  }
  *out += "\n";
}

struct Span {
  size_t from;  // first character of the block
  size_t to;    // one past its last
};

std::optional<Span> Find(std::string_view document, std::string_view id) {
  const std::string begin = BeginMarker(id);
  const std::string end = EndMarker(id);
  const size_t b = document.find(begin);
  if (b == std::string_view::npos) return std::nullopt;
  const size_t from = b + begin.size();
  const size_t e = document.find(end, from);
  if (e == std::string_view::npos) return std::nullopt;
  return Span{from, e};
}

}  // namespace

std::string BeginMarker(std::string_view id) { return fmt::format("<!-- BEGIN {} (generated) -->", id); }

std::string EndMarker(std::string_view id) { return fmt::format("<!-- END {} -->", id); }

std::string RenderReference(const std::vector<SectionInfo>& sections) {
  std::string out;
  for (const auto& s : sections) RenderSection(s, &out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::optional<std::string> ExtractGenerated(std::string_view document, std::string_view id) {
  const auto span = Find(document, id);
  if (!span) return std::nullopt;
  size_t from = span->from;
  size_t to = span->to;
  if (from < to && document[from] == '\n') ++from;
  if (to > from && document[to - 1] == '\n') --to;
  return std::string(document.substr(from, to - from));
}

std::optional<std::string> ReplaceGenerated(std::string_view document, std::string_view id, std::string_view block) {
  const auto span = Find(document, id);
  if (!span) return std::nullopt;
  std::string out(document.substr(0, span->from));
  out += '\n';
  out += block;
  if (!block.empty() && block.back() != '\n') out += '\n';
  out += document.substr(span->to);
  return out;
}

}  // namespace slamon::config
