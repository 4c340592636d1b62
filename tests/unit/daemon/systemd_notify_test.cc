// The systemd notification protocol against a fake $NOTIFY_SOCKET: a unix
// datagram socket in a temporary directory (and one in the abstract
// namespace) that the test reads the way systemd would.
#include "daemon/host/systemd_notify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/notify_socket.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

using std::chrono::milliseconds;
using testing::FakeNotifySocket;

TEST(SdNotifyTest, SendsTheStateToAPathSocket) {
  testing::TempDir dir;
  FakeNotifySocket sock(dir.Sub("notify"));
  ASSERT_TRUE(sock.bound());
  ASSERT_TRUE(SdNotify("STATUS=hello\nREADY=1"));
  EXPECT_EQ(sock.Receive().value_or("<nothing>"), "STATUS=hello\nREADY=1");
}

TEST(SdNotifyTest, SendsToAnAbstractSocket) {
  const std::string name = "@slamon-notify-test-" + std::to_string(getpid());
  FakeNotifySocket sock(name);
  ASSERT_TRUE(sock.bound());
  ASSERT_TRUE(SdNotify("READY=1"));
  EXPECT_EQ(sock.Receive().value_or("<nothing>"), "READY=1");
}

TEST(SdNotifyTest, NothingWithoutNotifySocket) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(SdNotify("READY=1"));
  setenv("NOTIFY_SOCKET", "relative/path", 1);  // neither a path nor @abstract
  EXPECT_FALSE(SdNotify("READY=1"));
  unsetenv("NOTIFY_SOCKET");
  SystemdNotifier notifier([] { return std::string(); });
  EXPECT_FALSE(notifier.active());
}

TEST(SdNotifyTest, WatchdogIntervalIsForThisProcessOnly) {
  unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(SdWatchdogInterval().count(), 0);
  setenv("WATCHDOG_USEC", "3000000", 1);
  EXPECT_EQ(SdWatchdogInterval().count(), 3000000);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(SdWatchdogInterval().count(), 3000000);
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_EQ(SdWatchdogInterval().count(), 0);
  unsetenv("WATCHDOG_PID");
  unsetenv("WATCHDOG_USEC");
}

TEST(SystemdNotifierTest, ReadyOnlyOnceTheProbeSaysReadyThenStopping) {
  testing::TempDir dir;
  FakeNotifySocket sock(dir.Sub("notify"));
  ASSERT_TRUE(sock.bound());
  std::atomic<bool> ready{false};
  SystemdNotifier notifier([&ready] { return ready ? std::string() : std::string("replaying the event store"); },
                           milliseconds(20));
  ASSERT_TRUE(notifier.active());
  // While not ready: the reason as STATUS=, never READY=1.
  EXPECT_EQ(sock.Receive().value_or("<nothing>"), "STATUS=replaying the event store");
  EXPECT_FALSE(sock.Receive(milliseconds(200)).has_value()) << "an unchanged reason is sent once";
  ready = true;
  EXPECT_EQ(sock.Receive().value_or("<nothing>"), "READY=1\nSTATUS=ready");
  // Not ready again (e.g. lagging): reported as status; READY=1 is not repeated.
  ready = false;
  EXPECT_EQ(sock.Receive().value_or("<nothing>"), "STATUS=replaying the event store");
  notifier.Stopping();
  EXPECT_EQ(sock.Receive().value_or("<nothing>"), "STOPPING=1\nSTATUS=stopping");
  notifier.Stopping();  // once only
  EXPECT_FALSE(sock.Receive(milliseconds(200)).has_value());
}

TEST(SystemdNotifierTest, PingsTheWatchdogAtHalfItsInterval) {
  testing::TempDir dir;
  FakeNotifySocket sock(dir.Sub("notify"));
  ASSERT_TRUE(sock.bound());
  setenv("WATCHDOG_USEC", "200000", 1);  // 200 ms: a ping every 100 ms
  SystemdNotifier notifier([] { return std::string(); }, milliseconds(1000));
  std::vector<std::string> seen;
  const auto t0 = std::chrono::steady_clock::now();
  int pings = 0;
  while (pings < 5) {
    auto d = sock.ReceiveContaining("WATCHDOG=1", &seen, milliseconds(2000));
    ASSERT_TRUE(d.has_value()) << pings << " pings";
    ++pings;
  }
  // Five pings take ~0.4 s at the watchdog pace, 4 s at the 1 s probe poll.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(2500));
  EXPECT_NE(seen.front().find("READY=1"), std::string::npos) << seen.front();
}

TEST(SystemdNotifierTest, NoWatchdogPingsWithoutWatchdogSec) {
  testing::TempDir dir;
  FakeNotifySocket sock(dir.Sub("notify"));
  ASSERT_TRUE(sock.bound());
  SystemdNotifier notifier([] { return std::string(); }, milliseconds(10));
  EXPECT_EQ(sock.Receive().value_or("<nothing>"), "READY=1\nSTATUS=ready");
  EXPECT_FALSE(sock.Receive(milliseconds(300)).has_value());
}

}  // namespace
}  // namespace slamon::daemon
