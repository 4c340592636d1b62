// Over 500 lines on purpose: one Beast session state machine (deadlines,
// limits, auth, TLS) whose steps only make sense read together.
// Beast's string_view is std::string_view, as in the rest of the code.
#define BOOST_BEAST_USE_STD_STRING_VIEW

#include "daemon/http/http_server.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "daemon/http/access_control.h"
#include "daemon/http/http_util.h"
#include "daemon/http/tls_context.h"
#include "events/common/logging.h"

namespace slamon::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr size_t kMaxHeaderBytes = 16384;
// Without POST routes a body is only ever read to be discarded; a server with
// POST routes sets its own limit (SetMaxBodyBytes).
constexpr size_t kDefaultMaxBodyBytes = 65536;
constexpr const char* kAllow = "GET, HEAD";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kRefusal =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 33\r\n"
    "Connection: close\r\n\r\n{\"error\":\"too many connections\"}\n";

HttpResponse Error(int status, std::string_view message) {
  return HttpResponse::Json(status, "{\"error\":" + JsonQuote(message) + "}\n");
}

HttpResponse Unauthorized() {
  return Error(401, "authentication required").SetHeader("WWW-Authenticate", "Basic realm=\"slamon\"");
}

struct Route {
  HttpHandler handler;   ///< GET and HEAD; empty for a POST-only path
  bool on_loop = false;  ///< answered on the loop thread (must be trivial)
  HttpHandler post;      ///< POST; empty for most paths
  RouteAccess get_access = RouteAccess::kAccountData;
  RouteAccess post_access = RouteAccess::kAdmin;

  RouteAccess AccessFor(bool post_method) const { return post_method ? post_access : get_access; }

  std::string Allow() const {
    if (!handler) return "POST";
    return post ? "GET, HEAD, POST" : kAllow;
  }
};

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

}  // namespace

class HttpServer::Impl {
 public:
  class Session;

  Impl(HttpSettings settings, ReadinessProbe ready)
      : settings_(std::move(settings)),
        ready_(std::move(ready)),
        acceptor_(ioc_),
        retry_timer_(ioc_),
        workers_(static_cast<size_t>(std::max(1, settings_.worker_threads))),
        access_(std::make_shared<AccessControl>(settings_, throttle_)) {
    if (settings_.web && settings_.web->context) tls_ = settings_.web->context;
  }

  ~Impl() { Stop(); }

  const Route* Find(const std::string& path) const {
    if (auto it = exact_.find(path); it != exact_.end()) return &it->second;
    const Route* best = nullptr;
    size_t best_len = 0;
    for (const auto& [prefix, route] : prefixes_) {
      if (path.size() >= prefix.size() && path.compare(0, prefix.size(), prefix) == 0 && prefix.size() >= best_len) {
        best = &route;
        best_len = prefix.size();
      }
    }
    return best;
  }

  // Authenticates `req` for `route` (null: no such path) and fills in its
  // user and scope; the refusal (401, 429, 403) when it may not go on. With
  // bcrypt users this may take tens of milliseconds: see SlowAuth.
  std::optional<HttpResponse> Admit(HttpRequest& req, const Route* route) {
    const bool post = req.method == "POST";
    if (route != nullptr && route->AccessFor(post) == RouteAccess::kOpen) return std::nullopt;
    AccessVerdict v = CurrentAccess()->Authenticate(req, std::chrono::steady_clock::now());
    if (v.status == 401) return Unauthorized();
    if (v.status == 429) {
      return Error(429, "too many failed logins; try again later")
          .SetHeader("Retry-After", std::to_string(v.retry_after));
    }
    req.user = std::move(v.user);
    req.scope = std::move(v.scope);
    // A method the route does not take stays a 405, whatever the scope.
    const bool served = route != nullptr && (post ? route->post : route->handler);
    if (served && !ScopePermits(req.scope, route->AccessFor(post))) {
      return Error(403, "the scope " + req.scope.ToString() + " does not include " + req.path);
    }
    return std::nullopt;
  }

  // The route registered for exactly `path` ("/x/*" for a prefix), created empty if new.
  Route& RouteAt(std::string path) {
    if (path.size() >= 2 && path.ends_with("/*")) {
      path.pop_back();
      for (auto& [prefix, route] : prefixes_) {
        if (prefix == path) return route;
      }
      return prefixes_.emplace_back(std::move(path), Route{}).second;
    }
    return exact_[std::move(path)];
  }

  std::shared_ptr<AccessControl> CurrentAccess() const {
    std::lock_guard lock(access_mu_);
    return access_;
  }

  Status Start();
  void Stop();
  void Accept();
  void Refuse(tcp::socket socket);

  // True when authorizing `req` for `route` may need a bcrypt computation,
  // which must not run on the loop thread (it would stall every other connection).
  bool SlowAuth(const HttpRequest& req, const Route* route) const {
    return CurrentAccess()->slow() &&
           (route == nullptr || route->AccessFor(req.method == "POST") != RouteAccess::kOpen);
  }

  HttpSettings settings_;
  ReadinessProbe ready_;
  std::shared_ptr<TlsContext> tls_;  ///< null: plain HTTP
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
  std::map<std::string, Route> exact_;
  std::vector<std::pair<std::string, Route>> prefixes_;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mu_;
  std::unordered_set<Session*> sessions_;
  int port_ = 0;
  size_t max_body_bytes_ = kDefaultMaxBodyBytes;
  bool has_post_ = false;
  int64_t refused_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  // Declared after the members the sessions touch when destroyed: ioc_'s
  // destructor destroys the handlers (and so the sessions) still queued.
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  asio::thread_pool workers_;
  std::shared_ptr<LoginThrottle> throttle_ = std::make_shared<LoginThrottle>();
  mutable std::mutex access_mu_;
  std::shared_ptr<AccessControl> access_;  ///< after settings_ and throttle_; replaced by SetWebUsers
  std::thread loop_;
};

// One client connection. Lives on the loop thread, except while its handler
// runs on a worker: then no I/O is pending on it.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl* server)
      : stream_(std::move(socket), server->tls_ ? &server->tls_->native() : nullptr), server_(server) {
    server_->connections_.fetch_add(1);
    std::lock_guard lock(server_->sessions_mu_);
    server_->sessions_.insert(this);
  }
  ~Session() {
    {
      std::lock_guard lock(server_->sessions_mu_);
      server_->sessions_.erase(this);
    }
    server_->connections_.fetch_sub(1);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The first request head must arrive within the header deadline from accept:
  // a connection that says nothing is closed then. Under TLS the handshake
  // has the same deadline first.
  void Start() {
    if (!stream_.tls()) return ReadHead();
    stream_.expires_after(server_->settings_.header_timeout);
    stream_.async_handshake([self = shared_from_this()](ErrorCode ec) {
      if (!ec) return self->ReadHead();
      if (IsPlainHttpOnTlsPort(ec)) return self->AnswerPlainHttp();
      self->Close();  // not TLS, no certificate when one is required, a timeout
    });
  }

  // On the loop thread, at shutdown.
  void Close() {
    ErrorCode ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  // A plain-HTTP client on the TLS port is told so, in plain HTTP, instead
  // of seeing a connection reset.
  void AnswerPlainHttp() {
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
  void WaitForNextRequest() {
    if (buffer_.size() > 0) return ReadHead();  // pipelined: already here
    stream_.expires_after(server_->settings_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](ErrorCode ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHead();
    });
  }

  void ReadHead() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(server_->max_body_bytes_);
    // An absolute deadline for the whole head, however slowly it trickles in.
    stream_.expires_after(server_->settings_.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](ErrorCode ec, size_t) { self->OnHead(ec); });
  }

  void OnHead(ErrorCode ec) {
    if (ec) return OnReadError(ec);
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

  void ReadBody() {
    stream_.expires_after(server_->settings_.body_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](ErrorCode ec, size_t) {
      if (ec) return self->OnReadError(ec);
      self->OnRequest();
    });
  }

  void OnReadError(ErrorCode ec) {
    // Timeouts, resets and end of stream: nobody is listening for an answer.
    if (ec == http::error::header_limit) return Send(Error(431, "request head too large"), false);
    if (ec == http::error::body_limit) return Send(Error(413, "request body too large"), false);
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Send(Error(400, "malformed request"), false);
    }
    Close();
  }

  void OnRequest() {
    auto& msg = parser_->get();
    version_ = msg.version();
    head_ = msg.method() == http::verb::head;
    const bool post = msg.method() == http::verb::post && server_->has_post_;
    const bool keep_alive = msg.keep_alive();
    if (msg.method() != http::verb::get && !head_ && !post) {
      if (server_->has_post_) {
        return Send(Error(405, "method not allowed").SetHeader("Allow", "GET, HEAD, POST"), keep_alive);
      }
      return Send(Error(405, "method not allowed (GET and HEAD only)").SetHeader("Allow", kAllow), keep_alive);
    }
    HttpRequest req;
    if (post) req.body = std::move(msg.body());
    req.method = std::string(msg.method_string());
    if (!ParseTarget(msg.target(), &req.path, &req.params)) return Send(Error(400, "malformed request target"), false);
    for (const auto& field : msg) req.headers.emplace_back(Lowered(field.name_string()), std::string(field.value()));
    parser_.reset();
    ErrorCode ec;
    req.client_address = stream_.socket().remote_endpoint(ec).address().to_string();
    const Route* route = server_->Find(req.path);
    const bool slow_auth = server_->SlowAuth(req, route);  // then checked on the worker, below
    if (!slow_auth) {
      if (auto refusal = server_->Admit(req, route)) return Send(std::move(*refusal), keep_alive);
      if (route == nullptr) return Send(Error(404, "no such endpoint: " + req.path), keep_alive);
      if (!(post ? route->post : route->handler)) {
        return Send(Error(405, "method not allowed").SetHeader("Allow", route->Allow()), keep_alive);
      }
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

  // On a worker: the authentication that needs bcrypt, then the route.
  HttpResponse Answer(const Route* route, HttpRequest& req) const {
    if (server_->SlowAuth(req, route)) {
      if (auto refusal = server_->Admit(req, route)) return std::move(*refusal);
    }
    if (route == nullptr) return Error(404, "no such endpoint: " + req.path);
    if (!(req.method == "POST" ? route->post : route->handler)) {
      return Error(405, "method not allowed").SetHeader("Allow", route->Allow());
    }
    return Run(*route, req);
  }

  static HttpResponse Run(const Route& route, const HttpRequest& req) {
    try {
      return req.method == "POST" ? route.post(req) : route.handler(req);
    } catch (const std::exception& e) {
      Log("http")->error("{} {}: {}", req.method, req.path, e.what());
      return Error(500, "internal error");
    }
  }

  void Send(HttpResponse res, bool keep_alive) {
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
        return self->Close();
      }
      self->WaitForNextRequest();
    });
  }

  HttpStream stream_;  // plain TCP, or TLS over it
  beast::flat_buffer buffer_{kMaxHeaderBytes + kDefaultMaxBodyBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  unsigned version_ = 11;
  bool head_ = false;
  Impl* server_;
};

Status HttpServer::Impl::Start() {
  auto [host, port] = ParseListenAddress(settings_.listen, "http.listen");
  const std::string where = host + ":" + std::to_string(port);
  ErrorCode ec;
  tcp::resolver resolver(ioc_);
  auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto fail = [&](const ErrorCode& e) {
    ErrorCode ignored;
    acceptor_.close(ignored);
    std::string why = e.message();
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return Status::Unavailable("cannot listen on " + where + ": " + why);
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail(ec);
  // SO_REUSEADDR lets a restarted daemon bind past TIME_WAIT; SO_REUSEPORT is
  // deliberately not set, so that a second daemon on the same port fails here.
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return fail(ec);
  if (acceptor_.bind(endpoint, ec)) return fail(ec);
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail(ec);
  port_ = acceptor_.local_endpoint(ec).port();
  Accept();
  loop_ = std::thread([this] { ioc_.run(); });
  Log("http")->info("serving /metrics, /healthz, /readyz on {}://{}:{} (at most {} connections{})",
                    tls_ ? "https" : "http", host, port_, settings_.max_connections,
                    CurrentAccess()->slow()             ? ", basic auth with bcrypt"
                    : settings_.basic_auth_user.empty() ? ""
                                                        : ", basic auth");
  if (!settings_.basic_auth_user.empty()) {
    Log("http")->warn(
        "http.basic_auth keeps a plaintext password in the config file: prefer basic_auth_users (bcrypt) in a "
        "web config file (http.web_config_file), see \"Securing the endpoints\" in the README");
  }
  return Status::OK();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept([this](ErrorCode ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (ec) {
      // Out of descriptors (EMFILE) and the like: back off instead of spinning.
      Log("http")->warn("accept failed: {}", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](ErrorCode e) {
        if (!e) Accept();
      });
      return;
    }
    if (connections_.load() >= settings_.max_connections) {
      Refuse(std::move(socket));
    } else {
      std::make_shared<Session>(std::move(socket), this)->Start();
    }
    Accept();
  });
}

void HttpServer::Impl::Refuse(tcp::socket socket) {
  // Answered without waiting for the request: a refusal must cost nothing.
  ErrorCode ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(kRefusal.data(), kRefusal.size()), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  // Drain what already arrived so that close() does not turn into a reset
  // that could discard the 503 before the client reads it.
  std::array<char, 4096> sink{};
  for (int i = 0; i < 4 && !ec; ++i) socket.read_some(asio::buffer(sink), ec);
  socket.close(ec);
  ++refused_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log_ > std::chrono::seconds(10)) {
    Log("http")->warn("refusing connections: {} open, limit {} ({} refused so far)", connections_.load(),
                      settings_.max_connections, refused_);
    last_refusal_log_ = now;
  }
}

void HttpServer::Impl::Stop() {
  if (!loop_.joinable()) return;
  stopping_ = true;
  asio::post(ioc_, [this] {
    ErrorCode ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    std::lock_guard lock(sessions_mu_);
    for (Session* s : sessions_) s->Close();
    ioc_.stop();
  });
  loop_.join();
  // Handlers already running finish; queued ones are dropped.
  workers_.stop();
  workers_.join();
}

HttpServer::HttpServer(HttpSettings settings, ReadinessProbe ready)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(ready))) {
  Get(
      "/metrics",
      [impl = impl_.get()](const HttpRequest&) {
        std::vector<prometheus::MetricFamily> families;
        for (const auto& weak : impl->collectables_) {
          if (auto c = weak.lock()) {
            auto more = c->Collect();
            families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
          }
        }
        return HttpResponse{
            200, "text/plain; version=0.0.4; charset=utf-8", prometheus::TextSerializer().Serialize(families), {}};
      },
      RouteAccess::kMetrics);
  // Liveness is answered on the loop thread: it must not queue behind a slow
  // scrape or API call on the workers.
  Route& healthz = impl_->exact_["/healthz"];
  healthz.handler = [](const HttpRequest&) { return HttpResponse::Json(200, "{\"status\":\"alive\"}\n"); };
  healthz.on_loop = true;
  healthz.get_access = RouteAccess::kOpen;  // liveness needs no secret
  Get(
      "/readyz",
      [impl = impl_.get()](const HttpRequest&) {
        const std::string why = impl->ready_ ? impl->ready_() : std::string();
        if (why.empty()) return HttpResponse::Json(200, "{\"ready\":true}\n");
        return HttpResponse::Json(503, "{\"ready\":false,\"reason\":" + JsonQuote(why) + "}\n");
      },
      RouteAccess::kAnyUser);
}

HttpServer::~HttpServer() = default;

void HttpServer::AddCollectable(std::weak_ptr<prometheus::Collectable> c) {
  impl_->collectables_.push_back(std::move(c));
}

void HttpServer::Get(std::string path, HttpHandler handler, RouteAccess access) {
  Route& route = impl_->RouteAt(std::move(path));
  route.handler = std::move(handler);
  route.on_loop = false;
  route.get_access = access;
}

void HttpServer::Post(std::string path, HttpHandler handler, RouteAccess access) {
  Route& route = impl_->RouteAt(std::move(path));
  route.post = std::move(handler);
  route.post_access = access;
  impl_->has_post_ = true;
}

void HttpServer::SetMaxBodyBytes(size_t bytes) { impl_->max_body_bytes_ = bytes; }

void HttpServer::SetWebUsers(std::shared_ptr<const WebConfig> web) {
  HttpSettings settings = impl_->settings_;
  settings.web = std::move(web);
  auto next = std::make_shared<AccessControl>(settings, impl_->throttle_);
  std::lock_guard lock(impl_->access_mu_);
  impl_->access_ = std::move(next);
}

Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port_; }
int HttpServer::connections() const { return impl_->connections_.load(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace slamon::daemon
