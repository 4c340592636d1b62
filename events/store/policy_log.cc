#include "events/store/policy_log.h"

#include <openssl/evp.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <memory>

#include "events/store/raw_access.h"
#include "events/store/rocks_status.h"
#include "events/store/store_keys.h"

namespace slamon::events {
namespace {

constexpr char kFormat = 1;
constexpr size_t kFingerprintSize = 64;
constexpr size_t kHeaderSize = 1 + 8 + kFingerprintSize;

std::string VersionKey(uint64_t version) {
  std::string key(8, '\0');
  detail::PutBe64(version, key.data());
  return key;
}

Status Decode(const rocksdb::Slice& key, const rocksdb::Slice& value, PolicyVersion* out) {
  if (key.size() != 8 || value.size() < kHeaderSize || value[0] != kFormat) {
    return Status::Corruption("bad policy record (key of " + std::to_string(key.size()) + " bytes, value of " +
                              std::to_string(value.size()) + " bytes)");
  }
  out->version = detail::GetBe64(key.data());
  out->effective_from = static_cast<int64_t>(detail::GetBe64(value.data() + 1));
  out->fingerprint.assign(value.data() + 9, kFingerprintSize);
  out->text.assign(value.data() + kHeaderSize, value.size() - kHeaderSize);
  return Status::OK();
}

}  // namespace

std::string PolicyFingerprint(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) != 1) return std::string();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

StatusOr<std::vector<PolicyVersion>> ReadPolicyLog(const EventStore& store) {
  std::vector<PolicyVersion> out;
  std::unique_ptr<rocksdb::Iterator> it(
      RawStoreAccess::Db(store)->NewIterator(rocksdb::ReadOptions(), RawStoreAccess::Family(store, Cf::kPolicy)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    PolicyVersion v;
    SLAMON_RETURN_IF_ERROR(Decode(it->key(), it->value(), &v));
    out.push_back(std::move(v));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the policy log");
  return out;
}

StatusOr<PolicyVersion> AppendPolicyVersion(EventStore* store, std::string text, int64_t effective_from) {
  PolicyVersion v;
  v.version = 1;
  v.effective_from = effective_from;
  std::unique_ptr<rocksdb::Iterator> it(
      RawStoreAccess::Db(*store)->NewIterator(rocksdb::ReadOptions(), RawStoreAccess::Family(*store, Cf::kPolicy)));
  it->SeekToLast();
  if (it->Valid()) {
    PolicyVersion last;
    SLAMON_RETURN_IF_ERROR(Decode(it->key(), it->value(), &last));
    v.version = last.version + 1;
    v.effective_from = std::max(effective_from, last.effective_from);
  } else if (!it->status().ok()) {
    return FromRocks(it->status(), "reading the policy log");
  }
  it.reset();
  v.fingerprint = PolicyFingerprint(text);
  v.text = std::move(text);
  if (v.fingerprint.size() != kFingerprintSize) return Status::IoError("SHA-256 of the policy text failed");

  std::string value;
  value.reserve(kHeaderSize + v.text.size());
  value.push_back(kFormat);
  value.resize(9);
  detail::PutBe64(static_cast<uint64_t>(v.effective_from), value.data() + 1);
  value += v.fingerprint;
  value += v.text;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const rocksdb::Status s =
      RawStoreAccess::Db(*store)->Put(wo, RawStoreAccess::Family(*store, Cf::kPolicy), VersionKey(v.version), value);
  if (!s.ok()) return FromRocks(s, "writing policy version " + std::to_string(v.version));
  return v;
}

StatusOr<PolicyVersion> RecordPolicyIfChanged(EventStore* store, std::string text, int64_t effective_from,
                                              bool* appended) {
  *appended = false;
  GET_OR_RET(std::vector<PolicyVersion> log, ReadPolicyLog(*store));
  if (!log.empty() && log.back().fingerprint == PolicyFingerprint(text)) return log.back();
  *appended = true;
  return AppendPolicyVersion(store, std::move(text), effective_from);
}

}  // namespace slamon::events
