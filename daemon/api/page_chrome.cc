#include "daemon/api/page_chrome.h"

namespace slamon::daemon {
namespace {

// The console's rules after the shared ones (kHtmlBaseStyle, which the
// report uses as it is). For phones: 16 px type, every link a 44 px tall tap
// target (a table link fills its cell), cards in a grid that folds to one
// or two columns, tables and charts never wider than the screen (tables
// scroll inside .scroll).
constexpr std::string_view kConsoleStyle = R"(
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font-size:16px;line-height:1.4;margin:0 auto;padding:12px 24px 28px;max-width:1500px}
h1{font-size:24px;margin:4px 0 2px;overflow-wrap:anywhere}h2{font-size:20px;margin:26px 0 8px}
h3{font-size:17px;margin:4px 0}
.meta{font-size:15px;overflow-wrap:anywhere}
nav{display:flex;flex-wrap:wrap;column-gap:18px;border-bottom:1px solid #ddd;margin:0 0 6px}
nav a,footer a,.links a{display:inline-block;min-height:44px;line-height:44px}
a{color:#1565c0;text-decoration:none}a:hover{text-decoration:underline}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:10px;margin:14px 0}
.card{min-width:0;padding:8px 12px}.cl{font-size:13px}.cs{font-size:13px}.cv{font-size:26px}
.scroll{overflow-x:auto;max-width:100%;margin:6px 0 14px}
.scroll table{margin:0}
table{font-size:16px}
th,td{padding:12px 10px;line-height:20px;vertical-align:top}
td{white-space:nowrap}td.acct{white-space:normal;overflow-wrap:anywhere;min-width:9em;max-width:22em}
td.wrap,td.links{white-space:normal;min-width:12em}td.links{padding-top:0;padding-bottom:0}
td:not(.links)>a:only-child{display:block;margin:-12px -10px;padding:12px 10px}
td.links a{margin-right:10px}
td.warn{color:#e65100;font-weight:bold}
.banner{background:#fff3e0;border:1px solid #ffb74d;padding:8px 12px;border-radius:4px;margin:12px 0}
.empty{color:#555;font-style:italic}
footer{margin-top:28px;color:#777;font-size:15px;border-top:1px solid #ddd}
footer a{margin-right:14px}
@media (max-width:600px){body{padding:8px 12px 20px}h1{font-size:22px}.cv{font-size:22px}
.cards{grid-template-columns:repeat(2,minmax(0,1fr));gap:8px}}
)";

}  // namespace

std::string OwnerHref(std::string_view owner) { return "/owners/" + UrlPathSegment(owner); }
std::string TeamHref(std::string_view team) { return "/teams/" + UrlPathSegment(team); }
std::string NameOrNone(const std::string& name) { return name.empty() ? "(none)" : name; }

HtmlCell OwnerCell(const std::string& owner) {
  return {NameOrNone(owner), "", owner.empty() ? std::string() : OwnerHref(owner)};
}

HtmlCell TeamCell(const std::string& team) {
  return {NameOrNone(team), "", team.empty() ? std::string() : TeamHref(team)};
}

std::string PageStart(std::string_view title, std::string_view heading, std::string_view extra_style) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(kConsoleRefreshSeconds) + "\">\n";
  out += "<title>" + HtmlEscape(title) + "</title>\n<style>" + std::string(kHtmlBaseStyle) +
         std::string(kConsoleStyle) + std::string(extra_style) + "</style>\n</head>\n<body>\n";
  out +=
      "<nav><a href=\"/\">Overview</a><a href=\"/#trends\">Trends</a><a href=\"/#owners\">Owners</a>"
      "<a href=\"/#teams\">Teams</a></nav>\n";
  out += "<h1>" + HtmlEscape(heading) + "</h1>\n";
  return out;
}

std::string PageEnd(const std::vector<std::pair<std::string, std::string>>& json_links) {
  std::string out = "<footer>JSON:";
  for (const auto& [href, text] : json_links) {
    out += " <a href=\"" + HtmlEscape(href) + "\">" + HtmlEscape(text) + "</a>";
  }
  return out + " <a href=\"/metrics\">/metrics</a></footer>\n</body>\n</html>\n";
}

std::string Scrollable(std::string table) { return "<div class=\"scroll\">\n" + std::move(table) + "</div>\n"; }

std::string SectionHeading(std::string_view title, std::string_view id) {
  if (id.empty()) return "<h2>" + HtmlEscape(title) + "</h2>\n";
  return "<h2 id=\"" + HtmlEscape(id) + "\">" + HtmlEscape(title) + "</h2>\n";
}

std::string EmptyNote(std::string_view text) { return "<p class=\"empty\">" + HtmlEscape(text) + "</p>\n"; }

HttpResponse ReplayingPage(std::string_view title) {
  return HtmlPageResponse(503, PageStart(title, title) +
                                   "<div class=\"banner\">The daemon is replaying its event store; this page fills in "
                                   "when that is done.</div>\n" +
                                   PageEnd({}));
}

}  // namespace slamon::daemon
