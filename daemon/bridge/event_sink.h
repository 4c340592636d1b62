// Where the bridge's receiver hands mapped events: the Kafka producer in
// production, a recording stub in tests.
#pragma once

#include <vector>

#include "daemon/bridge/source.h"
#include "events/common/status.h"

namespace slamon::bridge {

class EventSink {
 public:
  virtual ~EventSink() = default;
  /// Delivers every event of one request, in order, and returns OK only when
  /// all were acknowledged. Unavailable when they were not (in time): the
  /// sender retries and the deterministic ids make the retry harmless.
  /// Called concurrently from several request handlers.
  virtual Status Deliver(const std::vector<MappedEvent>& events) = 0;
  /// "" while the sink can deliver, else why not (for /readyz).
  virtual std::string Unready() const { return {}; }
};

}  // namespace slamon::bridge
