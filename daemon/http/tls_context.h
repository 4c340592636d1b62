// TLS for the HTTP server: the OpenSSL server context built from the web
// config's tls_server_config, and the stream a session reads and writes,
// which is either plain TCP or TLS over TCP. The stream keeps the plain
// path's interface (deadlines on the TCP layer, the socket for shutdown), so
// the server's session code is the same for both and every deadline of the
// plain path applies under TLS too.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/http/web_config.h"

namespace slamon::daemon {

class TlsContext {
 public:
  /// Reads the certificate, key and client CA files and applies the policy.
  /// On failure returns null and names the offending field of
  /// tls_server_config (`*field`) and the reason (`*why`).
  static std::shared_ptr<TlsContext> Create(const TlsServerSettings& settings, std::string* field, std::string* why);

  boost::asio::ssl::context& native() { return ctx_; }

 private:
  TlsContext() : ctx_(boost::asio::ssl::context::tls_server) {}
  boost::asio::ssl::context ctx_;
};

/// True when `ec` (from a TLS handshake) means the client spoke plain HTTP to the TLS port.
bool IsPlainHttpOnTlsPort(const boost::system::error_code& ec);

/// What a plain-HTTP client gets from the TLS port before it is closed.
constexpr std::string_view kPlainHttpOnTlsPort =
    "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 48\r\n"
    "Connection: close\r\n\r\n"
    "Client sent an HTTP request to an HTTPS server.\n";

/// A connection's byte stream: plain TCP, or TLS over TCP.
class HttpStream {
 public:
  using Tcp = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<Tcp>;
  using executor_type = Tcp::executor_type;

  /// TLS when `tls` is not null (the handshake is still to be done), else plain TCP.
  HttpStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls) {
    if (tls != nullptr) {
      tls_.emplace(std::move(socket), *tls);
    } else {
      plain_.emplace(std::move(socket));
    }
  }

  bool tls() const { return tls_.has_value(); }
  /// The TCP layer, which carries the deadlines.
  Tcp& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  executor_type get_executor() { return tcp().get_executor(); }
  template <class Duration>
  void expires_after(Duration d) {
    tcp().expires_after(d);
  }

  template <class Handler>
  void async_handshake(Handler&& handler) {
    tls_->async_handshake(boost::asio::ssl::stream_base::server, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Handler>(handler));
    plain_->async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Handler>(handler));
    plain_->async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  std::optional<Tcp> plain_;
  std::optional<Tls> tls_;
};

}  // namespace slamon::daemon
