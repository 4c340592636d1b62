// libFuzzer target for the wire decoder (events/codec.h). Any input must give
// an Event or a Rejection without a crash or sanitizer report; a decoded
// Event must survive the round trips slamon relies on:
//   - its minified JSON (what the store keeps and `slamon export` prints)
//     decodes again to the same event,
//   - the stored binary format decodes back to the same bytes,
//   - its time formats back to RFC 3339 and parses to the same second.
// Inputs framed as in binary_framing.h are decoded with their headers
// (CloudEvents binary mode); their stored JSON is the structured rendering.
// Built by scripts/fuzz (clang, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "events/codec.h"
#include "events/store/stored_format.h"
#include "tests/fuzz/binary_framing.h"

namespace {

using slamon::events::Decoder;
using slamon::events::Event;
using slamon::events::Rejection;

[[noreturn]] void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "decoder_fuzz: %s\ninput (%zu bytes): %.*s\n", what, input.size(),
               static_cast<int>(std::min<size_t>(input.size(), 2000)), input.data());
  std::abort();
}

std::string Stored(const Event& e) {
  std::string out;
  slamon::events::EncodeStoredEvent(e, &out);
  return out;
}

void CheckEvent(const Event& e, std::string_view input, Decoder& decoder, bool rendered) {
  if (e.id.empty() || e.account_id.empty()) Fail("decoded an event without id or account_id", input);
  if (!rendered && e.json.size() > input.size()) Fail("minified JSON longer than the input", input);

  const std::string stored = Stored(e);
  Event back;
  if (!slamon::events::DecodeStoredEvent(stored, &back).ok()) Fail("stored format does not decode", input);
  if (Stored(back) != stored) Fail("stored format round trip changed the event", input);

  // The stored JSON is what replay, export and audits see: it must mean the same event.
  auto again = decoder.Decode(e.json);
  const auto* e2 = std::get_if<Event>(&again);
  if (e2 == nullptr) Fail("minified JSON of a decoded event is rejected", input);
  if (Stored(*e2) != stored) Fail("minified JSON decodes to a different event", input);

  // Years 1..9999 format as YYYY; earlier instants (year 0 with a positive offset) cannot.
  constexpr int64_t kYear1 = -62135596800;
  if (e.occurred_at >= kYear1) {
    int64_t t = 0;
    if (!slamon::events::ParseRfc3339(slamon::events::FormatRfc3339(e.occurred_at), &t) || t != e.occurred_at) {
      Fail("occurred_at does not survive FormatRfc3339/ParseRfc3339", input);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Decoder decoder;                          // reused like the ingest loop does
  static Decoder tiny({.max_message_bytes = 64});  // the oversize path
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto framed = slamon::fuzz::ParseFramed(input)) {
    auto result = decoder.Decode(framed->value, framed->headers);
    if (const auto* e = std::get_if<Event>(&result)) {
      CheckEvent(*e, input, decoder, true);
    } else {
      const auto& r = std::get<Rejection>(result);
      if (r.detail.empty()) Fail("binary-mode rejection without a detail", input);
      if (r.raw != framed->value) Fail("binary-mode rejection does not keep the message value", input);
    }
  }
  auto result = decoder.Decode(input);
  if (const auto* e = std::get_if<Event>(&result)) {
    CheckEvent(*e, input, decoder, false);
  } else {
    const auto& r = std::get<Rejection>(result);
    if (r.detail.empty()) Fail("rejection without a detail", input);
    if (r.raw != input) Fail("rejection does not keep the raw message", input);
  }
  auto small = tiny.Decode(input);
  if (size > 64 && !std::holds_alternative<Rejection>(small)) Fail("oversize message accepted", input);
  return 0;
}
