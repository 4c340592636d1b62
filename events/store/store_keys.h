// Key layouts of the event store's column families (internal to events/).
// Store layout 3 (kStoreLayoutVersion): about one key per event.
//
//   events      [topic u16][partition u32][offset u64]  -> [link 32][previous offset i64][stored event]
//   quarantine  [topic u16][partition u32][offset u64]  -> [at i64][reason u8][detail][raw]
//   offsets     [topic u16][partition u32]              -> next offset u64
//   meta        "topic:<name>" -> topic id u16; "event_count" -> u64;
//               "store_layout" -> u32 layout version
//   chain       [0xff 0xff]"head"[topic u16][partition u32] -> [head link 32][last offset u64]
//   dedupe, by_account, by_ticket: empty (layout 2 kept one key per event in
//               each; events/store/migrate.h empties them on upgrade)
//
// Integers are big-endian so that keys sort in store order. Event ids are
// deduplicated through an in-memory fingerprint table rebuilt from the
// events at open (dedupe_index.h); account lookups filter a scan.
//
// The stored event bytes are stored_format.h. The previous offset is that of
// the partition's previous stored event (-1 for its first): offsets between
// two events belong to quarantined or duplicate messages, so the previous
// offset is what lets verify name a deleted event's own offset.
//
// Hash chain (audit, events/store/hash_chain.h). The canonical bytes of a stored
// event are its 14-byte events key followed by its stored event bytes, so a
// value moved to another offset no longer matches.
// Per (topic, partition), in offset order:
//   link(first event) = SHA-256(32 zero bytes || canonical bytes)
//   link(next event)  = SHA-256(link(previous event) || canonical bytes)
// Each event's link is the first 32 bytes of its own value (the previous
// offset is not hashed: rewriting it to hide a deletion still breaks the
// chain at the next event); the head holds the link and offset of the partition's last
// event. Layout 2 kept the links under the events key in the chain family.
// Quarantined messages are not chained.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/status.h"
#include "events/quarantine.h"
#include "events/store/event_store.h"
#include "events/store/stored_format.h"

namespace slamon::events::detail {

inline void PutBe16(uint16_t v, char* p) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void PutBe32(uint32_t v, char* p) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v);
}
inline void PutBe64(uint64_t v, char* p) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v);
}
inline uint16_t GetBe16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}
inline uint32_t GetBe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
inline uint64_t GetBe64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

inline constexpr size_t kEventKeySize = 14;
inline constexpr size_t kLinkSize = 32;
/// Link and previous offset, before the stored event bytes.
inline constexpr size_t kEnvelopeSize = kLinkSize + 8;
/// The layout of the column families above; stores without the record are layout 2.
inline constexpr uint32_t kStoreLayoutVersion = 3;
inline constexpr uint32_t kStoreLayoutV2 = 2;
inline constexpr std::string_view kMetaStoreLayout = "store_layout";

/// An events value split into its parts.
struct EventValue {
  std::string_view link;         ///< kLinkSize bytes
  int64_t previous_offset = -1;  ///< of the partition's previous stored event, -1 for the first
  std::string_view stored;       ///< stored_format.h
};

inline Status SplitEventValue(std::string_view value, EventValue* out) {
  if (value.size() < kEnvelopeSize) return Status::Corruption("stored event value is shorter than its envelope");
  out->link = value.substr(0, kLinkSize);
  out->previous_offset = static_cast<int64_t>(GetBe64(value.data() + kLinkSize));
  out->stored = value.substr(kEnvelopeSize);
  return Status::OK();
}

/// The event id in an events value (a view into it).
inline Status IdOfEventValue(std::string_view value, std::string_view* id) {
  EventValue parts;
  SLAMON_RETURN_IF_ERROR(SplitEventValue(value, &parts));
  std::string_view account;
  return PeekStoredIds(parts.stored, id, &account);
}

/// Starts an events value: a zero link (filled in once computed) and the previous offset.
inline void StartEventValue(int64_t previous_offset, std::string* out) {
  out->assign(kLinkSize + 8, '\0');
  PutBe64(static_cast<uint64_t>(previous_offset), out->data() + kLinkSize);
}

inline std::string EventKey(uint16_t topic, int32_t partition, int64_t offset) {
  std::string k(kEventKeySize, '\0');
  PutBe16(topic, k.data());
  PutBe32(static_cast<uint32_t>(partition), k.data() + 2);
  PutBe64(static_cast<uint64_t>(offset), k.data() + 6);
  return k;
}

inline std::string OffsetKey(uint16_t topic, int32_t partition) {
  std::string k(6, '\0');
  PutBe16(topic, k.data());
  PutBe32(static_cast<uint32_t>(partition), k.data() + 2);
  return k;
}

inline constexpr std::string_view kChainHeadPrefix{"\xff\xffhead", 6};
inline constexpr size_t kChainHeadKeySize = 12;
inline constexpr size_t kChainHeadValueSize = 40;

inline std::string ChainHeadKey(uint16_t topic, int32_t partition) {
  std::string k(kChainHeadPrefix);
  k.resize(kChainHeadKeySize);
  PutBe16(topic, k.data() + 6);
  PutBe32(static_cast<uint32_t>(partition), k.data() + 8);
  return k;
}

inline Status DecodeEventKey(std::string_view key, const std::vector<std::string>& topic_names, SourcePos* pos) {
  if (key.size() != kEventKeySize) return Status::Corruption("event key has the wrong size");
  uint16_t topic = GetBe16(key.data());
  if (topic >= topic_names.size()) return Status::Corruption("event key names an unknown topic id");
  pos->topic = topic_names[topic];
  pos->partition = static_cast<int32_t>(GetBe32(key.data() + 2));
  pos->offset = static_cast<int64_t>(GetBe64(key.data() + 6));
  return Status::OK();
}

inline void EncodeQuarantine(const Rejection& r, int64_t at, std::string* out) {
  char buf[8];
  PutBe64(static_cast<uint64_t>(at), buf);
  out->append(buf, 8);
  out->push_back(static_cast<char>(r.reason));
  PutBe32(static_cast<uint32_t>(r.detail.size()), buf);
  out->append(buf, 4);
  out->append(r.detail);
  out->append(r.raw);
}

inline Status DecodeQuarantine(std::string_view v, Rejection* r, int64_t* at) {
  if (v.size() < 13) return Status::Corruption("quarantine record is truncated");
  *at = static_cast<int64_t>(GetBe64(v.data()));
  auto reason = static_cast<uint8_t>(v[8]);
  if (reason >= kRejectReasonCount) return Status::Corruption("quarantine record has an unknown reason");
  r->reason = static_cast<RejectReason>(reason);
  uint32_t len = GetBe32(v.data() + 9);
  if (v.size() < 13 + static_cast<size_t>(len)) return Status::Corruption("quarantine record is truncated");
  r->detail.assign(v.data() + 13, len);
  r->raw.assign(v.data() + 13 + len, v.size() - 13 - len);
  return Status::OK();
}

}  // namespace slamon::events::detail
