// A small binary codec for projection snapshots (projections/snapshot.h):
// varints, zigzag-encoded signed integers, doubles and strings, with strings
// optionally prefix-coded against the previous one (event and ticket ids
// share long prefixes). Internal to projections/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace slamon::projections::detail {

/// Time deltas for compact encoding. They wrap instead of overflowing, so any
/// int64 pair round-trips: Undelta(Delta(t, prev), prev) == t.
inline int64_t Delta(int64_t t, int64_t prev) {
  return static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(prev));
}
inline int64_t Undelta(int64_t d, int64_t prev) {
  return static_cast<int64_t>(static_cast<uint64_t>(prev) + static_cast<uint64_t>(d));
}

/// Strictly increasing (t, id): what the sorted inserts with duplicate checks
/// keep, so a decoded list that is not is corrupt.
template <typename T>
bool StrictlySorted(const std::vector<T>& v) {
  for (size_t i = 1; i < v.size(); ++i) {
    if (!(std::tie(v[i - 1].t, v[i - 1].id) < std::tie(v[i].t, v[i].id))) return false;
  }
  return true;
}

/// Appends to a caller-owned string. Never fails.
class StateWriter {
 public:
  explicit StateWriter(std::string* out) : out_(out) {}

  void Byte(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void Signed(int64_t v) { Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Double(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(bits));
    for (int i = 0; i < 8; ++i, bits >>= 8) out_->push_back(static_cast<char>(bits));
  }
  void String(std::string_view s) {
    Varint(s.size());
    out_->append(s);
  }
  /// `s` as (length of the prefix shared with `*prev`, rest); then *prev = s.
  void Prefixed(std::string_view s, std::string_view* prev) {
    size_t shared = 0;
    const size_t limit = std::min(s.size(), prev->size());
    while (shared < limit && s[shared] == (*prev)[shared]) ++shared;
    Varint(shared);
    String(s.substr(shared));
    *prev = s;
  }
  /// Magic (4 bytes) and format version: the first bytes of every state.
  void Header(std::string_view magic, uint8_t version) {
    out_->append(magic.substr(0, 4));
    Byte(version);
  }

 private:
  std::string* out_;
};

/// Reads what StateWriter wrote. Every getter returns false on truncated or
/// malformed input and the reader stays failed (ok() false), so a decoder can
/// check once at the end; it never reads out of bounds.
class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }
  bool Fail() { return ok_ = false; }

  bool Byte(uint8_t* v) {
    if (!ok_ || pos_ >= in_.size()) return Fail();
    *v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = 0;
      if (!Byte(&b)) return false;
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail();
  }
  /// A count of items each taking at least `min_bytes`: rejects counts the
  /// remaining input cannot hold, so corrupt input never triggers a huge
  /// allocation.
  bool Count(uint64_t* n, size_t min_bytes = 1) {
    if (!Varint(n)) return false;
    if (*n > remaining() / std::max<size_t>(min_bytes, 1)) return Fail();
    return true;
  }
  bool Signed(int64_t* v) {
    uint64_t u = 0;
    if (!Varint(&u)) return false;
    *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    return true;
  }
  bool Double(double* v) {
    if (!ok_ || remaining() < 8) return Fail();
    uint64_t bits = 0;
    for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>(in_[pos_ + static_cast<size_t>(i)]);
    pos_ += 8;
    std::memcpy(v, &bits, sizeof(bits));
    return true;
  }
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!Varint(&n)) return false;
    if (n > remaining()) return Fail();
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  /// Reads what Prefixed wrote; `*prev` is the previous string read this way.
  bool Prefixed(std::string* s, const std::string& prev) {
    uint64_t shared = 0, n = 0;
    if (!Varint(&shared) || shared > prev.size() || !Varint(&n) || n > remaining()) return Fail();
    s->reserve(shared + n);
    s->assign(prev, 0, shared);
    s->append(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool Header(std::string_view magic, uint8_t version) {
    if (!ok_ || remaining() < 5 || in_.substr(pos_, 4) != magic.substr(0, 4)) return Fail();
    pos_ += 4;
    uint8_t v = 0;
    return Byte(&v) && (v == version || Fail());
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace slamon::projections::detail
