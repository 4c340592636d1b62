#include "daemon/api/ticket_routes.h"

#include <memory>
#include <string>

#include "daemon/api/ticket_page.h"
#include "daemon/http/html.h"
#include "daemon/http/http_server.h"
#include "events/common/json_writer.h"

namespace slamon::daemon {
namespace {

constexpr std::string_view kApiPrefix = "/api/v1/tickets/";
constexpr std::string_view kApiSuffix = "/sla";
constexpr std::string_view kPagePrefix = "/tickets/";

HttpResponse JsonError(int status, std::string_view error) {
  std::string body;
  events::JsonWriter(&body).BeginObject().Field("error", error).EndObject();
  return HttpResponse::Json(status, std::move(body));
}

std::string UnknownTicket(std::string_view id) { return "unknown ticket '" + std::string(id) + "'"; }

// The source's answer; NotFound stays NotFound whatever it says. A ticket
// outside the caller's scope is NotFound too: the routes cannot tell it from
// an unknown one.
StatusOr<projections::TicketExplanation> Fetch(const TicketSource& source, const HttpRequest& req,
                                               std::string_view id) {
  if (!source.explain) return Status::Unavailable("data not available yet");
  try {
    StatusOr<projections::TicketExplanation> explained = source.explain(req, id);
    if (explained.ok() && source.in_scope && !source.in_scope(req.scope, explained->account_id)) {
      return Status::NotFound("unknown ticket");
    }
    return explained;
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("data not available: ") + e.what());
  }
}

HttpResponse ServeJson(const TicketSource& source, const HttpRequest& req) {
  std::string_view rest = std::string_view(req.path).substr(kApiPrefix.size());
  if (rest.size() <= kApiSuffix.size() || !rest.ends_with(kApiSuffix)) return JsonError(404, "no such route");
  const std::string_view id = rest.substr(0, rest.size() - kApiSuffix.size());
  if (!req.params.empty()) return JsonError(400, "this route takes no query parameters");
  auto explained = Fetch(source, req, id);
  if (!explained.ok()) {
    if (explained.status().code() == Status::kNotFound) return JsonError(404, UnknownTicket(id));
    return JsonError(503, explained.status().message());
  }
  // explain's JSON lines as the elements of one array, one per line.
  std::string body = "[";
  for (const projections::SlaExplanation& e : explained->instances) {
    if (body.size() > 1) body += ",";
    body += "\n";
    projections::AppendExplainJsonl(e, &body);
    body.pop_back();  // the line's '\n'
  }
  body += body.size() > 1 ? "\n]\n" : "]\n";
  return HttpResponse::Json(200, std::move(body)).SetHeader("X-Slamon-As-Of", projections::FormatUtc(explained->as_of));
}

HttpResponse ServePage(const TicketSource& source, const HttpRequest& req) {
  const std::string_view id = std::string_view(req.path).substr(kPagePrefix.size());
  if (id.empty()) return HtmlPageResponse(404, RenderTicketNotFound(id));
  if (!req.params.empty()) return HtmlPageResponse(400, RenderTicketError("This page takes no query parameters."));
  auto explained = Fetch(source, req, id);
  if (!explained.ok()) {
    if (explained.status().code() == Status::kNotFound) return HtmlPageResponse(404, RenderTicketNotFound(id));
    return HtmlPageResponse(503, RenderTicketError("Data not available: " + explained.status().message()));
  }
  return HtmlPageResponse(200, RenderTicketPage(*explained));
}

}  // namespace

void RegisterTicketRoutes(HttpServer& server, TicketSource source) {
  auto shared = std::make_shared<const TicketSource>(std::move(source));
  server.Get("/api/v1/tickets/*", [shared](const HttpRequest& req) { return ServeJson(*shared, req); });
  server.Get("/tickets/*", [shared](const HttpRequest& req) { return ServePage(*shared, req); });
}

}  // namespace slamon::daemon
