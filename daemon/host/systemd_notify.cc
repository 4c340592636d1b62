#include "daemon/host/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace slamon::daemon {

bool SdNotify(std::string_view state) {
  const char* env = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe): read-only use
  if (env == nullptr) return false;
  const std::string_view path(env);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // A path, or "@name" for a socket in the abstract namespace (leading NUL).
  if (path.empty() || (path[0] != '/' && path[0] != '@') || path.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const ssize_t sent =
      sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::chrono::microseconds SdWatchdogInterval() {
  const char* usec = std::getenv("WATCHDOG_USEC");  // NOLINT(concurrency-mt-unsafe): read-only use
  if (usec == nullptr) return std::chrono::microseconds(0);
  // WATCHDOG_PID names the process the watchdog is meant for; a child that
  // inherited the environment must not ping on the daemon's behalf.
  if (const char* pid = std::getenv("WATCHDOG_PID")) {  // NOLINT(concurrency-mt-unsafe)
    if (std::strtoll(pid, nullptr, 10) != static_cast<long long>(getpid())) return std::chrono::microseconds(0);
  }
  const long long v = std::strtoll(usec, nullptr, 10);
  return std::chrono::microseconds(v > 0 ? v : 0);
}

SystemdNotifier::SystemdNotifier(Probe ready, std::chrono::milliseconds poll)
    : ready_(std::move(ready)), poll_(poll), watchdog_(SdWatchdogInterval()) {
  const char* socket = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe): read-only use
  if (socket != nullptr && *socket != '\0') thread_ = std::thread([this] { Loop(); });
}

SystemdNotifier::~SystemdNotifier() { Stopping(); }

void SystemdNotifier::Stopping() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_sent_) return;
    stopping_sent_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;
  // Joined first, so that no READY=1 or STATUS= can follow STOPPING=1.
  thread_.join();
  SdNotify("STOPPING=1\nSTATUS=stopping");
}

void SystemdNotifier::Loop() {
  using Clock = std::chrono::steady_clock;
  // Pinging at half the interval leaves room for one late poll.
  const auto ping_every = std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_ / 2);
  const auto wait = ping_every.count() > 0 ? std::min(poll_, ping_every) : poll_;
  bool ready_sent = false;
  std::string last_status = "\n";  // never a reason: the first answer is always reported
  auto next_ping = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    // The probe reads the ingest loop's and the projections' state under
    // their locks; a daemon stuck there stops pinging and the watchdog fires.
    std::string why = ready_();
    std::replace(why.begin(), why.end(), '\n', ' ');  // one datagram line per field
    std::string message;
    if (why.empty() && !ready_sent) {
      ready_sent = true;
      message = "READY=1\n";
    }
    if (why != last_status) {
      last_status = why;
      message += "STATUS=" + (why.empty() ? std::string("ready") : why) + "\n";
    }
    if (ping_every.count() > 0 && Clock::now() >= next_ping) {
      next_ping = Clock::now() + ping_every;
      message += "WATCHDOG=1\n";
    }
    if (!message.empty()) {
      message.pop_back();
      SdNotify(message);
    }
    lock.lock();
    cv_.wait_for(lock, wait, [this] { return stop_; });
  }
}

}  // namespace slamon::daemon
