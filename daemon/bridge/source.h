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

#include "daemon/config/field_table.h"
#include "daemon/config/yaml_reader.h"
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
  /// Checks the request's authenticity against the source's secrets (its
  /// one `secret`, or each of its `secrets` in turn, mapping_util.h
  /// LoadSecrets): true when one verifies, with its position in the list (0
  /// for a single secret) in `*matched`; else false with `error` set.
  /// Implementations compare secrets and digests in constant time.
  virtual bool Verify(const WebhookRequest& request, SourceError* error, size_t* matched) const = 0;
  /// The same, when which secret verified does not matter.
  bool Verify(const WebhookRequest& request, SourceError* error) const {
    size_t matched = 0;
    return Verify(request, error, &matched);
  }
  /// Maps a verified request to events (possibly none: e.g. an internal note);
  /// false with `error` set when it cannot.
  /// Event ids must be derived deterministically from the sender's delivery or
  /// event id so that a redelivery maps to the same ids.
  virtual bool Map(const WebhookRequest& request, std::vector<MappedEvent>* events, SourceError* error) const = 0;
};

/// One source's section of the bridge config (`sources.<name>`), as its
/// factory reads it: the flat keys through a field table (Read), nested
/// structures by the source's own code. Problems come back as an
/// invalid-argument Status in the one config problem shape, one per line:
/// "FILE:LINE: sources.<name>.<key>: problem".
class SourceSection {
 public:
  /// The keys every kind has; its own table need not list them.
  static const std::vector<std::string>& CommonKeys();  ///< kind, secret, secret_env, secrets, secret_envs

  SourceSection(const config::YamlReader& reader, std::string name, YAML::Node node)
      : reader_(reader), name_(std::move(name)), field_("sources." + name_), node_(std::move(node)) {}

  const std::string& name() const { return name_; }    ///< the URL segment: POST /webhooks/<name>
  const std::string& field() const { return field_; }  ///< "sources.<name>"
  const YAML::Node& node() const { return node_; }

  /// The node at `key` ("auth.mode") in the section; undefined when absent.
  YAML::Node At(std::string_view key) const;
  /// "WHERE: sources.<name>.<key>: problem" as an invalid-argument Status,
  /// placed at `at` (at the section when `at` is absent).
  Status Error(const YAML::Node& at, std::string_view key, std::string_view problem) const;

  /// Reads `table`'s rows into `options` (defaults first) from the section,
  /// or from the mapping at `key` in it. Unknown keys are problems, except
  /// `also_known` (and CommonKeys() at the section's top).
  template <typename O>
  Status Read(const config::FieldTable<O>& table, O* options, const std::vector<std::string>& also_known = {},
              std::string_view key = {}) const {
    config::YamlReader scratch(reader_);  // the same document and positions; problems of its own
    const size_t before = scratch.problems().size();
    std::vector<std::string> known = also_known;
    if (key.empty()) known.insert(known.end(), CommonKeys().begin(), CommonKeys().end());
    table.ApplyDefaults(*options);
    table.Read(scratch, key.empty() ? node_ : At(key), key.empty() ? field_ : field_ + "." + std::string(key), *options,
               known);
    return Problems(scratch, before);
  }

 private:
  static Status Problems(const config::YamlReader& reader, size_t from);

  const config::YamlReader& reader_;
  std::string name_;
  std::string field_;
  YAML::Node node_;
};

/// Every row of a source's section applies on a reload: the bridge rebuilds
/// its sources from the reloaded file (bridge_reload.h).
inline constexpr config::Apply kSourceApply = config::Apply::kLive;

/// Builds a source from its section. Errors name the key, see SourceSection.
using SourceFactory = StatusOr<std::unique_ptr<WebhookSource>> (*)(const SourceSection& section);

/// Builds the source `name` from a section parsed on its own (tests, tools):
/// problems are placed at the section's lines in `file`.
StatusOr<std::unique_ptr<WebhookSource>> BuildSource(SourceFactory factory, const std::string& name,
                                                     const YAML::Node& section,
                                                     const std::string& file = "source.yaml");

}  // namespace slamon::bridge
