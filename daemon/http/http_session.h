// One client connection of the HTTP server: reads requests (head, then
// body), routes them, writes the answers, keeps the connection alive or
// closes it. Every step has its deadline. Not a public header.
#pragma once

// Beast's string_view is std::string_view, as in the rest of the code.
#ifndef BOOST_BEAST_USE_STD_STRING_VIEW
#define BOOST_BEAST_USE_STD_STRING_VIEW
#endif

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <optional>

#include "daemon/http/http_server_impl.h"

namespace slamon::daemon {

/// Lives on the loop thread, except while its handler runs on a worker: then
/// no I/O is pending on it. Kept alive by the closures of its pending
/// operations (shared_from_this); the server knows every live session so
/// that Stop can close them.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, Impl* server);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// The first request head must arrive within the header deadline from
  /// accept: a connection that says nothing is closed then. Under TLS the
  /// handshake has the same deadline first.
  void Start();
  /// On the loop thread, at shutdown.
  void Close();

 private:
  using ErrorCode = boost::system::error_code;

  void AnswerPlainHttp();
  void WaitForNextRequest();
  void ReadHead();
  void OnHead(ErrorCode ec);
  void ReadBody();
  void OnReadError(ErrorCode ec);
  void OnRequest();
  HttpResponse Answer(const HttpRoute* route, HttpRequest& req) const;
  static HttpResponse Run(const HttpRoute& route, const HttpRequest& req);
  void Send(HttpResponse res, bool keep_alive);
  void RefuseBody(std::optional<uint64_t> unread);
  void Linger();
  void Discard();

  // Before stream_, which uses it: the certificate this connection was
  // accepted with, kept alive however the server's changes meanwhile.
  std::shared_ptr<TlsContext> tls_context_;
  HttpStream stream_;  // plain TCP, or TLS over it
  boost::beast::flat_buffer buffer_{kMaxHeaderBytes + kDefaultMaxBodyBytes};
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> response_;
  unsigned version_ = 11;
  bool head_ = false;
  /// After the answer: discard what the client still sends, then close (RefuseBody).
  bool linger_ = false;
  /// Body bytes the client announced and has not sent yet; unknown (chunked, TLS) when empty.
  std::optional<uint64_t> unread_;
  /// Bytes Linger may still read and discard.
  uint64_t discard_budget_ = 0;
  Impl* server_;
};

}  // namespace slamon::daemon
