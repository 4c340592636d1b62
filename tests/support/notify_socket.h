// A stand-in for systemd's notify socket: a bound unix datagram socket
// (a path, or "@name" in the abstract namespace) that tests read the way
// systemd would. Sets $NOTIFY_SOCKET to it; the destructor unsets it and the
// watchdog variables.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace slamon::testing {

class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(const std::string& name);
  ~FakeNotifySocket();
  FakeNotifySocket(const FakeNotifySocket&) = delete;
  FakeNotifySocket& operator=(const FakeNotifySocket&) = delete;

  bool bound() const { return bound_; }
  /// The next datagram, or nullopt after `timeout`.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  /// Datagrams (each appended to *seen) until one contains `needle`, which is
  /// returned; nullopt when none came within `timeout` in all.
  std::optional<std::string> ReceiveContaining(const std::string& needle, std::vector<std::string>* seen,
                                               std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

 private:
  int fd_ = -1;
  bool bound_ = false;
};

}  // namespace slamon::testing
