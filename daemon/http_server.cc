#include "daemon/http_server.h"

#include <httplib.h>
#include <prometheus/text_serializer.h>

#include <chrono>

#include "events/logging.h"

namespace slamon::daemon {

HttpServer::HttpServer(HttpSettings settings, ReadinessProbe ready)
    : settings_(std::move(settings)), ready_(std::move(ready)), server_(std::make_unique<httplib::Server>()) {
  if (!settings_.basic_auth_user.empty()) {
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;  // liveness needs no secret
      const std::string expected =
          httplib::make_basic_authentication_header(settings_.basic_auth_user, settings_.basic_auth_password).second;
      if (req.get_header_value("Authorization") == expected) return httplib::Server::HandlerResponse::Unhandled;
      res.status = 401;
      res.set_header("WWW-Authenticate", "Basic realm=\"slamon\"");
      res.set_content("{\"error\":\"authentication required\"}\n", "application/json");
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& weak : collectables_) {
      if (auto c = weak.lock()) {
        auto more = c->Collect();
        families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      }
    }
    res.set_content(prometheus::TextSerializer().Serialize(families), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"alive\"}\n", "application/json");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    std::string why = ready_ ? ready_() : std::string();
    if (why.empty()) {
      res.set_content("{\"ready\":true}\n", "application/json");
    } else {
      res.status = 503;
      res.set_content("{\"ready\":false,\"reason\":\"" + why + "\"}\n", "application/json");
    }
  });
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  auto [host, port] = ParseListenAddress(settings_.listen, "http.listen");
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
  } else {
    port_ = server_->bind_to_port(host, port) ? port : -1;
  }
  if (port_ <= 0) {
    return Status::Unavailable("cannot listen on " + settings_.listen + " (address in use or not local?)");
  }
  listener_done_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listener_done_ = true;
  });
  Log("http")->info("serving /metrics, /healthz, /readyz on http://{}:{}", host, port_);
  return Status::OK();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  // cpp-httplib's stop() does nothing until the listener thread has entered
  // its accept loop, and join() would then wait forever: wait for it (or for
  // the thread to have ended on its own) first.
  while (!server_->is_running() && !listener_done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
  thread_.join();
}

}  // namespace slamon::daemon
