// The audit hash chain: every stored event carries a SHA-256 link
// over the previous link of its (topic, partition) and its canonical bytes,
// so altering, deleting or reordering a stored event breaks the chain from
// that position on. Layout and canonical bytes: events/store/store_keys.h.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace slamon::events {

/// A SHA-256 digest.
using ChainHash = std::array<uint8_t, 32>;

/// The link before the first event of every partition: 32 zero bytes.
inline constexpr ChainHash kGenesisHash{};

/// Computes chain links. Not thread-safe: one per thread (it reuses one
/// OpenSSL digest context, so a link costs no allocation).
class ChainHasher {
 public:
  ChainHasher();
  ~ChainHasher();
  ChainHasher(const ChainHasher&) = delete;
  ChainHasher& operator=(const ChainHasher&) = delete;

  /// link = SHA-256(prev || event_key || value), where event_key is the
  /// 14-byte events key and value the stored event bytes.
  ChainHash Link(const ChainHash& prev, std::string_view event_key, std::string_view value);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Lower-case hex of a digest (for messages).
std::string ToHex(const ChainHash& h);

}  // namespace slamon::events
