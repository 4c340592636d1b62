#include "daemon/http/login_throttle.h"

#include <algorithm>

namespace slamon::daemon {

int LoginThrottle::RetryAfter(std::string_view address, std::string_view user, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(Key(address, user));
  if (it == entries_.end() || it->second.locked_until <= now) return 0;
  const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now).count();
  return static_cast<int>(std::max<int64_t>(1, left));
}

int LoginThrottle::Failed(std::string_view address, std::string_view user, Clock::time_point now) {
  std::lock_guard lock(mu_);
  Key key(address, user);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxEntries) MakeRoom(now);
    it = entries_.emplace(std::move(key), Entry{}).first;
  } else if (it->second.ForgottenAt() <= now) {
    it->second = Entry{};  // quiet long enough: a fresh start
  }
  Entry& e = it->second;
  ++e.failures;
  e.last_failure = now;
  if (e.failures <= kFreeFailures) return 0;
  // 30 s, 60 s, 120 s, ... up to 15 min: doublings capped before they overflow.
  const int doublings = std::min(e.failures - kFreeFailures - 1, 10);
  const auto lock_for = std::min<std::chrono::seconds>(kFirstLock * (int64_t{1} << doublings), kMaxLock);
  e.locked_until = now + lock_for;
  return static_cast<int>(lock_for.count());
}

void LoginThrottle::Succeeded(std::string_view address, std::string_view user) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(Key(address, user)); it != entries_.end()) entries_.erase(it);
}

size_t LoginThrottle::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void LoginThrottle::MakeRoom(Clock::time_point now) {
  // Forgotten pairs first.
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.ForgottenAt() <= now; });
  if (entries_.size() < kMaxEntries) return;
  auto soonest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
    return a.second.locked_until < b.second.locked_until;
  });
  entries_.erase(soonest);
}

}  // namespace slamon::daemon
