#include "daemon/http/html.h"

namespace slamon::daemon {

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string UrlPathSegment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

HttpResponse HtmlPageResponse(int status, std::string body) {
  HttpResponse res{status, "text/html; charset=utf-8", std::move(body), {}};
  // Defence in depth: even a value that escaped escaping could not run script.
  res.SetHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .SetHeader("X-Content-Type-Options", "nosniff")
      .SetHeader("Cache-Control", "no-store");
  return res;
}

std::string HtmlFlagClass(const std::optional<bool>& v) {
  if (!v) return "na";
  return *v ? "ok" : "no";
}

HtmlTable::HtmlTable(const std::vector<std::string>& header) : columns_(header.size()) {
  out_ = "<table>\n<thead><tr>";
  for (const auto& h : header) out_ += "<th>" + HtmlEscape(h) + "</th>";
  out_ += "</tr></thead>\n<tbody>\n";
}

void HtmlTable::Row(const std::vector<HtmlCell>& cells, bool subtotal) {
  out_ += subtotal ? "<tr class=\"sub\">" : "<tr>";
  for (const auto& c : cells) {
    out_ += c.cls.empty() ? "<td>" : "<td class=\"" + HtmlEscape(c.cls) + "\">";
    if (!c.links.empty()) {
      for (size_t i = 0; i < c.links.size(); ++i) {
        out_ += (i > 0 ? " <a href=\"" : "<a href=\"") + HtmlEscape(c.links[i].second) + "\">" +
                HtmlEscape(c.links[i].first) + "</a>";
      }
    } else if (c.href.empty()) {
      out_ += HtmlEscape(c.text);
    } else {
      out_ += "<a href=\"" + HtmlEscape(c.href) + "\">" + HtmlEscape(c.text) + "</a>";
    }
    out_ += "</td>";
  }
  out_ += "</tr>\n";
}

void HtmlTable::Note(std::string_view text) {
  out_ += "<tr class=\"more\"><td colspan=\"" + std::to_string(columns_) + "\">" + HtmlEscape(text) + "</td></tr>\n";
}

std::string HtmlCard(const std::string& label, const std::string& value, const std::string& sub,
                     const std::optional<bool>& ok) {
  return "<div class=\"card " + HtmlFlagClass(ok) + "\"><div class=\"cl\">" + HtmlEscape(label) +
         "</div><div class=\"cv\">" + HtmlEscape(value) + "</div><div class=\"cs\">" + HtmlEscape(sub) +
         "</div></div>\n";
}

const std::string_view kHtmlBaseStyle = R"(
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:24px 32px;color:#212121;background:#fff}
h1{font-size:26px;margin:0 0 6px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:2px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #ccc;border-left:6px solid #9e9e9e;border-radius:4px;padding:8px 14px;min-width:170px}
.card.ok{border-left-color:#2e7d32}.card.no{border-left-color:#c62828}
.cl{font-size:12px;color:#555;text-transform:uppercase}.cv{font-size:26px;font-weight:bold}.cs{font-size:12px;color:#555}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f3f3f3}
td.num{text-align:right}td.ok{color:#2e7d32}td.no{color:#c62828;font-weight:bold}td.na{color:#888}
tr.sub td{background:#fafafa;font-weight:bold}
tr.more td{color:#555;font-style:italic}
)";

}  // namespace slamon::daemon
