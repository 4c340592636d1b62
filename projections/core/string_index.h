// A flat open-addressing map from string to dense uint32 index, for the hot
// Apply path (ticket and account ids). Keys live in the caller's storage.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace slamon::projections::detail {

/// Maps strings to indices [0, n). The key of index i is `key_of(i)`; the
/// caller keeps keys alive and unchanged. Not thread-safe.
class StringIndex {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  /// The index of `key`, or kMissing.
  template <typename KeyOf>
  uint32_t Find(std::string_view key, KeyOf key_of) const {
    if (slots_.empty()) return kMissing;
    const uint64_t h = Hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index == kMissing) return kMissing;
      if (s.tag == static_cast<uint32_t>(h >> 32) && key_of(s.index) == key) return s.index;
    }
  }

  /// Records that `key` (not present) has index `index`.
  template <typename KeyOf>
  void Insert(std::string_view key, uint32_t index, KeyOf key_of) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow(key_of);
    Place(Hash(key), index);
    ++size_;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t index = kMissing;
  };
  static uint64_t Hash(std::string_view key) {
    // std::hash on string_view is a good 64-bit hash (murmur-style) in libstdc++.
    return std::hash<std::string_view>{}(key)*0x9E3779B97F4A7C15ull;
  }
  void Place(uint64_t h, uint32_t index) {
    size_t i = h & mask_;
    while (slots_[i].index != kMissing) i = (i + 1) & mask_;
    slots_[i] = Slot{static_cast<uint32_t>(h >> 32), index};
  }
  template <typename KeyOf>
  void Grow(KeyOf key_of) {
    const size_t n = slots_.empty() ? 64 : slots_.size() * 2;
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.index != kMissing) Place(Hash(key_of(s.index)), s.index);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace slamon::projections::detail
