// Failed basic-auth logins, rate-limited per (client address, user name):
// a password cannot be guessed at the speed of the network, and a user who
// mistyped is refused for a while only from that address, while every other
// user behind the same address (an office NAT, a reverse proxy) logs in as
// usual.
//
// The first kFreeFailures consecutive failures cost nothing; each one after
// that locks the pair for twice as long as the previous lock, from
// kFirstLock up to kMaxLock. While locked, the pair's requests are refused
// (429) before any password is checked, even a right one. A successful login
// forgets the pair; a pair is forgotten kMaxLock after its last failure and
// lock.
// Thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace slamon::daemon {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFreeFailures = 5;
  static constexpr std::chrono::seconds kFirstLock{30};
  static constexpr std::chrono::seconds kMaxLock{900};
  /// Pairs remembered at most; when full, expired pairs go first, then the
  /// one whose lock ends soonest.
  static constexpr size_t kMaxEntries = 10000;

  /// Seconds until `address` may try `user` again (at least 1), or 0 when it may now.
  int RetryAfter(std::string_view address, std::string_view user, Clock::time_point now);
  /// Counts a wrong password (or an unknown user name) for the pair; the
  /// seconds it is now locked for (0: not locked).
  int Failed(std::string_view address, std::string_view user, Clock::time_point now);
  /// A right password: the pair starts over.
  void Succeeded(std::string_view address, std::string_view user);
  /// Pairs remembered now.
  size_t size() const;

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point last_failure{};
    Clock::time_point locked_until{};
    /// Forgotten from then on: no failure and no lock for kMaxLock.
    Clock::time_point ForgottenAt() const { return std::max(last_failure, locked_until) + kMaxLock; }
  };
  using Key = std::pair<std::string, std::string>;

  void MakeRoom(Clock::time_point now);

  mutable std::mutex mu_;
  std::map<Key, Entry, std::less<>> entries_;
};

}  // namespace slamon::daemon
