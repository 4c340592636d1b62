// CloudEvents binary content mode on Kafka (internal to the codec): the
// attributes are `ce_` headers, the value is the `data`. The message is
// checked and rendered as the structured-mode JSON of the same CloudEvent,
// which the structured decoder then decodes: one mapping for both modes, and
// the stored JSON stays self-contained (export, import and audits need no
// headers).
#pragma once

#include <simdjson.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "events/codec.h"
#include "events/quarantine.h"

namespace slamon::events::detail {

struct BinaryFailure {
  RejectReason reason;
  std::string detail;
};

/// True when the headers make the message a binary-mode CloudEvent: a
/// `ce_specversion` header, and no `content-type` starting with
/// `application/cloudevents` (that would be structured mode).
bool IsBinaryCloudEvent(std::span<const MessageHeader> headers);

/// Checks the headers and the value (size, names, UTF-8, duplicates,
/// specversion, content type, a JSON object as data) and writes the
/// structured-mode rendering to *json. Uses `parser` and `padded` as scratch.
std::optional<BinaryFailure> RenderBinaryCloudEvent(std::string_view value, std::span<const MessageHeader> headers,
                                                    size_t max_message_bytes, simdjson::dom::parser& parser,
                                                    std::vector<char>& padded, std::string* json);

/// Rewrites a failure detail about an attribute of the rendering
/// (`field "time": …`) to name the header it came from (`header "ce_time": …`),
/// says where the account may come from, and appends the `ce_id`: the
/// quarantine keeps only the value, so the id is what finds the event at
/// its producer.
void DetailForBinary(std::span<const MessageHeader> headers, std::string* detail);

}  // namespace slamon::events::detail
