// `slamon run` under a fake systemd notify socket, against the real broker:
// READY=1 comes once /readyz answers 200 (not before the store is replayed
// and the partitions are assigned), watchdog pings follow WATCHDOG_USEC, and
// SIGTERM brings STOPPING=1 and a clean exit. With log.format: json every log
// line on stderr is a JSON object, the quarantine and assignment lines carry
// topic/partition/offset/reason as members.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/notify_socket.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

size_t Count(const std::vector<std::string>& seen, const std::string& needle) {
  size_t n = 0;
  for (const auto& d : seen) n += d.find(needle) != std::string::npos ? 1 : 0;
  return n;
}

class SystemdNotifyDaemonTest : public BrokerTest {};

TEST_F(SystemdNotifyDaemonTest, ReadyWithReadyzWatchdogAndStopping) {
  const std::string topic = NewTopic("notify", 2);
  ASSERT_EQ(RunCapture(ProduceCommand(brokers_, topic, 200,
                                      "--accounts 10 --seed 3 --malformed-fraction 0 --duplicate-fraction 0"),
                       dir_.path(), seconds(60))
                .code,
            0);
  ProduceRaw(brokers_, topic, {{"k", "{not json"}});  // one quarantined message
  const std::string config = WriteConfig(dir_.path(), brokers_, topic, UniqueName("g"));
  const std::string log = dir_.Sub("daemon.log");

  FakeNotifySocket notify(dir_.Sub("notify"));
  ASSERT_TRUE(notify.bound());
  setenv("WATCHDOG_USEC", "1000000", 1);  // a ping every 0.5 s
  DaemonProcess daemon(config, log);
  daemon.Start({"--set", "log.format=json"});
  unsetenv("WATCHDOG_USEC");  // the child has its copy; nothing else here should see it

  std::vector<std::string> seen;
  // The first report comes before the replay is done: a reason, not READY=1.
  auto first = notify.Receive(seconds(30));
  ASSERT_TRUE(first.has_value()) << Tail(log);
  seen.push_back(*first);
  EXPECT_EQ(first->find("READY=1"), std::string::npos) << *first;
  EXPECT_NE(first->find("STATUS="), std::string::npos) << *first;

  ASSERT_TRUE(notify.ReceiveContaining("READY=1", &seen, seconds(60)).has_value()) << Tail(log);
  const int port = daemon.port();
  ASSERT_NE(port, 0) << Tail(log);
  const HttpResult ready = HttpGetFull(port, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(Count(seen, "READY=1"), 1u);

  // Watchdog pings keep coming after READY=1.
  const size_t before = Count(seen, "WATCHDOG=1");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(notify.ReceiveContaining("WATCHDOG=1", &seen, seconds(5)).has_value());
  EXPECT_GE(Count(seen, "WATCHDOG=1"), before + 3);

  daemon.Signal(SIGTERM);
  ASSERT_TRUE(notify.ReceiveContaining("STOPPING=1", &seen, seconds(30)).has_value()) << Tail(log);
  EXPECT_EQ(daemon.Wait(seconds(60)), 0) << Tail(log);
  EXPECT_EQ(Count(seen, "READY=1"), 1u);

  // log.format: json — every line but the plain "metrics at" and "console at" notices on stdout.
  std::ifstream in(log);
  std::string line;
  bool assigned = false, quarantined = false;
  int json_lines = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("slamon: metrics at ") || line.starts_with("slamon: console at ")) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not a JSON line: " << line;
    ++json_lines;
    const std::string msg = j.value("msg", "");
    if (msg.starts_with("assigned ")) {
      assigned = true;
      EXPECT_EQ(j.value("topic", ""), topic) << line;
      EXPECT_TRUE(j.contains("partition") && j["partition"].is_number_integer()) << line;
    }
    if (msg.starts_with("quarantined ")) {
      quarantined = true;
      EXPECT_EQ(j.value("level", ""), "warn") << line;
      EXPECT_EQ(j.value("topic", ""), topic) << line;
      EXPECT_TRUE(j["partition"].is_number_integer()) << line;
      EXPECT_TRUE(j["offset"].is_number_integer()) << line;
      EXPECT_FALSE(j.value("reason", "").empty()) << line;
    }
  }
  EXPECT_GT(json_lines, 3);
  EXPECT_TRUE(assigned) << Tail(log);
  EXPECT_TRUE(quarantined) << Tail(log);
}

}  // namespace
}  // namespace slamon::testing
