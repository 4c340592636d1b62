#include "daemon/http/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>

#include "daemon/http/http_util.h"

namespace slamon::daemon {

bool CryptMatches(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos) return false;
  std::string phrase(password);
  // crypt_data is large (tens of KiB) and must start zeroed; value-initialised on the heap.
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  const bool ok = out != nullptr && ConstantTimeEquals(out, hash);
  // Neither the password nor what crypt derived from it outlives the check.
  OPENSSL_cleanse(phrase.data(), phrase.size());
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

BasicAuthUsers::BasicAuthUsers(std::map<std::string, std::string> users) : users_(std::move(users)) {}

size_t BasicAuthUsers::KeyHash::operator()(const Key& k) const {
  size_t h = 0;
  std::memcpy(&h, k.data(), sizeof(h));  // already a uniform hash
  return h;
}

std::optional<std::string> BasicAuthUsers::Authenticate(std::string_view authorization) {
  if (users_.empty()) return std::nullopt;
  const auto credentials = BasicCredentials(authorization);
  if (!credentials) return std::nullopt;
  const size_t colon = credentials->find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string user = credentials->substr(0, colon);
  Key key{};
  SHA256(reinterpret_cast<const unsigned char*>(credentials->data()), credentials->size(), key.data());
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (!it->second) return std::nullopt;
      return user;
    }
  }
  const std::string_view password = std::string_view(*credentials).substr(colon + 1);
  bool ok = false;
  if (auto it = users_.find(user); it != users_.end()) {
    ok = CryptMatches(password, it->second);
  } else {
    // As much work as for a known user, so that the time to answer does not
    // tell which user names exist.
    (void)CryptMatches(password, users_.begin()->second);
  }
  std::lock_guard lock(mu_);
  ++verifications_;
  // Bounded: a stream of distinct wrong passwords only ever clears the
  // cache, which costs the next legitimate request one bcrypt computation.
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.emplace(key, ok);
  if (!ok) return std::nullopt;
  return user;
}

size_t BasicAuthUsers::verifications() const {
  std::lock_guard lock(mu_);
  return verifications_;
}

}  // namespace slamon::daemon
