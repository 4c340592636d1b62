// Basic authentication against bcrypt-hashed passwords (the web config's
// basic_auth_users), verified with libcrypt.
//
// bcrypt is slow on purpose (about 70 ms at cost 10): checking it on every
// scrape of /metrics every few seconds would keep a core busy, so a verdict
// is remembered, keyed by SHA-256 of "user:password" (never the password
// itself), in a bounded cache; exporter-toolkit does the same.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace slamon::daemon {

/// True when `password` hashes to `hash` (a crypt(3) setting string such as a
/// bcrypt "$2y$10$..."); the crypt output is compared in constant time.
/// False for a password holding a NUL byte (crypt would stop reading there).
bool CryptMatches(std::string_view password, const std::string& hash);

class BasicAuthUsers {
 public:
  /// Verdicts remembered at most; when full, the cache starts over.
  static constexpr size_t kMaxCached = 1024;

  /// `users`: user name -> bcrypt hash.
  explicit BasicAuthUsers(std::map<std::string, std::string> users);

  /// True when the Authorization header value carries a configured user and
  /// its password. Thread-safe. May take a bcrypt computation: call it off
  /// the server's event loop.
  bool Allows(std::string_view authorization) { return Authenticate(authorization).has_value(); }
  /// The user name when the Authorization header value carries a configured
  /// user and its password, nullopt otherwise. Same cost and thread-safety as Allows.
  std::optional<std::string> Authenticate(std::string_view authorization);

  /// bcrypt computations done so far (the cache's misses).
  size_t verifications() const;

 private:
  using Key = std::array<unsigned char, 32>;
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };

  std::map<std::string, std::string> users_;
  mutable std::mutex mu_;
  std::unordered_map<Key, bool, KeyHash> cache_;
  size_t verifications_ = 0;
};

}  // namespace slamon::daemon
