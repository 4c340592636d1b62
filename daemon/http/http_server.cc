// The server: listener, connection limit, routes, start and stop. Each
// client connection is a Session (http_session.*).
#include "daemon/http/http_server.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "daemon/http/http_server_impl.h"
#include "daemon/http/http_session.h"
#include "daemon/http/http_util.h"
#include "events/common/logging.h"

namespace slamon::daemon {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr std::string_view kRefusal =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 33\r\n"
    "Connection: close\r\n\r\n{\"error\":\"too many connections\"}\n";

}  // namespace

HttpResponse HttpError(int status, std::string_view message) {
  return HttpResponse::Json(status, "{\"error\":" + JsonQuote(message) + "}\n");
}

HttpResponse HttpUnauthorized() {
  return HttpError(401, "authentication required").SetHeader("WWW-Authenticate", "Basic realm=\"slamon\"");
}

HttpServer::Impl::Impl(HttpSettings settings, ReadinessProbe ready)
    : settings_(std::move(settings)),
      ready_(std::move(ready)),
      acceptor_(ioc_),
      retry_timer_(ioc_),
      workers_(static_cast<size_t>(std::max(1, settings_.worker_threads))),
      access_(std::make_shared<AccessControl>(settings_, throttle_)) {
  if (settings_.web && settings_.web->context) {
    tls_ = std::make_shared<RotatingTlsContext>(settings_.web->tls, settings_.web->context);
    collectables_.push_back(tls_->registry());
  }
}

const HttpRoute* HttpServer::Impl::Find(const std::string& path) const {
  if (auto it = exact_.find(path); it != exact_.end()) return &it->second;
  const HttpRoute* best = nullptr;
  size_t best_len = 0;
  for (const auto& [prefix, route] : prefixes_) {
    if (path.size() >= prefix.size() && path.compare(0, prefix.size(), prefix) == 0 && prefix.size() >= best_len) {
      best = &route;
      best_len = prefix.size();
    }
  }
  return best;
}

std::optional<HttpResponse> HttpServer::Impl::Admit(HttpRequest& req, const HttpRoute* route) const {
  if (route != nullptr && route->AccessFor(req.method) == RouteAccess::kOpen) return std::nullopt;
  AccessVerdict v = CurrentAccess()->Authenticate(req, std::chrono::steady_clock::now());
  if (v.status == 401) return HttpUnauthorized();
  if (v.status == 429) {
    return HttpError(429, "too many failed logins; try again later")
        .SetHeader("Retry-After", std::to_string(v.retry_after));
  }
  req.user = std::move(v.user);
  req.scope = std::move(v.scope);
  // A method the route does not take stays a 405, whatever the scope.
  const bool served = route != nullptr && route->HandlerFor(req.method) != nullptr;
  if (served && !ScopePermits(req.scope, route->AccessFor(req.method))) {
    return HttpError(403, "the scope " + req.scope.ToString() + " does not include " + req.path);
  }
  return std::nullopt;
}

HttpRoute& HttpServer::Impl::RouteAt(std::string path) {
  if (path.size() >= 2 && path.ends_with("/*")) {
    path.pop_back();
    for (auto& [prefix, route] : prefixes_) {
      if (prefix == path) return route;
    }
    return prefixes_.emplace_back(std::move(path), HttpRoute{}).second;
  }
  return exact_[std::move(path)];
}

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
  HttpRoute& healthz = impl_->exact_["/healthz"];
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
  HttpRoute& route = impl_->RouteAt(std::move(path));
  route.handler = std::move(handler);
  route.on_loop = false;
  route.get_access = access;
}

void HttpServer::Post(std::string path, HttpHandler handler, RouteAccess access) {
  HttpRoute& route = impl_->RouteAt(std::move(path));
  route.post = std::move(handler);
  route.post_access = access;
  impl_->has_post_ = true;
}

void HttpServer::SetMaxBodyBytes(size_t bytes) { impl_->max_body_bytes_ = bytes; }

void HttpServer::SetTlsCheckInterval(std::chrono::milliseconds interval) {
  if (impl_->tls_) impl_->tls_->set_check_interval(interval);
}

void HttpServer::SetWebConfig(std::shared_ptr<const WebConfig> web) {
  if (impl_->tls_ && web && web->context) impl_->tls_->Replace(web->tls, web->context);
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
