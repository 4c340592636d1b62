// The one JSON writer: every JSON text slamon emits (CLI output, the JSON
// API, exports) is built with it, so escaping is decided in one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slamon::events {

/// Appends `s` as a JSON string literal (with quotes) to *out. `"` and `\`
/// are escaped, every control character (< 0x20 and DEL) and U+2028/U+2029
/// are written as \uXXXX so that a value can never break a line or a
/// JavaScript embedding, and each byte of invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string_view s, std::string* out);

/// Whether `s` is well-formed UTF-8 (what AppendJsonString keeps unchanged).
bool IsValidUtf8(std::string_view s);

/// A streaming writer appending compact JSON (no spaces) to a string. Commas
/// are inserted automatically; the caller is responsible for balancing
/// Begin/End and for calling Key exactly once before each value inside an
/// object. Numbers are finite only: NaN and infinities are written as null.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view v);
  JsonWriter& Int(int64_t v);
  /// Shortest representation that reads back as the same double.
  JsonWriter& Double(double v);
  /// At most `decimals` fraction digits, trailing zeros dropped ("87.5", "3").
  JsonWriter& Fixed(double v, int decimals);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();

  /// Key(key) followed by the value, for the common case.
  JsonWriter& Field(std::string_view key, std::string_view v) { return Key(key).String(v); }
  JsonWriter& Field(std::string_view key, const char* v) { return Key(key).String(v); }
  JsonWriter& Field(std::string_view key, const std::string& v) { return Key(key).String(v); }
  JsonWriter& Field(std::string_view key, int64_t v) { return Key(key).Int(v); }
  JsonWriter& Field(std::string_view key, int v) { return Key(key).Int(v); }
  JsonWriter& Field(std::string_view key, bool v) { return Key(key).Bool(v); }
  JsonWriter& Field(std::string_view key, double v) { return Key(key).Double(v); }

 private:
  void BeforeValue();

  std::string* out_;
  // One entry per open container: whether it already holds a member.
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

/// `value` with trailing fraction zeros removed, at most `decimals` digits
/// after the point ("-0" becomes "0"). Non-finite values give "null".
std::string FormatFixed(double value, int decimals);

}  // namespace slamon::events
