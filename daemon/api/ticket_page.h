// The console's ticket page (`/tickets/{id}`): for each SLA clock of the
// ticket, its timeline drawn as an inline SVG bar — counted time, time
// outside business hours, holidays, days the calendar's overrides changed,
// pauses, the target line and the breach mark — with explain's text under
// it. Server-rendered like the console: no scripts, every value from the
// data HTML-escaped, ids in links percent-encoded.
#pragma once

#include <string>
#include <string_view>

#include "projections/sla/sla_explain.h"

namespace slamon::daemon {

/// The page: a complete HTML5 document (inline CSS, no scripts, no external
/// references) that fits a 390 px wide screen without horizontal scrolling.
std::string RenderTicketPage(const projections::TicketExplanation& ticket);

/// One clock's timeline bar: an <svg> scaled to the page's width, its time
/// axis from the clock's start to its end (or to its due instant, when that
/// is later: the part still to come is drawn hollow).
std::string TimelineSvg(const projections::SlaExplanation& e);

/// The 404 page for a ticket that is unknown or not to be shown (the same
/// page for both).
std::string RenderTicketNotFound(std::string_view ticket_id);
/// A short error page (bad request, data not available).
std::string RenderTicketError(std::string_view message);

}  // namespace slamon::daemon
