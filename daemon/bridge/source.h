// A webhook source: one helpdesk or CRM that posts webhooks to `slamon
// bridge`. A source verifies that a request really comes from the sender
// (signature, shared secret) and maps its payload to zero or more slamon
// events. Sources are pure: no I/O, no clock reads (the receive time is in
// the request), so every mapping is a golden test away from being proven.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/status.h"

namespace slamon::bridge {

/// What a source sees of one webhook request.
struct WebhookRequest {
  /// Header fields, names lower-cased; a repeated header keeps its first value.
  std::map<std::string, std::string> headers;
  /// Query parameters, percent-decoded.
  std::map<std::string, std::string> query;
  /// The raw body, byte for byte as received (signatures are over these bytes).
  std::string body;
  /// When the bridge received the request (Unix seconds); replay windows use it.
  int64_t received_unix_s = 0;

  /// The value of header `name` (lower-case), "" when absent.
  std::string Header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

/// One slamon event produced from a webhook.
struct MappedEvent {
  std::string key;   ///< Kafka message key: the account id
  std::string json;  ///< the event in slamon's plain JSON wire schema
};

/// Why a request was refused; the receiver maps each to an HTTP status.
enum class Rejection {
  kBadSignature,  ///< 401: missing/invalid signature or secret, stale timestamp
  kBadPayload,    ///< 400: not JSON, or not the shape the vendor documents
  kUnmappable,    ///< 422: well-formed but cannot become valid slamon events
};

struct SourceError {
  Rejection rejection;
  std::string reason;  ///< one line, never contains a secret
};

class WebhookSource {
 public:
  virtual ~WebhookSource() = default;
  /// The source's configured name (the URL path segment: POST /webhooks/<name>).
  virtual const std::string& Name() const = 0;
  /// Checks the request's authenticity: true when authentic, else false with `error` set.
  /// Implementations compare secrets and digests in constant time.
  virtual bool Verify(const WebhookRequest& request, SourceError* error) const = 0;
  /// Maps a verified request to events (possibly none: e.g. an internal note);
  /// false with `error` set when it cannot.
  /// Event ids must be derived deterministically from the sender's delivery or
  /// event id so that a redelivery maps to the same ids.
  virtual bool Map(const WebhookRequest& request, std::vector<MappedEvent>* events, SourceError* error) const = 0;
};

/// Builds a source of kind `kind` ("zendesk", "jira", "jiandaoyun", "zoho",
/// "generic") named `name` from its YAML section. Errors name the field.
using SourceFactory = StatusOr<std::unique_ptr<WebhookSource>> (*)(const std::string& name, const YAML::Node& section);

}  // namespace slamon::bridge
