#include "events/store/dedupe_index.h"

#include <absl/hash/hash.h>

namespace slamon::events::detail {
namespace {

// Packed position: topic id 12 bits, partition 12 bits, offset 40 bits.
constexpr int kTopicBits = 12;
constexpr int kPartitionBits = 12;
constexpr int kOffsetBits = 40;
constexpr uint64_t kOffsetMask = (uint64_t{1} << kOffsetBits) - 1;

}  // namespace

uint64_t DedupeIndex::Fingerprint(std::string_view id) {
  return absl::Hash<absl::string_view>{}(absl::string_view(id.data(), id.size()));
}

std::optional<uint64_t> DedupeIndex::Pack(const EventRef& ref) {
  if (ref.topic >= (1u << kTopicBits) || ref.partition < 0 || ref.partition >= (1 << kPartitionBits) ||
      ref.offset < 0 || static_cast<uint64_t>(ref.offset) > kOffsetMask) {
    return std::nullopt;
  }
  return (uint64_t{ref.topic} << (kPartitionBits + kOffsetBits)) |
         (static_cast<uint64_t>(ref.partition) << kOffsetBits) | static_cast<uint64_t>(ref.offset);
}

EventRef DedupeIndex::Unpack(uint64_t packed) {
  EventRef ref;
  ref.topic = static_cast<uint16_t>(packed >> (kPartitionBits + kOffsetBits));
  ref.partition = static_cast<int32_t>((packed >> kOffsetBits) & ((1u << kPartitionBits) - 1));
  ref.offset = static_cast<int64_t>(packed & kOffsetMask);
  return ref;
}

std::optional<EventRef> DedupeIndex::Candidate(uint64_t fingerprint) const {
  auto it = by_fingerprint_.find(fingerprint);
  if (it == by_fingerprint_.end()) return std::nullopt;
  return Unpack(it->second);
}

void DedupeIndex::Insert(std::string_view id, uint64_t fingerprint, const EventRef& ref) {
  const std::optional<uint64_t> packed = Pack(ref);
  if (packed && by_fingerprint_.try_emplace(fingerprint, *packed).second) return;
  exact_.try_emplace(std::string(id), ref);
}

size_t DedupeIndex::MemoryBytes() const {
  size_t bytes = by_fingerprint_.capacity() * (sizeof(uint64_t) * 2 + 1);
  bytes += exact_.capacity() * (sizeof(std::string) + sizeof(EventRef) + 1);
  for (const auto& [id, ref] : exact_) bytes += id.capacity() > 15 ? id.capacity() + 1 : 0;
  return bytes;
}

}  // namespace slamon::events::detail
