#include "daemon/bridge/receiver.h"

#include <chrono>

#include "events/codec.h"
#include "events/common/json_writer.h"
#include "events/common/logging.h"

namespace slamon::bridge {
namespace {

daemon::HttpResponse Answer(int status, std::string_view key, std::string_view text) {
  std::string body;
  events::JsonWriter(&body).BeginObject().Field(key, text).EndObject();
  body += "\n";
  return daemon::HttpResponse::Json(status, std::move(body));
}

int HttpStatus(Rejection r) {
  switch (r) {
    case Rejection::kBadSignature:
      return 401;
    case Rejection::kBadPayload:
      return 400;
    case Rejection::kUnmappable:
      return 422;
  }
  return 422;
}

Outcome OutcomeOf(Rejection r) {
  switch (r) {
    case Rejection::kBadSignature:
      return Outcome::kBadSignature;
    case Rejection::kBadPayload:
      return Outcome::kBadPayload;
    case Rejection::kUnmappable:
      return Outcome::kUnmappable;
  }
  return Outcome::kUnmappable;
}

}  // namespace

Receiver::Receiver(Sources sources, EventSink* sink, BridgeMetrics* metrics, int retry_after_seconds, Clock clock)
    : sources_(std::make_shared<const Sources>(std::move(sources))),
      sink_(sink),
      metrics_(metrics),
      retry_after_seconds_(retry_after_seconds),
      clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

void Receiver::ReplaceSources(Sources sources) {
  auto next = std::make_shared<const Sources>(std::move(sources));
  std::lock_guard lock(mu_);
  sources_ = std::move(next);
}

std::shared_ptr<const Receiver::Sources> Receiver::CurrentSources() const {
  std::lock_guard lock(mu_);
  return sources_;
}

daemon::HttpResponse Receiver::Handle(const daemon::HttpRequest& http) const {
  const std::string name =
      http.path.starts_with(kWebhookPrefix) ? http.path.substr(kWebhookPrefix.size()) : std::string();
  const std::shared_ptr<const Sources> sources = CurrentSources();  // kept for the whole request
  auto found = sources->find(name);
  if (found == sources->end()) {
    metrics_->Request("", Outcome::kUnknownSource);
    Log("bridge")->warn("POST {}: 404 no such source", http.path);
    return Answer(404, "error", "no such webhook source");
  }
  const WebhookSource& source = *found->second;
  auto reject = [&](int status, Outcome outcome, const std::string& reason) {
    metrics_->Request(name, outcome);
    Log("bridge")->warn("source {}: {} {}", name, status, reason);
    return Answer(status, "error", reason);
  };

  WebhookRequest request;
  for (const auto& [key, value] : http.headers) request.headers.emplace(key, value);  // emplace keeps the first
  for (const auto& [key, value] : http.params) request.query.emplace(key, value);
  request.body = http.body;
  request.received_unix_s = clock_();

  SourceError error{Rejection::kBadPayload, ""};
  size_t secret = 0;
  if (!source.Verify(request, &error, &secret)) {
    return reject(HttpStatus(error.rejection), OutcomeOf(error.rejection), error.reason);
  }
  metrics_->SignatureMatched(name, secret);
  std::vector<MappedEvent> events;
  if (!source.Map(request, &events, &error)) {
    return reject(HttpStatus(error.rejection), OutcomeOf(error.rejection), error.reason);
  }
  // Every event passes slamon's own decoder before it is produced: an event
  // the daemon would quarantine is refused here, where the sender sees it.
  thread_local events::Decoder decoder;
  for (const MappedEvent& e : events) {
    auto decoded = decoder.Decode(e.json);
    if (const auto* r = std::get_if<events::Rejection>(&decoded)) {
      return reject(422, Outcome::kUnmappable,
                    "mapped event is invalid (" + std::string(events::Name(r->reason)) + ": " + r->detail + ")");
    }
  }
  Status delivered = sink_->Deliver(events);
  if (!delivered.ok()) {
    auto res = reject(503, Outcome::kUnavailable, "Kafka unavailable: " + delivered.message());
    res.SetHeader("Retry-After", std::to_string(retry_after_seconds_));
    return res;
  }
  metrics_->Request(name, Outcome::kAccepted);
  metrics_->Produced(name, events.size());
  std::string body;
  events::JsonWriter(&body).BeginObject().Field("accepted", static_cast<int64_t>(events.size())).EndObject();
  body += "\n";
  return daemon::HttpResponse::Json(200, std::move(body));
}

}  // namespace slamon::bridge
