#include "events/store/stored_format.h"

#include <cstring>

namespace slamon::events {
namespace {

constexpr uint8_t kFlagPublic = 1;

bool KnownVersion(uint8_t v) {
  return v == kStoredFormatVersion || v == kStoredFormatVersionV2 || v == kStoredFormatVersionV1;
}
constexpr uint8_t kFlagContractValue = 2;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

template <typename T>
void PutFixed(T v, std::string* out) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Ok() const { return ok_; }

  uint8_t Byte() {
    if (in_.empty()) return Fail<uint8_t>();
    auto b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  template <typename T>
  T Fixed() {
    if (in_.size() < sizeof(T)) return Fail<T>();
    T v;
    std::memcpy(&v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return v;
  }
  void String(std::string* s) {
    uint64_t len = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = Byte();
      if (!ok_) return;
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    if (len > in_.size()) {
      ok_ = false;
      return;
    }
    s->assign(in_.data(), len);
    in_.remove_prefix(len);
  }

 private:
  template <typename T>
  T Fail() {
    ok_ = false;
    return T{};
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

void EncodeStoredEvent(const Event& e, std::string* out) {
  out->reserve(out->size() + 64 + e.json.size());
  out->push_back(static_cast<char>(kStoredFormatVersion));
  out->push_back(static_cast<char>(e.type));
  PutFixed<int64_t>(e.occurred_at, out);
  uint8_t flags = (e.is_public ? kFlagPublic : 0) | (e.contract_value ? kFlagContractValue : 0);
  out->push_back(static_cast<char>(flags));
  out->push_back(static_cast<char>(e.priority));
  out->push_back(static_cast<char>(e.status));
  out->push_back(static_cast<char>(e.author));
  out->push_back(static_cast<char>(e.kind));
  out->push_back(static_cast<char>(e.direction));
  out->push_back(static_cast<char>(e.score));
  if (e.contract_value) PutFixed<double>(*e.contract_value, out);
  for (const std::string* s : {&e.id, &e.account_id, &e.ticket_id, &e.channel, &e.name, &e.tier, &e.owner,
                               &e.owner_email, &e.team, &e.calendar, &e.renewal_date, &e.reason, &e.comment}) {
    PutString(*s, out);
  }
  // Version 2 fields, then the JSON text last (as in version 1).
  out->push_back(static_cast<char>(e.survey_kind));
  PutFixed<double>(e.amount, out);
  for (const std::string* s : {&e.category, &e.group, &e.assignee, &e.order_id, &e.currency}) PutString(*s, out);
  // Version 3: the field set of an account.updated (0 for every other type).
  out->push_back(static_cast<char>(e.type == EventType::kAccountUpdated ? e.fields : 0));
  PutString(e.json, out);
}

Status DecodeStoredEvent(std::string_view value, Event* e) {
  Reader r(value);
  uint8_t version = r.Byte();
  if (r.Ok() && !KnownVersion(version)) {
    return Status::Corruption("stored event has unknown format version " + std::to_string(version));
  }
  uint8_t type = r.Byte();
  e->occurred_at = r.Fixed<int64_t>();
  uint8_t flags = r.Byte();
  uint8_t priority = r.Byte(), status = r.Byte(), author = r.Byte(), kind = r.Byte(), direction = r.Byte();
  e->score = r.Byte();
  e->contract_value.reset();
  if (flags & kFlagContractValue) e->contract_value = r.Fixed<double>();
  for (std::string* s : {&e->id, &e->account_id, &e->ticket_id, &e->channel, &e->name, &e->tier, &e->owner,
                         &e->owner_email, &e->team, &e->calendar, &e->renewal_date, &e->reason, &e->comment}) {
    r.String(s);
  }
  uint8_t survey_kind = 0;
  e->amount = 0;
  if (version >= kStoredFormatVersionV2) {
    survey_kind = r.Byte();
    e->amount = r.Fixed<double>();
    for (std::string* s : {&e->category, &e->group, &e->assignee, &e->order_id, &e->currency}) r.String(s);
  } else {
    for (std::string* s : {&e->category, &e->group, &e->assignee, &e->order_id, &e->currency}) s->clear();
  }
  e->fields = version >= kStoredFormatVersion ? r.Byte() : 0;
  r.String(&e->json);
  // An account.updated always carries a field, and only it carries a field set.
  const bool update = type == static_cast<uint8_t>(EventType::kAccountUpdated);
  if (!r.Ok() || type >= kEventTypeCount || survey_kind > 1 || priority >= kPriorityCount || status > 4 || author > 1 ||
      kind > 3 || direction > 1 || update != (e->fields != 0)) {
    return Status::Corruption("stored event value is truncated or has out-of-range fields");
  }
  e->type = static_cast<EventType>(type);
  e->is_public = (flags & kFlagPublic) != 0;
  e->priority = static_cast<Priority>(priority);
  e->status = static_cast<TicketStatus>(status);
  e->author = static_cast<Author>(author);
  e->kind = static_cast<InteractionKind>(kind);
  e->direction = static_cast<Direction>(direction);
  e->survey_kind = static_cast<SurveyKind>(survey_kind);
  return Status::OK();
}

Status PeekStoredIds(std::string_view value, std::string_view* id, std::string_view* account_id) {
  // version, type, occurred_at, flags, priority, status, author, kind, direction, score.
  constexpr size_t kFixedHeader = 1 + 1 + 8 + 1 + 5 + 1;
  if (value.size() < kFixedHeader) return Status::Corruption("stored event value is truncated");
  const auto version = static_cast<uint8_t>(value[0]);
  if (!KnownVersion(version)) {
    return Status::Corruption("stored event has unknown format version " + std::to_string(version));
  }
  size_t pos = kFixedHeader;
  if ((static_cast<uint8_t>(value[10]) & kFlagContractValue) != 0) pos += sizeof(double);
  for (std::string_view* out : {id, account_id}) {
    uint64_t len = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= value.size() || shift >= 64) return Status::Corruption("stored event value is truncated");
      const auto b = static_cast<uint8_t>(value[pos++]);
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    if (len > value.size() - pos) return Status::Corruption("stored event value is truncated");
    *out = value.substr(pos, len);
    pos += len;
  }
  return Status::OK();
}

}  // namespace slamon::events
