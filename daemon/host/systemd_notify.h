// Tells systemd how the daemon is doing (units with Type=notify): READY=1
// once the daemon would answer /readyz with 200, STATUS= with the reason while
// it would not, WATCHDOG=1 pings when the unit sets WatchdogSec=, and
// STOPPING=1 when shutdown begins.
//
// The notification protocol is a datagram of "KEY=VALUE" lines sent to the
// unix socket named by $NOTIFY_SOCKET (sd_notify(3) documents it as a stable
// interface). It is implemented here in a few lines rather than linking
// libsystemd: the daemon needs nothing else from that library, and without
// the dependency the same binary builds and runs where systemd is absent.
// Outside systemd ($NOTIFY_SOCKET unset) everything here does nothing and no
// thread is started.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace slamon::daemon {

/// Sends `state` ("READY=1", "STATUS=...\nWATCHDOG=1") to $NOTIFY_SOCKET.
/// Returns false when the variable is unset or the datagram could not be sent.
bool SdNotify(std::string_view state);

/// The watchdog interval systemd expects pings within ($WATCHDOG_USEC, for
/// this process per $WATCHDOG_PID), or zero when there is no watchdog.
std::chrono::microseconds SdWatchdogInterval();

/// Polls a readiness probe on its own thread and reports to systemd. The
/// probe returns "" when ready, else the reason (the /readyz answer).
class SystemdNotifier {
 public:
  using Probe = std::function<std::string()>;

  /// Starts the thread only when $NOTIFY_SOCKET is set. `poll` bounds how
  /// late READY=1 and STATUS= follow a change of the probe's answer.
  explicit SystemdNotifier(Probe ready, std::chrono::milliseconds poll = std::chrono::milliseconds(250));
  /// Sends STOPPING=1 (if not sent yet) and joins the thread.
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  /// Shutdown has begun: stops polling and sends STOPPING=1 (once).
  void Stopping();
  /// Whether a notify socket was found (the thread runs).
  bool active() const { return thread_.joinable(); }

 private:
  void Loop();

  Probe ready_;
  std::chrono::milliseconds poll_;
  std::chrono::microseconds watchdog_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool stopping_sent_ = false;
  std::thread thread_;
};

}  // namespace slamon::daemon
