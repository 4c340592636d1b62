// Wire codec: decodes and validates one Kafka message per docs/events.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "events/event.h"
#include "events/quarantine.h"

namespace slamon::events {

struct CodecOptions {
  size_t max_message_bytes = 64 * 1024;  ///< larger messages are rejected as oversize
  /// Events whose time lies further than this before / after the decoding
  /// host's clock are rejected as bad_timestamp (0 = no bound). Years before
  /// 1000 and from 9000 on are rejected regardless.
  int64_t max_event_age_seconds = 0;
  int64_t max_event_future_seconds = 0;
};

/// One Kafka message header: views into the consumed message. A header sent
/// without a value (null) has has_value false.
struct MessageHeader {
  std::string_view name;
  std::string_view value;
  bool has_value = true;
};

/// Either a validated Event or the Rejection explaining why not.
using DecodeResult = std::variant<Event, Rejection>;

/// Decodes one message (plain or CloudEvents structured JSON, or with its
/// headers CloudEvents binary mode). Never throws;
/// any input gives an Event or a Rejection with its reason. Thread-safe when
/// each thread uses its own Decoder.
class Decoder {
 public:
  explicit Decoder(CodecOptions options = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  DecodeResult Decode(std::string_view raw);
  /// Decodes a Kafka message with its headers. A CloudEvents binary-mode
  /// message (a `ce_specversion` header, no `content-type` starting with
  /// `application/cloudevents`) is decoded from its `ce_` headers and its
  /// value (the `data`); its Event's json is the structured-mode rendering
  /// of the same CloudEvent, which Decode(json) decodes to the same Event.
  /// A rejection of it keeps the value as raw. Any other message is
  /// Decode(value).
  DecodeResult Decode(std::string_view value, std::span<const MessageHeader> headers);

 private:
  struct Impl;
  CodecOptions options_;
  Impl* impl_;
};

/// Parses an RFC 3339 timestamp with a mandatory offset (`Z` or ±HH:MM) into
/// Unix seconds (fraction truncated). Returns false on any syntax or range
/// error, including years outside 1000-8999 and the leap second :60.
bool ParseRfc3339(std::string_view s, int64_t* unix_seconds);
/// As above; on failure *why (if given) says what is wrong.
bool ParseRfc3339(std::string_view s, int64_t* unix_seconds, std::string* why);
/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace slamon::events
