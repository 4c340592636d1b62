#include "tests/support/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace slamon::testing {

FakeNotifySocket::FakeNotifySocket(const std::string& name) {
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (name.empty() || name.size() >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (name[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  setenv("NOTIFY_SOCKET", name.c_str(), 1);
}

FakeNotifySocket::~FakeNotifySocket() {
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  if (fd_ >= 0) close(fd_);
}

std::optional<std::string> FakeNotifySocket::Receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
  char buf[4096];
  const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<std::string> FakeNotifySocket::ReceiveContaining(const std::string& needle,
                                                               std::vector<std::string>* seen,
                                                               std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto d = Receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!d) return std::nullopt;
    seen->push_back(*d);
    if (d->find(needle) != std::string::npos) return d;
  }
  return std::nullopt;
}

}  // namespace slamon::testing
