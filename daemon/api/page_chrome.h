// What every page of the web console shares: the document head with its
// one style sheet (readable on a phone: 16 px type, 44 px tap targets, wide
// tables scrolling inside their own box), the navigation, the footer, the
// response headers, and links to owners and teams. The console's pages are
// built from these so that they look and behave alike.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/http/html.h"
#include "daemon/http/http_types.h"

namespace slamon::daemon {

/// The console reloads itself this often (<meta http-equiv="refresh">).
inline constexpr int kConsoleRefreshSeconds = 10;

/// "/owners/ID" and "/teams/TEAM", percent-encoded.
std::string OwnerHref(std::string_view owner);
std::string TeamHref(std::string_view team);
/// How an owner or team without a name is shown: "(none)".
std::string NameOrNone(const std::string& name);
/// A table cell linking to the owner's page ("(none)", not linked, when empty).
HtmlCell OwnerCell(const std::string& owner);
HtmlCell TeamCell(const std::string& team);

/// From "<!DOCTYPE html>" to the end of the navigation: the title (escaped),
/// the viewport for phones, the refresh every kConsoleRefreshSeconds, the
/// style sheet (kHtmlBaseStyle, the console's rules, then `extra_style`),
/// the <h1> and the navigation.
std::string PageStart(std::string_view title, std::string_view heading, std::string_view extra_style = {});
/// The footer naming the JSON endpoints behind the page (path, shown text),
/// and the end of the document; with `metrics_link`, /metrics too (a team
/// or owner scope gets 403 there, so its pages leave it out).
std::string PageEnd(const std::vector<std::pair<std::string, std::string>>& json_links, bool metrics_link = true);

/// `table` (HtmlTable output) in a box that scrolls sideways when the table
/// is wider than the screen, so the page itself never does.
std::string Scrollable(std::string table);
/// "<h2>TITLE</h2>" (escaped), with an id for in-page links when given.
std::string SectionHeading(std::string_view title, std::string_view id = {});
/// A paragraph for an empty list.
std::string EmptyNote(std::string_view text);

/// The page while the daemon replays its store: a 503 that says so.
HttpResponse ReplayingPage(std::string_view title);

}  // namespace slamon::daemon
