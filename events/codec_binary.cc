#include "events/codec_binary.h"

#include <algorithm>
#include <cstring>

#include "events/common/json_writer.h"

namespace slamon::events::detail {
namespace {

constexpr std::string_view kPrefix = "ce_";

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

bool IsContentType(std::string_view name) { return EqualsIgnoreCase(name, "content-type"); }
bool IsCe(std::string_view name) { return name.starts_with(kPrefix); }

// Header names are producer bytes: printable ASCII only and bounded, so a
// detail stays one readable line.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 64)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (s.size() > 64) out.append("...");
  out.append("\"");
  return out;
}
std::string QuoteName(std::string_view name) { return "header " + Quoted(name); }

BinaryFailure HeaderFail(RejectReason reason, std::string_view name, std::string_view why) {
  std::string detail = QuoteName(name);
  detail.append(": ").append(why);
  return {reason, std::move(detail)};
}

// CloudEvents attribute names are lower-case ASCII letters and digits.
bool IsAttributeName(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// The media type without parameters, lower-cased: "application/json; charset=utf-8" -> "application/json".
std::string MediaType(std::string_view v) {
  v = v.substr(0, v.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  std::string out(v);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool IsJsonMediaType(const std::string& m) {
  return m == "application/json" || m == "text/json" ||
         (m.size() > 5 && m.ends_with("+json") && m.find('/') < m.size() - 5);
}

std::string_view JsonTypeName(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    default:
      return "a number";
  }
}

}  // namespace

bool IsBinaryCloudEvent(std::span<const MessageHeader> headers) {
  bool specversion = false;
  for (const MessageHeader& h : headers) {
    if (h.name == "ce_specversion") {
      specversion = true;
    } else if (IsContentType(h.name) && h.has_value && h.value.size() >= 23 &&
               EqualsIgnoreCase(h.value.substr(0, 23), "application/cloudevents")) {
      return false;  // structured mode: the value holds the whole event
    }
  }
  return specversion;
}

// Long on purpose: the binary-mode checks in the order of the CloudEvents
// Kafka binding, then the structured rendering.
std::optional<BinaryFailure> RenderBinaryCloudEvent(std::string_view value, std::span<const MessageHeader> headers,
                                                    size_t max_message_bytes, simdjson::dom::parser& parser,
                                                    std::vector<char>& padded, std::string* json) {
  // The limit bounds the rendering, which holds the value and these headers.
  size_t total = value.size();
  for (const MessageHeader& h : headers) {
    if (IsCe(h.name) || IsContentType(h.name)) total += h.name.size() + h.value.size();
  }
  if (total > max_message_bytes) {
    return BinaryFailure{RejectReason::kOversize, "message of " + std::to_string(total) +
                                                      " bytes (value and CloudEvents headers) exceeds the limit of " +
                                                      std::to_string(max_message_bytes)};
  }

  // Attribute headers in arrival order; a header without a value counts as
  // absent, like a JSON null in structured mode.
  std::vector<const MessageHeader*> attrs;
  const MessageHeader* content_type = nullptr;
  const MessageHeader* specversion = nullptr;
  for (const MessageHeader& h : headers) {
    const bool ce = IsCe(h.name);
    if (!ce && !IsContentType(h.name)) continue;  // other headers (tracing, ...) are not part of the event
    if (!h.has_value) continue;
    if (!simdjson::validate_utf8(h.value.data(), h.value.size())) {
      return HeaderFail(RejectReason::kInvalidUtf8, h.name, "invalid UTF-8");
    }
    if (!ce) {
      if (content_type != nullptr) return HeaderFail(RejectReason::kInvalidField, h.name, "appears twice");
      content_type = &h;
      continue;
    }
    const std::string_view attr = h.name.substr(kPrefix.size());
    if (!IsAttributeName(attr)) {
      return HeaderFail(RejectReason::kInvalidField, h.name,
                        "not a CloudEvents attribute name (lower-case letters and digits after ce_)");
    }
    if (attr == "data") return HeaderFail(RejectReason::kInvalidField, h.name, "the data is the message value");
    if (attr == "datacontenttype") {
      return HeaderFail(RejectReason::kInvalidField, h.name, "the data content type is the content-type header");
    }
    if (attr == "specversion") specversion = &h;
    attrs.push_back(&h);
  }
  {
    std::vector<std::string_view> names;
    names.reserve(attrs.size());
    for (const MessageHeader* h : attrs) names.push_back(h->name);
    std::sort(names.begin(), names.end());
    if (auto d = std::adjacent_find(names.begin(), names.end()); d != names.end()) {
      return HeaderFail(RejectReason::kInvalidField, *d, "appears twice");
    }
  }
  if (specversion == nullptr) return HeaderFail(RejectReason::kMissingField, "ce_specversion", "required");
  if (specversion->value != "1.0") {
    return HeaderFail(RejectReason::kInvalidField, "ce_specversion",
                      "expected \"1.0\" (CloudEvents 1.0), got " + Quoted(specversion->value));
  }
  // Without a content-type the data is taken as JSON, as the JSON event
  // format does for an absent datacontenttype.
  if (content_type != nullptr && !IsJsonMediaType(MediaType(content_type->value))) {
    return HeaderFail(RejectReason::kInvalidField, content_type->name,
                      "the data must be JSON (application/json), got " + Quoted(content_type->value));
  }

  if (value.empty()) {
    return BinaryFailure{RejectReason::kMissingField, "field \"data\": required (the message value is empty)"};
  }
  if (!simdjson::validate_utf8(value.data(), value.size())) {
    return BinaryFailure{RejectReason::kInvalidUtf8, "message value (data): invalid UTF-8"};
  }
  const size_t needed = value.size() + simdjson::SIMDJSON_PADDING;
  if (padded.size() < needed) padded.resize(needed);
  std::memcpy(padded.data(), value.data(), value.size());
  simdjson::dom::element root;
  if (auto err = parser.parse(padded.data(), value.size(), false).get(root); err != simdjson::SUCCESS) {
    return BinaryFailure{RejectReason::kMalformedJson,
                         std::string("message value (data): not valid JSON: ") + simdjson::error_message(err)};
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) {
    return BinaryFailure{RejectReason::kInvalidField, "field \"data\": expected an object, the message value is " +
                                                          std::string(JsonTypeName(root.type()))};
  }

  // The structured rendering: specversion first, the other attributes in
  // header order, datacontenttype, then the data (minified) last.
  json->clear();
  json->reserve(total + 64 + simdjson::SIMDJSON_PADDING);
  json->append(R"({"specversion":"1.0")");
  for (const MessageHeader* h : attrs) {
    if (h == specversion) continue;
    json->push_back(',');
    AppendJsonString(h->name.substr(kPrefix.size()), json);
    json->push_back(':');
    AppendJsonString(h->value, json);
  }
  if (content_type != nullptr) {
    json->append(R"(,"datacontenttype":)");
    AppendJsonString(content_type->value, json);
  }
  json->append(R"(,"data":)");
  const size_t at = json->size();
  // The SIMD minifier may store whole vectors past the output's end, hence the padding.
  json->resize(at + needed);
  size_t out_len = 0;
  if (simdjson::minify(padded.data(), value.size(), json->data() + at, out_len) != simdjson::SUCCESS) {
    return BinaryFailure{RejectReason::kMalformedJson, "message value (data): could not minify"};
  }
  json->resize(at + out_len);
  json->push_back('}');
  return std::nullopt;
}

namespace {

void NameHeader(std::string* detail) {
  constexpr std::string_view kField = "field \"";
  if (detail->starts_with("unknown event type")) {
    detail->insert(0, "header \"ce_type\": ");
    return;
  }
  if (!detail->starts_with(kField)) return;
  const size_t end = detail->find('"', kField.size());
  if (end == std::string::npos) return;
  const std::string name = detail->substr(kField.size(), end - kField.size());
  // The attributes the decoder reads at the top level; everything else is in the data.
  for (std::string_view attr : {"specversion", "id", "type", "time", "subject"}) {
    if (name == attr) {
      detail->replace(0, end + 1, "header \"ce_" + name + "\"");
      return;
    }
  }
  if (*detail == "field \"account_id\": required") detail->append(" (in the data, or as the ce_subject header)");
}

}  // namespace

void DetailForBinary(std::span<const MessageHeader> headers, std::string* detail) {
  NameHeader(detail);
  if (detail->starts_with("header \"ce_id\"")) return;
  for (const MessageHeader& h : headers) {
    if (h.name == "ce_id" && h.has_value) {
      detail->append(" (binary mode, ce_id ").append(Quoted(h.value)).append(")");
      return;
    }
  }
}

}  // namespace slamon::events::detail
