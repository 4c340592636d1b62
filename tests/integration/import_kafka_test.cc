// `slamon import --to-kafka` (real broker): a backfilled history reaches the
// live daemon. The file is produced to a fresh topic (invalid lines reported
// with their line number, exit 3), a re-run resumes and produces nothing, and
// `slamon run` on that topic then serves the history: /metrics counts every
// imported event and the API lists the imported at-risk accounts.
#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "events/codec.h"
#include "tests/support/daemon_process.h"
#include "tests/support/event_json.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kAccounts = 3;

// Event lines of accounts at risk (see AtRiskHistory); *events: how many.
std::vector<std::string> HistoryLines(int64_t now, int* events) {
  std::vector<std::string> out;
  for (const auto& [key, value] : AtRiskHistory({"imp", "imported-", "Imported ", "backfill.owner", kAccounts}, now)) {
    out.push_back(value);
  }
  *events = static_cast<int>(out.size());
  return out;
}

class ImportKafka : public BrokerTest {};

TEST_F(ImportKafka, BackfilledHistoryReachesTheLiveDaemon) {
  const std::string topic = NewTopic("import-kafka", 4);
  const std::string config = WriteConfig(dir_.path(), brokers_, topic, UniqueName("g"));
  std::ofstream(config, std::ios::app) << SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");

  int events = 0;
  std::vector<std::string> lines = HistoryLines(static_cast<int64_t>(std::time(nullptr)), &events);
  lines.insert(lines.begin() + 4, "this is not json");  // line 5
  lines.insert(lines.begin() + 9, lines[2]);            // a duplicate: produced, dropped by the daemon
  lines.insert(lines.begin() + 12, "");                 // blank
  lines.emplace_back(R"({"id":"x","type":"ticket.exploded","occurred_at":"2026-01-01T00:00:00Z","account_id":"a"})");
  const std::string file = dir_.Sub("history.jsonl");
  {
    std::ofstream out(file, std::ios::binary);
    for (const auto& l : lines) out << l << "\n";
  }

  RunResult r = RunCapture({SLAMON_BINARY, "import", "--to-kafka", "--config", config, "--file", file, "--batch", "7"},
                           dir_.path());
  ASSERT_EQ(r.code, 3) << r.out << r.err;  // done, but two lines were left out
  EXPECT_NE(r.err.find(file + ":5: malformed_json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file + ":" + std::to_string(lines.size()) + ": unknown_type"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("produced     " + std::to_string(events + 1) + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("invalid      2 "), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(file + ".slamon-import"));
  int64_t in_topic = 0;
  for (const auto& [p, end] : EndOffsets(brokers_, topic, 4)) in_topic += end;
  EXPECT_EQ(in_topic, events + 1);
  // The account key routes an account to one partition.
  std::map<std::string, std::set<int32_t>> partitions_of;
  for (const auto& m : ReadTopic(brokers_, topic, 4)) partitions_of[m.key].insert(m.partition);
  EXPECT_EQ(partitions_of.size(), static_cast<size_t>(kAccounts));
  for (const auto& [key, parts] : partitions_of) EXPECT_EQ(parts.size(), 1u) << key;

  // The same file again: resumed, nothing produced.
  r = RunCapture({SLAMON_BINARY, "import", "--to-kafka", "--config", config, "--file", file}, dir_.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("produced     0\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(" + std::to_string(lines.size()) + " already imported"), std::string::npos) << r.out;
  in_topic = 0;
  for (const auto& [p, end] : EndOffsets(brokers_, topic, 4)) in_topic += end;
  EXPECT_EQ(in_topic, events + 1);

  DaemonProcess daemon(config, dir_.Sub("run.log"));
  daemon.Start();
  double stored = 0;
  std::set<std::string> at_risk;
  const auto deadline = std::chrono::steady_clock::now() + seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(daemon.Running()) << daemon.Tail();
    if (const int port = daemon.port(); port != 0) {
      stored = SumMetric(HttpGet(port, "/metrics"), "slamon_store_events");
      const HttpResult api = HttpGetFull(port, "/api/v1/accounts/at-risk");
      if (api.status == 200) {
        at_risk.clear();
        for (const auto& a : nlohmann::json::parse(api.body)) at_risk.insert(a.at("account").get<std::string>());
      }
      if (stored == events && at_risk.size() == static_cast<size_t>(kAccounts)) break;
    }
    std::this_thread::sleep_for(milliseconds(500));
  }
  EXPECT_EQ(stored, events) << daemon.Tail();
  EXPECT_EQ(at_risk, (std::set<std::string>{"imported-0", "imported-1", "imported-2"})) << daemon.Tail();
  const std::string metrics = daemon.Metrics();
  EXPECT_EQ(SumMetric(metrics, "slamon_events_ingested_total"), events);
  EXPECT_EQ(SumMetric(metrics, "slamon_events_duplicate_total"), 1);
  EXPECT_EQ(SumMetric(metrics, "slamon_accounts"), kAccounts);
  EXPECT_EQ(daemon.Stop(seconds(60)), 0) << daemon.Tail();
}

}  // namespace
}  // namespace slamon::testing
