// Config reload end to end, against a real broker: the running daemon's
// policy file is edited and reloaded with SIGHUP and with POST /-/reload.
// Each valid edit records a policy version effective at the reload instant
// and the live metrics switch to it; an invalid edit is refused with the old
// config kept and slamon_config_last_reload_successful at 0; afterwards
// `slamon replay` judges every ticket under the version in force when it opened.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "events/codec.h"
#include "tests/support/daemon_process.h"
#include "tests/support/event_json.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/json_lines.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// A: answer within 4 h. B: within 20 min. C: within 2 h, and a new listen
// address (restart-only). Broken: a duration that does not parse.
constexpr const char* kPolicyA = "policies:\n  - name: std\n    targets: {first_response: 4h}\n";
constexpr const char* kPolicyB = "policies:\n  - name: std\n    targets: {first_response: 20m}\n";
constexpr const char* kPolicyC = "policies:\n  - name: std\n    targets: {first_response: 2h}\n";
constexpr const char* kBroken = "policies:\n  - name: std\n    targets: {first_response: twenty minutes}\n";

class ReloadTest : public BrokerTest {
 protected:
  ReloadTest() : BrokerTest("reload", 1) {}
  void SetUp() override {
    BrokerTest::SetUp();
    if (IsSkipped()) return;
    base_ = ReadFile(WriteConfig(dir_.path(), brokers_, topic_, group_));
    config_ = dir_.Sub("slamon.yaml");
    log_ = dir_.Sub("run.log");
  }

  // Writes base + policy to a temporary file and renames it over the
  // config, as deploy tools do: the daemon never reads a half-written file.
  void Edit(const std::string& policy, const std::string& base = "") {
    const std::string tmp = config_ + ".tmp";
    std::ofstream(tmp) << (base.empty() ? base_ : base) << policy;
    std::filesystem::rename(tmp, config_);
  }
  // The line of `first_response` in a policy written by Edit().
  int TargetLine() const { return static_cast<int>(std::count(base_.begin(), base_.end(), '\n')) + 3; }

  static std::string Event(const std::string& id, const std::string& type, int64_t t, const std::string& extra) {
    return EventJson(id, type, t, "acme", extra);
  }
  void Ticket(const std::string& id, int64_t opened, int64_t replied) {
    ProduceRaw(
        brokers_, topic_,
        {{"acme", Event(id + "-o", "ticket.opened", opened, ",\"ticket_id\":\"" + id + "\",\"priority\":\"high\"")},
         {"acme", Event(id + "-r", "ticket.replied", replied, ",\"ticket_id\":\"" + id + "\",\"author\":\"agent\"")}});
  }

  std::string Metrics() { return daemon_->Metrics(); }
  // Polls `metric` until `want(value)` holds (at most 30 s); returns the last value.
  double WaitMetric(const std::string& metric, const std::function<bool(double)>& want) {
    return daemon_->WaitMetric(metric, want, 30s);
  }
  RawConnection::Response PostReload() {
    RawConnection c(port_);
    EXPECT_TRUE(c.Send("POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
    return c.Read(30s);
  }
  // "policy version N in effect from T" of the daemon's log, as Unix seconds (0 until it appears).
  int64_t LoggedVersionFrom(int version) {
    const std::regex re("reloaded .*: policy version " + std::to_string(version) + " in effect from (\\S+)");
    std::smatch m;
    const std::string text = Tail(log_, 1 << 20);
    int64_t t = 0;
    if (std::regex_search(text, m, re)) events::ParseRfc3339(m[1].str(), &t);
    return t;
  }
  // first_response records by ticket of `slamon replay` (policy at open).
  std::map<std::string, json> Replay(int64_t as_of) {
    const RunResult r = RunCapture({SLAMON_BINARY, "replay", "--store", dir_.Sub("store"), "--config", config_,
                                    "--as-of", events::FormatRfc3339(as_of)},
                                   dir_.path());
    EXPECT_EQ(r.code, 0) << r.err;
    return FirstResponsesByTicket(r.out);
  }
  static void SleepUntilAfter(int64_t t) {
    while (static_cast<int64_t>(std::time(nullptr)) <= t) std::this_thread::sleep_for(100ms);
  }

  std::string base_, config_, log_;
  std::optional<DaemonProcess> daemon_;
  int port_ = 0;
};

TEST_F(ReloadTest, SighupAndPostApplyNewPolicyVersionsAndRefuseAnInvalidFile) {
  const auto t0 = static_cast<int64_t>(std::time(nullptr));
  ProduceRaw(brokers_, topic_,
             {{"acme", Event("a-1", "account.upserted", t0 - 86400, R"(,"name":"Acme","tier":"A","owner":"ana")")}});
  // T-old: answered after 30 min, two hours ago. Met under A, late under B.
  Ticket("T-old", t0 - 7200, t0 - 7200 + 1800);
  Edit(kPolicyA);
  DaemonProcess& daemon = daemon_.emplace(config_, log_);
  daemon.Start();
  port_ = daemon.WaitPort(30s);
  ASSERT_NE(port_, 0);
  ASSERT_EQ(WaitMetric("slamon_store_events", [](double v) { return v >= 3; }), 3) << Tail(log_);
  ASSERT_EQ(WaitMetric("slamon_sla_completed_total", [](double v) { return v >= 1; }), 1) << Metrics();
  EXPECT_EQ(SumMetric(Metrics(), "slamon_sla_target_seconds"), 4 * 3600);
  EXPECT_EQ(SumMetric(Metrics(), "slamon_sla_breaches_total"), 0);
  EXPECT_EQ(SumMetric(Metrics(), "slamon_config_last_reload_successful"), 1);

  // 1. SIGHUP with B: version 2 from the reload instant; T-old is late under it.
  Edit(kPolicyB);
  const auto before_sighup = static_cast<int64_t>(std::time(nullptr));
  daemon.Signal(SIGHUP);
  int64_t v2_from = 0;
  for (int i = 0; i < 300 && v2_from == 0; ++i) {
    std::this_thread::sleep_for(100ms);
    v2_from = LoggedVersionFrom(2);
  }
  ASSERT_NE(v2_from, 0) << Tail(log_);
  EXPECT_GE(v2_from, before_sighup);
  EXPECT_LE(v2_from, static_cast<int64_t>(std::time(nullptr)));
  EXPECT_EQ(WaitMetric("slamon_sla_target_seconds", [](double v) { return v == 1200; }), 1200) << Metrics();
  EXPECT_EQ(WaitMetric("slamon_sla_breaches_total", [](double v) { return v == 1; }), 1) << Metrics();
  EXPECT_EQ(SumMetric(Metrics(), "slamon_config_last_reload_success_timestamp_seconds"), v2_from);
  EXPECT_TRUE(daemon.Running());

  // T-new opens after version 2 took effect: answered after 30 min, late under B.
  Ticket("T-new", v2_from + 1, v2_from + 1 + 1800);
  ASSERT_EQ(WaitMetric("slamon_store_events", [](double v) { return v >= 5; }), 5) << Tail(log_);

  // 2. An invalid edit through POST: refused, B stays, the gauge drops to 0.
  Edit(kBroken);
  const auto refused = PostReload();
  EXPECT_EQ(refused.status, 400) << refused.body;
  const json refused_body = json::parse(refused.body);
  EXPECT_EQ(refused_body.at("status"), "error");
  const std::string error = refused_body.at("error");
  const std::string where = config_ + ":" + std::to_string(TargetLine()) + ":";
  EXPECT_NE(error.find(where + " policies[0].targets.first_response"), std::string::npos) << error;
  EXPECT_NE(Tail(log_).find("reload failed, keeping the running config: " + where), std::string::npos) << Tail(log_);
  const std::string after_refusal = Metrics();
  EXPECT_EQ(SumMetric(after_refusal, "slamon_config_last_reload_successful"), 0);
  EXPECT_EQ(SumMetric(after_refusal, "slamon_config_last_reload_success_timestamp_seconds"), v2_from);
  EXPECT_EQ(SumMetric(after_refusal, "slamon_sla_target_seconds"), 1200);

  // 3. A valid edit through POST, after T-new's open: version 3 (C), and a
  // listen address that needs a restart, reported and not applied.
  SleepUntilAfter(v2_from + 1);
  std::string with_listen = base_;
  with_listen.replace(with_listen.find("127.0.0.1:0"), 11, "127.0.0.1:1");
  Edit(kPolicyC, with_listen);
  const auto before_post = static_cast<int64_t>(std::time(nullptr));
  const auto accepted = PostReload();
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  const json body = json::parse(accepted.body);
  EXPECT_EQ(body.at("status"), "success");
  EXPECT_EQ(body.at("policy_version"), 3);
  EXPECT_EQ(body.at("policy_recorded"), true);
  EXPECT_EQ(body.at("applied"), json::array({"policy"}));
  EXPECT_EQ(body.at("restart_required"), json::array({"http.listen"}));
  int64_t v3_from = 0;
  ASSERT_TRUE(events::ParseRfc3339(body.at("effective_from").get<std::string>(), &v3_from));
  EXPECT_GE(v3_from, before_post);
  EXPECT_GT(v3_from, v2_from + 1) << "T-new must open between versions 2 and 3";
  const std::string after_post = Metrics();
  EXPECT_EQ(SumMetric(after_post, "slamon_config_last_reload_successful"), 1);
  EXPECT_EQ(SumMetric(after_post, "slamon_config_last_reload_success_timestamp_seconds"), v3_from);
  EXPECT_EQ(SumMetric(after_post, "slamon_config_restart_required"), 1);
  EXPECT_EQ(SumMetric(after_post, "slamon_sla_target_seconds"), 7200);
  EXPECT_EQ(HttpGet(port_, "/healthz").find("alive") != std::string::npos, true) << "still on the old listener";

  // T-newest opens under C: answered after 30 min, within 2 h.
  Ticket("T-newest", v3_from + 1, v3_from + 1 + 1800);
  ASSERT_EQ(WaitMetric("slamon_store_events", [](double v) { return v >= 7; }), 7) << Tail(log_);
  daemon.Signal(SIGTERM);
  ASSERT_EQ(daemon.Wait(60s), 0) << Tail(log_);

  // Each ticket under the version in force when it opened.
  auto records = Replay(v3_from + 86400);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records["T-old"].at("policy_version"), 1);
  EXPECT_EQ(records["T-old"].at("target_seconds"), 4 * 3600);
  EXPECT_EQ(records["T-old"].at("breached"), false);
  EXPECT_EQ(records["T-new"].at("policy_version"), 2);
  EXPECT_EQ(records["T-new"].at("target_seconds"), 1200);
  EXPECT_EQ(records["T-new"].at("breached"), true);
  EXPECT_EQ(records["T-newest"].at("policy_version"), 3);
  EXPECT_EQ(records["T-newest"].at("target_seconds"), 7200);
  EXPECT_EQ(records["T-newest"].at("breached"), false);
}

}  // namespace
}  // namespace slamon::testing
