// HTTP GETs to a server on 127.0.0.1 (cpp-httplib, bounded timeouts) and
// reading a Prometheus text exposition. For tests of a running daemon or an
// in-process server; RawConnection (raw_http.h) is for misbehaving clients.
#pragma once

#include <map>
#include <string>

namespace slamon::testing {

/// GET http://127.0.0.1:port/path; empty on failure.
std::string HttpGet(int port, const std::string& path);

/// An HTTP response: status 0 when no response came.
struct HttpResult {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  ///< as httplib gives them (case-insensitive lookup there)
  /// The value of header `name` (case-insensitive), "" when absent.
  std::string Header(const std::string& name) const;
};
/// GET http://127.0.0.1:port/path with its status and headers.
HttpResult HttpGetFull(int port, const std::string& path);

/// The sum of all samples of `metric` in a Prometheus text exposition.
double SumMetric(const std::string& exposition, const std::string& metric);

}  // namespace slamon::testing
