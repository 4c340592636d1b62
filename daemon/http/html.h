// Pieces shared by the daemon's HTML pages (the compliance report and the web
// console), so that both escape text the same way and look alike. Every
// function here escapes the text it is given; none takes markup.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/http/http_types.h"

namespace slamon::daemon {

/// `s` with &, <, >, " and ' replaced by character references: safe as
/// element text and inside a quoted attribute value.
std::string HtmlEscape(std::string_view s);

/// `s` as one URL path segment: unreserved characters kept, every other byte
/// %XX, so that an id with '/', '?', '#' or spaces links to itself (the
/// server percent-decodes paths). Escape it again with HtmlEscape in markup.
std::string UrlPathSegment(std::string_view s);

/// A server-rendered page: `text/html; charset=utf-8` with the headers every
/// console page carries — a Content-Security-Policy that allows no script,
/// no external resource and no framing (inline styles only), `nosniff` and
/// `Cache-Control: no-store`.
HttpResponse HtmlPageResponse(int status, std::string body);

/// The common style sheet: page, headings, summary cards (`.card` with
/// `.ok`/`.no`, `.cl`/`.cv`/`.cs`) and tables (`td.num`, `td.ok`, `td.no`,
/// `td.na`, `tr.sub`). Pages append their own rules after it.
extern const std::string_view kHtmlBaseStyle;

/// "ok", "no", or "na" when undefined: the class of a flag cell or card.
std::string HtmlFlagClass(const std::optional<bool>& v);

/// One table cell: its text, a class ("" | "num" | "ok" | "no" | "na" | a
/// page's own) and, when `href` is set, a link around the text; or, made by
/// Links(), several links side by side.
struct HtmlCell {
  HtmlCell(std::string t, std::string c) : text(std::move(t)), cls(std::move(c)) {}
  HtmlCell(std::string t, std::string c, std::string h) : text(std::move(t)), cls(std::move(c)), href(std::move(h)) {}
  /// A cell of links (text, href), in order, separated by spaces.
  static HtmlCell Links(std::vector<std::pair<std::string, std::string>> links, std::string c) {
    HtmlCell cell("", std::move(c));
    cell.links = std::move(links);
    return cell;
  }
  std::string text;
  std::string cls;
  std::string href;
  std::vector<std::pair<std::string, std::string>> links;
};

/// A table built row by row.
class HtmlTable {
 public:
  explicit HtmlTable(const std::vector<std::string>& header);
  /// A subtotal row is set in bold on a grey background.
  void Row(const std::vector<HtmlCell>& cells, bool subtotal = false);
  /// A row of one cell spanning the whole table (e.g. "and 12 more").
  void Note(std::string_view text);
  std::string Take() { return std::move(out_) + "</tbody>\n</table>\n"; }

 private:
  std::string out_;
  size_t columns_;
};

/// A summary card: a label, a big value, a line below; its left border says
/// whether `ok` (green), not (red) or n/a (grey).
std::string HtmlCard(const std::string& label, const std::string& value, const std::string& sub,
                     const std::optional<bool>& ok);

}  // namespace slamon::daemon
