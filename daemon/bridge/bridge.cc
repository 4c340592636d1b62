#include "daemon/bridge/bridge.h"

#include "daemon/bridge/kafka_sink.h"

namespace slamon::bridge {

StatusOr<std::unique_ptr<Bridge>> Bridge::Create(BridgeConfig config, std::unique_ptr<EventSink> sink) {
  std::unique_ptr<Bridge> b(new Bridge());
  std::vector<std::string> names;
  for (const auto& [name, unused] : config.sources) names.push_back(name);
  b->metrics_ = std::make_unique<BridgeMetrics>(names);
  for (const auto& [name, secrets] : config.secret_counts) b->metrics_->AddSource(name, secrets);
  if (sink) {
    b->sink_ = std::move(sink);
  } else {
    BridgeMetrics* metrics = b->metrics_.get();
    KafkaSink::Observers observers;
    observers.delivery = [metrics](double seconds, bool failed) { metrics->Delivery(seconds, failed); };
    observers.recreating = [metrics](bool recreating) { metrics->ProducerRecreating(recreating); };
    observers.recreated = [metrics](size_t resent) { metrics->ProducerRecreated(resent); };
    GET_OR_RET(auto kafka, KafkaSink::Create(config.kafka, std::move(observers)));
    b->sink_ = std::move(kafka);
  }
  BridgeConfig settings = SettingsOf(config);  // before the sources move out
  b->receiver_ = std::make_unique<Receiver>(std::move(config.sources), b->sink_.get(), b->metrics_.get(),
                                            config.retry_after_seconds);
  EventSink* s = b->sink_.get();
  b->http_ = std::make_unique<daemon::HttpServer>(config.http, [s] { return s->Unready(); });
  b->http_->SetMaxBodyBytes(config.max_body_bytes);
  b->http_->AddCollectable(b->metrics_->registry());
  Receiver* receiver = b->receiver_.get();
  // A webhook proves itself by its signature: no basic auth on it, ever.
  b->http_->Post(
      std::string(kWebhookPrefix) + "*", [receiver](const daemon::HttpRequest& req) { return receiver->Handle(req); },
      daemon::RouteAccess::kOpen);
  b->reloader_ = std::make_unique<BridgeReloader>(std::move(settings), receiver, b->metrics_.get(), b->http_.get());
  // As the daemon's: only the scope `all` may reload (Post's default access).
  BridgeReloader* reloader = b->reloader_.get();
  b->http_->Post("/-/reload", [reloader](const daemon::HttpRequest& req) { return reloader->HandleHttp(req); });
  return b;
}

Bridge::~Bridge() { Stop(); }

Status Bridge::Start() { return http_->Start(); }

void Bridge::Stop() {
  if (stopped_) return;
  stopped_ = true;
  http_->Stop();  // no new requests; running handlers finish their waits
  if (auto* kafka = dynamic_cast<KafkaSink*>(sink_.get())) kafka->Flush(std::chrono::milliseconds(10000));
}

}  // namespace slamon::bridge
