#include "daemon/api/ticket_page.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "daemon/http/html.h"

namespace slamon::daemon {
namespace {

using projections::Gap;
using projections::GapReason;
using projections::SlaExplanation;

constexpr double kWidth = 1000;  // viewBox units across the bar
constexpr int kHeight = 44;
constexpr int kBarTop = 8;
constexpr int kBarHeight = 26;
constexpr double kMinCounted = 0.6;  // a counted minute in a month stays visible
constexpr size_t kMaxDayTicks = 62;

// The page's own rules after the shared ones.
constexpr const char* kPageStyle = R"(
h1,h2,p{overflow-wrap:anywhere}
a{color:#1565c0;text-decoration:none}a:hover{text-decoration:underline}
svg.bar{display:block;width:100%;height:44px;margin:8px 0 2px}
.ends{display:flex;justify-content:space-between;gap:8px;font-size:12px;color:#555}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:12px;color:#333;margin:6px 0 10px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #999}
.explain p{margin:4px 0;line-height:1.4}
.verdict-no{color:#c62828}.verdict-ok{color:#2e7d32}
@media (max-width:600px){body{margin:12px}h1{font-size:22px}}
)";

struct Swatch {
  const char* name;
  const char* fill;
};
constexpr Swatch kCounted{"counted", "#2e7d32"};
constexpr Swatch kOutside{"outside business hours", "#e0e0e0"};
constexpr Swatch kHoliday{"holiday", "#ce93d8"};
constexpr Swatch kOverride{"shortened or closed day", "#ffcc80"};
constexpr Swatch kPaused{"paused", "#90caf9"};

const Swatch& SwatchOf(GapReason why) {
  switch (why) {
    case GapReason::kPaused:
      return kPaused;
    case GapReason::kHoliday:
      return kHoliday;
    case GapReason::kOverride:
      return kOverride;
    case GapReason::kOutsideHours:
      return kOutside;
  }
  return kOutside;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string Head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         HtmlEscape(title) + "</title>\n<style>" + std::string(kHtmlBaseStyle) + kPageStyle +
         "</style>\n</head>\n<body>\n<p class=\"meta\"><a href=\"/\">← console</a></p>\n";
}

std::string Rect(double x0, double x1, const char* fill, const std::string& title) {
  return "<rect x=\"" + Num(x0) + "\" y=\"" + std::to_string(kBarTop) + "\" width=\"" + Num(x1 - x0) + "\" height=\"" +
         std::to_string(kBarHeight) + "\" fill=\"" + fill + "\"><title>" + HtmlEscape(title) + "</title></rect>";
}

// A stretch of the bar: one or more neighbouring ranges of the same kind.
struct Stretch {
  projections::TimeRange range;
  const char* fill = "";
  std::string what;
  size_t count = 1;
};

// Appends `r`, or widens the last stretch when it is of the same kind and at most `near` seconds before.
void AddStretch(const projections::TimeRange& r, const char* fill, const std::string& what, int64_t near,
                std::vector<Stretch>* out) {
  if (!out->empty() && out->back().fill == fill && out->back().what == what &&
      r.begin - out->back().range.end <= near) {
    out->back().range.end = r.end;
    ++out->back().count;
    return;
  }
  out->push_back({r, fill, what, 1});
}

// The instant counted time reaches the target: the breach, else the due instant.
std::optional<int64_t> TargetInstant(const SlaExplanation& e) {
  if (e.record.breach_at) return e.record.breach_at;
  return e.record.due_at;
}

std::string Legend(const SlaExplanation& e) {
  std::vector<const Swatch*> used = {&kCounted};
  for (const Swatch* s : {&kOutside, &kHoliday, &kOverride, &kPaused}) {
    if (std::any_of(e.not_counted.begin(), e.not_counted.end(), [s](const Gap& g) { return &SwatchOf(g.why) == s; })) {
      used.push_back(s);
    }
  }
  std::string out = "<div class=\"legend\">";
  for (const Swatch* s : used) {
    out += "<span><i style=\"background:" + std::string(s->fill) + "\"></i>" + s->name + "</span>";
  }
  if (TargetInstant(e)) out += "<span><i style=\"background:#212121;width:2px\"></i>target</span>";
  if (e.record.breached) out += "<span><i style=\"background:#c62828\"></i>breach</span>";
  if (e.record.due_at && *e.record.due_at > e.end) {
    out += "<span><i style=\"background:#fff;border-style:dashed\"></i>still to come</span>";
  }
  return out + "</div>\n";
}

std::string Section(const SlaExplanation& e) {
  const projections::SlaRecord& r = e.record;
  std::string title(projections::MetricName(r.metric));
  if (r.cycle > 1) title += " #" + std::to_string(r.cycle);
  if (r.metric == projections::Metric::kAssignment) title += " (" + r.group + ")";
  const bool stopped = r.state == projections::InstanceState::kStopped;
  const char* verdict = r.breached ? "breached" : stopped ? "met" : "running";
  std::string out = "<section>\n<h2>" + HtmlEscape(title) + " — <span class=\"" +
                    (r.breached ? "verdict-no" : "verdict-ok") + "\">" + verdict + "</span></h2>\n";
  out += TimelineSvg(e);
  const projections::Calendar& cal = *e.calendar;
  const int64_t axis_end = std::max(e.end, TargetInstant(e).value_or(e.end));
  out += "<div class=\"ends\"><span>" + HtmlEscape(projections::LocalStamp(cal, r.start)) + "</span><span>" +
         HtmlEscape(projections::LocalStamp(cal, axis_end)) + "</span></div>\n";
  out += Legend(e);
  out += "<div class=\"explain\">";
  const std::string text = projections::ExplainText(e);
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    const size_t end = nl == std::string::npos ? text.size() : nl;
    out += "<p>" + HtmlEscape(std::string_view(text).substr(at, end - at)) + "</p>";
    at = end + 1;
  }
  return out + "</div>\n</section>\n";
}

}  // namespace

std::string TimelineSvg(const SlaExplanation& e) {
  const projections::Calendar& cal = *e.calendar;
  const int64_t start = e.record.start;
  const std::optional<int64_t> target = TargetInstant(e);
  const int64_t axis_end = std::max({e.end, target.value_or(e.end), start + 1});
  const auto span = static_cast<double>(axis_end - start);
  auto x = [&](int64_t t) { return kWidth * static_cast<double>(t - start) / span; };
  std::string out = "<svg class=\"bar\" viewBox=\"0 0 1000 " + std::to_string(kHeight) +
                    "\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"" +
                    HtmlEscape("timeline of " + std::string(projections::MetricName(e.record.metric))) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\">";
  // Stretches closer than half a unit apart are drawn as one (a long clock
  // would otherwise draw thousands of invisible rectangles).
  const auto near = static_cast<int64_t>(span / kWidth / 2);
  std::vector<Stretch> stretches;
  for (const Gap& g : e.not_counted) {
    std::string what = SwatchOf(g.why).name;
    if (g.why == GapReason::kPaused) what += " (" + std::string(projections::TicketStatusName(g.status)) + ")";
    AddStretch(g.range, SwatchOf(g.why).fill, what, near, &stretches);
  }
  const size_t gaps = stretches.size();
  for (const projections::TimeRange& c : e.counted) AddStretch(c, kCounted.fill, "counted", near, &stretches);
  for (size_t i = 0; i < stretches.size(); ++i) {
    const Stretch& st = stretches[i];
    std::string title = st.what;
    if (st.count > 1) title += ", " + std::to_string(st.count) + " stretches,";
    title += " " + projections::LocalStamp(cal, st.range.begin) + " – " + projections::LocalStamp(cal, st.range.end);
    const double x0 = x(st.range.begin);
    const double x1 = i < gaps ? x(st.range.end) : std::max(x(st.range.end), x0 + kMinCounted);
    out += Rect(x0, x1, st.fill, title);
  }
  if (axis_end > e.end) {
    out += "<rect x=\"" + Num(x(e.end)) + "\" y=\"" + std::to_string(kBarTop) + "\" width=\"" +
           Num(x(axis_end) - x(e.end)) + "\" height=\"" + std::to_string(kBarHeight) +
           "\" fill=\"#fff\" stroke=\"#9e9e9e\" stroke-dasharray=\"4 3\" vector-effect=\"non-scaling-stroke\">"
           "<title>still to come</title></rect>";
  }
  // Local midnights as ticks below the bar, while they stay few enough to read.
  std::vector<projections::CalendarDay> days;
  if (axis_end - start <= static_cast<int64_t>(kMaxDayTicks) * 86400) cal.Days(start, axis_end, &days);
  if (days.size() <= kMaxDayTicks) {
    for (const auto& d : days) {
      if (d.span.begin <= start) continue;
      out += "<line x1=\"" + Num(x(d.span.begin)) + "\" x2=\"" + Num(x(d.span.begin)) + "\" y1=\"" +
             std::to_string(kBarTop + kBarHeight) + "\" y2=\"" + std::to_string(kHeight) +
             "\" stroke=\"#757575\" vector-effect=\"non-scaling-stroke\"/>";
    }
  }
  if (target) {
    const std::string tx = Num(x(*target));
    out += "<line x1=\"" + tx + "\" x2=\"" + tx + "\" y1=\"0\" y2=\"" + std::to_string(kHeight) +
           "\" stroke=\"#212121\" stroke-width=\"2\" stroke-dasharray=\"5 3\" vector-effect=\"non-scaling-stroke\">"
           "<title>" +
           HtmlEscape("target " + projections::HumanDuration(e.record.target_seconds) + " reached " +
                      projections::LocalStamp(cal, *target)) +
           "</title></line>";
  }
  if (e.record.breach_at) {
    const double bx = x(*e.record.breach_at);
    out += "<polygon points=\"" + Num(bx - 9) + ",0 " + Num(bx + 9) + ",0 " + Num(bx) + "," + std::to_string(kBarTop) +
           "\" fill=\"#c62828\"><title>" + HtmlEscape("breached " + projections::LocalStamp(cal, *e.record.breach_at)) +
           "</title></polygon>";
  }
  return out + "</svg>\n";
}

std::string RenderTicketPage(const projections::TicketExplanation& t) {
  std::string out = Head("Ticket " + t.ticket_id + " · slamon");
  out += "<h1>Ticket " + HtmlEscape(t.ticket_id) + "</h1>\n";
  out += "<p class=\"meta\">Account <a href=\"/api/v1/accounts/" + HtmlEscape(UrlPathSegment(t.account_id)) + "\">" +
         HtmlEscape(t.account_id) + "</a> · tier " + HtmlEscape(t.tier) + " · owner " +
         HtmlEscape(t.account_owner.empty() ? "(none)" : t.account_owner);
  if (!t.team.empty()) out += " · team " + HtmlEscape(t.team);
  out += "</p>\n<p class=\"meta\">As of " + HtmlEscape(projections::FormatUtc(t.as_of)) +
         "; times below are in each clock's calendar time. <a href=\"/api/v1/tickets/" +
         HtmlEscape(UrlPathSegment(t.ticket_id)) + "/sla\">JSON</a></p>\n";
  if (t.instances.empty()) {
    out += "<p class=\"empty\">No SLA clock: no policy with a target matches this ticket.</p>\n";
  }
  for (const SlaExplanation& e : t.instances) out += Section(e);
  return out + "</body>\n</html>\n";
}

std::string RenderTicketNotFound(std::string_view ticket_id) {
  return Head("Unknown ticket · slamon") + "<h1>Unknown ticket</h1>\n<p>No ticket " + HtmlEscape(ticket_id) +
         " is known here.</p>\n</body>\n</html>\n";
}

std::string RenderTicketError(std::string_view message) {
  return Head("Ticket · slamon") + "<p>" + HtmlEscape(message) + "</p>\n</body>\n</html>\n";
}

}  // namespace slamon::daemon
