// How the decoder fuzzer (and its seed test) frame a Kafka message with
// headers in one input: "CE-BINARY\n", one header per line as name=value
// (a line without '=' is a header without a value), an empty line, then the
// message value. Inputs without the marker are message values alone.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "events/codec.h"

namespace slamon::fuzz {

inline constexpr std::string_view kBinaryMarker = "CE-BINARY\n";

struct FramedMessage {
  std::vector<events::MessageHeader> headers;  // views into the input
  std::string_view value;
};

/// The headers and value of a framed input; nullopt without the marker or
/// without the empty line that ends the headers.
inline std::optional<FramedMessage> ParseFramed(std::string_view input) {
  if (!input.starts_with(kBinaryMarker)) return std::nullopt;
  input.remove_prefix(kBinaryMarker.size());
  FramedMessage m;
  while (true) {
    const size_t eol = input.find('\n');
    if (eol == std::string_view::npos) return std::nullopt;
    const std::string_view line = input.substr(0, eol);
    input.remove_prefix(eol + 1);
    if (line.empty()) break;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      m.headers.push_back({line, {}, false});
    } else {
      m.headers.push_back({line.substr(0, eq), line.substr(eq + 1), true});
    }
  }
  m.value = input;
  return m;
}

}  // namespace slamon::fuzz
