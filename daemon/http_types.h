// The daemon's own small HTTP vocabulary: what a route handler sees and
// returns. Kept free of any HTTP library so that routes (the JSON API) and
// their tests do not depend on how the server is implemented.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slamon::daemon {

struct HttpRequest {
  std::string method;  ///< "GET", "HEAD" or "POST" (handlers never see other methods)
  std::string path;    ///< percent-decoded, without the query string
  /// Query parameters, percent-decoded ('+' is a space); a repeated key appears repeatedly.
  std::multimap<std::string, std::string> params;
  /// Header fields in arrival order, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  ///< the request body (POST routes; empty otherwise)

  /// The first value of header `name` (any case), "" when absent.
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Extra header fields (Content-Type and Content-Length are set by the server).
  std::vector<std::pair<std::string, std::string>> headers;

  HttpResponse& SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  static HttpResponse Json(int status, std::string body) { return {status, "application/json", std::move(body), {}}; }
};

/// A route handler. Runs on one of the server's worker threads, possibly
/// concurrently with other handlers (and with itself): it must be thread-safe.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace slamon::daemon
