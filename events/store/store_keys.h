// Key layouts of the event store's column families (internal to events/).
//
//   events      [topic u16][partition u32][offset u64]  -> stored event (stored_format.h)
//   quarantine  [topic u16][partition u32][offset u64]  -> [at i64][reason u8][detail][raw]
//   dedupe      event id                                -> events key
//   offsets     [topic u16][partition u32]              -> next offset u64
//   by_account  [len u16][account id][events key]       -> ""
//   by_ticket   [len u16][account id][len u16][ticket id][events key] -> ""
//   meta        "topic:<name>" -> topic id u16; "event_count" -> u64
//   chain       events key                              -> link (32-byte SHA-256)
//               [0xff 0xff]"head"[topic u16][partition u32] -> [head link 32][last offset u64]
//
// Integers are big-endian so that keys sort in store order.
//
// Hash chain (audit, events/store/hash_chain.h). The canonical bytes of a stored
// event are its 14-byte events key followed by its stored value bytes
// exactly as written to the events column family (stored_format.h), so a
// value moved to another offset no longer matches. Per (topic, partition),
// in offset order:
//   link(first event) = SHA-256(32 zero bytes || canonical bytes)
//   link(next event)  = SHA-256(link(previous event) || canonical bytes)
// Links are written in the same WriteBatch as their event; the head holds the
// link and offset of the partition's last event. Topic id 0xffff is never
// assigned, so head keys (12 bytes) sort after every link key (14 bytes).
// Quarantined messages are not chained.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/status.h"
#include "events/quarantine.h"
#include "events/store/event_store.h"

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

inline void AppendLengthPrefixed(std::string_view s, std::string* out) {
  char len[2];
  PutBe16(static_cast<uint16_t>(s.size()), len);
  out->append(len, 2);
  out->append(s);
}

inline std::string AccountIndexPrefix(std::string_view account_id) {
  std::string k;
  AppendLengthPrefixed(account_id, &k);
  return k;
}

inline std::string AccountIndexKey(std::string_view account_id, std::string_view event_key) {
  std::string k = AccountIndexPrefix(account_id);
  k.append(event_key);
  return k;
}

inline std::string TicketIndexPrefix(std::string_view account_id, std::string_view ticket_id) {
  std::string k;
  AppendLengthPrefixed(account_id, &k);
  AppendLengthPrefixed(ticket_id, &k);
  return k;
}

inline std::string TicketIndexKey(std::string_view account_id, std::string_view ticket_id, std::string_view event_key) {
  std::string k = TicketIndexPrefix(account_id, ticket_id);
  k.append(event_key);
  return k;
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
