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

#include "daemon/config/access_scope.h"

namespace slamon::daemon {

struct HttpRequest {
  std::string method;  ///< "GET", "HEAD" or, on a POST route, "POST"
  std::string path;    ///< percent-decoded, without the query string
  /// Query parameters, percent-decoded ('+' is a space); a repeated key appears repeatedly.
  std::multimap<std::string, std::string> params;
  /// Header fields in arrival order, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The raw body of a POST, byte for byte (empty for GET and HEAD).
  std::string body;
  /// The client's IP address as text (the rate limit of failed logins keys on it).
  std::string client_address;
  /// The authenticated user ("" without authentication) and what the user may
  /// see (`all` without authentication). A route that shows accounts shows
  /// only those scope.AllowsAccount(owner, team) accepts, and answers an
  /// account, ticket or owner outside it exactly like an unknown one (404).
  std::string user;
  AccessScope scope;

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
