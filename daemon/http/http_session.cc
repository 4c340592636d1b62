#include "daemon/http/http_session.h"

#include <algorithm>
#include <array>
#include <limits>

#include "daemon/http/http_util.h"
#include "events/common/logging.h"

namespace slamon::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Read and discarded per step of a lingering close.
constexpr uint64_t kDiscardChunk = 65536;

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

}  // namespace

HttpServer::Impl::Session::Session(tcp::socket socket, Impl* server)
    : tls_context_(server->tls_ ? server->tls_->Current() : nullptr),
      stream_(std::move(socket), tls_context_ ? &tls_context_->native() : nullptr),
      server_(server) {
  server_->connections_.fetch_add(1);
  std::lock_guard lock(server_->sessions_mu_);
  server_->sessions_.insert(this);
}

HttpServer::Impl::Session::~Session() {
  {
    std::lock_guard lock(server_->sessions_mu_);
    server_->sessions_.erase(this);
  }
  server_->connections_.fetch_sub(1);
}

void HttpServer::Impl::Session::Start() {
  if (!stream_.tls()) return ReadHead();
  stream_.expires_after(server_->settings_.header_timeout);
  stream_.async_handshake([self = shared_from_this()](ErrorCode ec) {
    if (!ec) return self->ReadHead();
    if (IsPlainHttpOnTlsPort(ec)) return self->AnswerPlainHttp();
    self->Close();  // not TLS, no certificate when one is required, a timeout
  });
}

void HttpServer::Impl::Session::Close() {
  ErrorCode ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

// A plain-HTTP client on the TLS port is told so, in plain HTTP, instead
// of seeing a connection reset.
void HttpServer::Impl::Session::AnswerPlainHttp() {
  stream_.expires_after(server_->settings_.write_timeout);
  asio::async_write(stream_.tcp(), asio::buffer(kPlainHttpOnTlsPort.data(), kPlainHttpOnTlsPort.size()),
                    [self = shared_from_this()](ErrorCode ec, size_t) {
                      auto& socket = self->stream_.socket();
                      socket.shutdown(tcp::socket::shutdown_send, ec);
                      // Drain the rest of the request so that close() does not reset the answer away.
                      std::array<char, 4096> sink{};
                      socket.non_blocking(true, ec);
                      for (int i = 0; i < 4 && !ec; ++i) socket.read_some(asio::buffer(sink), ec);
                      self->Close();
                    });
}

// Between requests: wait (at most the idle deadline) for the next one to begin.
void HttpServer::Impl::Session::WaitForNextRequest() {
  if (buffer_.size() > 0) return ReadHead();  // pipelined: already here
  stream_.expires_after(server_->settings_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](ErrorCode ec, size_t n) {
    if (ec) return self->Close();
    self->buffer_.commit(n);
    self->ReadHead();
  });
}

void HttpServer::Impl::Session::ReadHead() {
  head_ = false;
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  // The body limit is checked in OnHead against the declared length (to
  // answer 413 before reading), and set there for a chunked body.
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  // An absolute deadline for the whole head, however slowly it trickles in.
  stream_.expires_after(server_->settings_.header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](ErrorCode ec, size_t) { self->OnHead(ec); });
}

void HttpServer::Impl::Session::OnHead(ErrorCode ec) {
  if (ec) return OnReadError(ec);
  if (const auto length = parser_->content_length(); length && *length > server_->max_body_bytes_) {
    // What follows the head in the buffer is the start of the body.
    const uint64_t here = buffer_.size();
    return RefuseBody(*length > here ? *length - here : 0);
  }
  parser_->body_limit(server_->max_body_bytes_);  // a chunked body is cut when it grows past it
  if (parser_->is_done()) return OnRequest();
  // curl and other clients wait (about a second) for this before sending a
  // larger body; without it every such POST would be that much slower.
  if (server_->has_post_ && beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    stream_.expires_after(server_->settings_.write_timeout);
    return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                             [self = shared_from_this()](ErrorCode ec, size_t) {
                               if (ec) return self->Close();
                               self->ReadBody();
                             });
  }
  ReadBody();
}

void HttpServer::Impl::Session::ReadBody() {
  stream_.expires_after(server_->settings_.body_timeout);
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](ErrorCode ec, size_t) {
    if (ec) return self->OnReadError(ec);
    self->OnRequest();
  });
}

void HttpServer::Impl::Session::OnReadError(ErrorCode ec) {
  // Timeouts, resets and end of stream: nobody is listening for an answer.
  if (ec == http::error::header_limit) return Send(HttpError(431, "request head too large"), false);
  if (ec == http::error::body_limit) return RefuseBody(std::nullopt);  // chunked, grown past the limit
  if (ec.category() == http::make_error_code(http::error::bad_target).category() && ec != http::error::end_of_stream &&
      ec != http::error::partial_message) {
    return Send(HttpError(400, "malformed request"), false);
  }
  Close();
}

void HttpServer::Impl::Session::OnRequest() {
  auto& msg = parser_->get();
  version_ = msg.version();
  head_ = msg.method() == http::verb::head;
  const bool keep_alive = msg.keep_alive();
  HttpRequest req;
  if (msg.method() == http::verb::post) req.body = std::move(msg.body());
  req.method = std::string(msg.method_string());
  if (!ParseTarget(msg.target(), &req.path, &req.params)) {
    return Send(HttpError(400, "malformed request target"), false);
  }
  for (const auto& field : msg) req.headers.emplace_back(Lowered(field.name_string()), std::string(field.value()));
  parser_.reset();
  ErrorCode ec;
  req.client_address = stream_.socket().remote_endpoint(ec).address().to_string();
  const HttpRoute* route = server_->Find(req.path);
  const bool slow_auth = server_->SlowAuth(req, route);  // then checked on the worker, below
  if (!slow_auth) {
    if (auto refusal = server_->Admit(req, route)) return Send(std::move(*refusal), keep_alive);
    if (route == nullptr || route->HandlerFor(req.method) == nullptr) return Send(Answer(route, req), keep_alive);
    if (route->on_loop) return Send(Run(*route, req), keep_alive);
  }
  // A worker builds the answer; the loop thread writes it. The session is
  // kept alive by the closures, and no read is pending meanwhile.
  asio::post(server_->workers_, [self = shared_from_this(), route, req = std::move(req), keep_alive]() mutable {
    HttpResponse res = self->Answer(route, req);
    auto loop = self->stream_.get_executor();  // before `self` is moved into the closure
    asio::post(loop, [self = std::move(self), res = std::move(res), keep_alive]() mutable {
      self->Send(std::move(res), keep_alive);
    });
  });
}

// On a worker (or, for a 404 or 405 without bcrypt, on the loop): the
// authentication that needs bcrypt, then the route.
HttpResponse HttpServer::Impl::Session::Answer(const HttpRoute* route, HttpRequest& req) const {
  if (server_->SlowAuth(req, route)) {
    if (auto refusal = server_->Admit(req, route)) return std::move(*refusal);
  }
  if (route == nullptr) return HttpError(404, "no such endpoint: " + req.path);
  // The path exists but does not take this method: say which ones it takes.
  if (route->HandlerFor(req.method) == nullptr) {
    return HttpError(405, "method not allowed").SetHeader("Allow", route->Allow());
  }
  return Run(*route, req);
}

HttpResponse HttpServer::Impl::Session::Run(const HttpRoute& route, const HttpRequest& req) {
  try {
    return (*route.HandlerFor(req.method))(req);
  } catch (const std::exception& e) {
    Log("http")->error("{} {}: {}", req.method, req.path, e.what());
    return HttpError(500, "internal error");
  }
}

void HttpServer::Impl::Session::Send(HttpResponse res, bool keep_alive) {
  response_.emplace(static_cast<http::status>(res.status), version_);
  auto& out = *response_;
  out.set(http::field::server, "slamon");
  out.set(http::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers) out.insert(name, value);
  out.keep_alive(keep_alive && !server_->stopping_.load());
  const size_t length = res.body.size();
  if (!head_) out.body() = std::move(res.body);
  out.content_length(length);  // HEAD: the length a GET would get, no body
  stream_.expires_after(server_->settings_.write_timeout);
  http::async_write(stream_, out, [self = shared_from_this()](ErrorCode ec, size_t) {
    const bool again = !ec && self->response_->keep_alive();
    self->response_.reset();
    if (!again) {
      ErrorCode ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (!ec && self->linger_) return self->Linger();
      return self->Close();
    }
    self->WaitForNextRequest();
  });
}

// A body over the limit is answered 413 at once, before it is read, with
// Connection: close; `unread` is what the client announced and has not sent
// yet (unknown for a chunked body).
void HttpServer::Impl::Session::RefuseBody(std::optional<uint64_t> unread) {
  linger_ = true;
  unread_ = unread;
  if (parser_ && parser_->is_header_done()) version_ = parser_->get().version();
  parser_.reset();
  Send(HttpError(413, "request body too large"), false);
}

// A lingering close (RFC 9112 section 9.6). The client that wrote its whole
// body before reading (most webhook senders do) is still writing it: closing
// the socket now, with its bytes unread, would send a reset that throws the
// 413 away and breaks the client's write (EPIPE) before it reads anything,
// and it would retry a request that can never succeed. So the answer is
// sent, our side is shut down (the client reads the 413, then end of
// stream), and what the client still sends is read and thrown away until it
// has sent what it announced or closes; at most max(kMinDiscardBytes, body
// limit) bytes within the body deadline, then the connection is closed: a
// body far larger than that is cut off.
void HttpServer::Impl::Session::Linger() {
  buffer_.consume(buffer_.size());
  discard_budget_ = std::max<uint64_t>(kMinDiscardBytes, server_->max_body_bytes_);
  if (stream_.tls()) unread_.reset();  // TCP carries TLS records: their bytes are not the body's
  stream_.expires_after(server_->settings_.body_timeout);
  Discard();
}

void HttpServer::Impl::Session::Discard() {
  if (discard_budget_ == 0 || (unread_ && *unread_ == 0)) return Close();
  const uint64_t want = std::min({kDiscardChunk, discard_budget_, unread_.value_or(kDiscardChunk)});
  // Into the buffer's free space, never committed: read and forgotten.
  stream_.tcp().async_read_some(buffer_.prepare(static_cast<size_t>(want)),
                                [self = shared_from_this()](ErrorCode ec, size_t n) {
                                  if (ec) return self->Close();  // the client closed, or the deadline passed
                                  self->discard_budget_ -= std::min<uint64_t>(n, self->discard_budget_);
                                  if (self->unread_) *self->unread_ -= std::min<uint64_t>(n, *self->unread_);
                                  self->Discard();
                                });
}

}  // namespace slamon::daemon
