// The bridge's request handling, free of sockets and Kafka so that it is
// unit-testable: POST /webhooks/<source> → verify → map → check every event
// with slamon's own decoder → deliver → answer.
//   200 {"accepted":N}      every event acknowledged (N may be 0: nothing to map)
//   400 bad JSON / shape    401 bad or missing signature, stale timestamp
//   404 unknown source      422 unmappable payload or an invalid event
//   503 + Retry-After       Kafka did not acknowledge in time
// Every rejection is logged once with its reason (never a secret) and counted,
// every authentic request by the position of the secret that verified it.
// Thread-safe: handlers run concurrently, and a reload replaces the sources
// while they do.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/bridge/bridge_metrics.h"
#include "daemon/bridge/event_sink.h"
#include "daemon/bridge/source.h"
#include "daemon/http/http_types.h"

namespace slamon::bridge {

inline constexpr std::string_view kWebhookPrefix = "/webhooks/";

class Receiver {
 public:
  using Clock = std::function<int64_t()>;  ///< Unix seconds now
  using Sources = std::map<std::string, std::unique_ptr<WebhookSource>>;

  Receiver(Sources sources, EventSink* sink, BridgeMetrics* metrics, int retry_after_seconds = 5,
           Clock clock = nullptr);

  daemon::HttpResponse Handle(const daemon::HttpRequest& request) const;

  /// Serves `sources` from the next request on (a reload); requests already
  /// running finish with the sources they started with.
  void ReplaceSources(Sources sources);

 private:
  std::shared_ptr<const Sources> CurrentSources() const;

  mutable std::mutex mu_;
  std::shared_ptr<const Sources> sources_;  ///< replaced whole, never changed
  EventSink* sink_;
  BridgeMetrics* metrics_;
  int retry_after_seconds_;
  Clock clock_;
};

}  // namespace slamon::bridge
