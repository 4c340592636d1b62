// Policy history end to end, against a real broker: the daemon records a
// policy version when it starts with a changed first-response target, and
// `replay`/`accounts`/`report` judge each ticket under the version in force when it
// opened (default) or under --config (`--policy current`).
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/store/event_store.h"
#include "events/store/policy_log.h"
#include "tests/support/daemon_process.h"
#include "tests/support/event_json.h"
#include "tests/support/files.h"
#include "tests/support/json_lines.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

// Config A: answer within 1 h. Config B: within 20 min, and other health weights.
constexpr const char* kPolicyA = "policies:\n  - name: std\n    targets: {first_response: 1h}\n";
constexpr const char* kPolicyB =
    "policies:\n  - name: std\n    targets: {first_response: 20m}\n"
    "health: {weights: {sla: 0.5}}\n";
// B again, written differently: keys reordered, flow style, a comment.
constexpr const char* kPolicyBAgain =
    "# same policy as B\nhealth:\n  weights:\n    sla: 0.5\npolicies:\n"
    "  - targets:\n      first_response: \"20m\"\n    name: std\n";

class PolicyHistoryTest : public BrokerTest {
 protected:
  PolicyHistoryTest() : BrokerTest("policy", 1) {}

  std::string Config(const std::string& name, const std::string& policy) {
    const std::string base = WriteConfig(dir_.path(), brokers_, topic_, group_);
    const std::string path = dir_.Sub(name);
    std::ofstream(path) << ReadFile(base) << policy;
    return path;
  }

  void RunDaemon(const std::string& config, const std::string& log) { ASSERT_TRUE(RunToEof(config, dir_.Sub(log))); }

  static std::string Event(const std::string& id, const std::string& type, int64_t t, const std::string& extra) {
    return EventJson(id, type, t, "acme", extra);
  }

  // first_response records by ticket of `slamon replay`.
  std::map<std::string, json> Replay(const std::string& config, int64_t as_of, const std::string& policy,
                                     std::string* err = nullptr) {
    std::vector<std::string> args = {SLAMON_BINARY, "replay", "--store", dir_.Sub("store"),
                                     "--config",    config,   "--as-of", events::FormatRfc3339(as_of)};
    if (!policy.empty()) args.insert(args.end(), {"--policy", policy});
    const RunResult r = RunCapture(args, dir_.path());
    EXPECT_EQ(r.code, 0) << r.err;
    if (err) *err = r.err;
    return FirstResponsesByTicket(r.out);
  }

  // Tickets in the breach rows of `slamon report --format csv` over [from, to).
  std::vector<std::string> ReportBreaches(const std::string& config, int64_t from, int64_t to,
                                          const std::string& policy) {
    std::vector<std::string> args = {SLAMON_BINARY, "report",
                                     "--store",     dir_.Sub("store"),
                                     "--config",    config,
                                     "--from",      events::FormatRfc3339(from),
                                     "--to",        events::FormatRfc3339(to),
                                     "--format",    "csv"};
    if (!policy.empty()) args.insert(args.end(), {"--policy", policy});
    const RunResult r = RunCapture(args, dir_.path());
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<std::string> tickets;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.starts_with("breach,")) continue;
      for (const char* t : {"T-old", "T-new"}) {
        if (line.find(t) != std::string::npos) tickets.emplace_back(t);
      }
    }
    return tickets;
  }

  json Accounts(const std::string& config, int64_t as_of, const std::string& policy) {
    const RunResult r = RunCapture({SLAMON_BINARY, "accounts", "--store", dir_.Sub("store"), "--config", config,
                                    "--as-of", events::FormatRfc3339(as_of), "--policy", policy},
                                   dir_.path());
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out.empty() ? json() : json::parse(r.out.substr(0, r.out.find('\n')));
  }
};

TEST_F(PolicyHistoryTest, ReplayJudgesTicketsUnderThePolicyInForceAtTheirOpen) {
  const auto t0 = static_cast<int64_t>(std::time(nullptr));
  // T-old opens two hours ago and is answered after 30 min: fine under A (1 h),
  // late under B (20 min).
  ProduceRaw(brokers_, topic_,
             {{"acme", Event("p-1", "account.upserted", t0 - 86400, R"(,"name":"Acme","tier":"A","owner":"ana")")},
              {"acme", Event("p-2", "ticket.opened", t0 - 7200, R"(,"ticket_id":"T-old","priority":"high")")},
              {"acme", Event("p-3", "ticket.replied", t0 - 5400, R"(,"ticket_id":"T-old","author":"agent")")}});
  const std::string config_a = Config("a.yaml", kPolicyA);
  const std::string config_b = Config("b.yaml", kPolicyB);
  RunDaemon(config_a, "run-a.log");
  EXPECT_EQ(CountInFile(dir_.Sub("run-a.log"), "policy version 1 in effect from"), 1u) << Tail(dir_.Sub("run-a.log"));

  // T-new opens in an hour, after B takes effect (now), answered 30 min later.
  ProduceRaw(brokers_, topic_,
             {{"acme", Event("p-4", "ticket.opened", t0 + 3600, R"(,"ticket_id":"T-new","priority":"high")")},
              {"acme", Event("p-5", "ticket.replied", t0 + 5400, R"(,"ticket_id":"T-new","author":"agent")")}});
  RunDaemon(config_b, "run-b.log");
  EXPECT_EQ(CountInFile(dir_.Sub("run-b.log"), "policy version 2 in effect from"), 1u) << Tail(dir_.Sub("run-b.log"));
  // The same policy written differently records nothing new.
  RunDaemon(Config("b-again.yaml", kPolicyBAgain), "run-b-again.log");
  EXPECT_EQ(CountInFile(dir_.Sub("run-b-again.log"), "policy version 2 in effect from"), 1u)
      << Tail(dir_.Sub("run-b-again.log"));

  int64_t v2_from = 0;
  {
    auto store = events::EventStore::Open({.path = dir_.Sub("store"), .create_if_missing = false, .read_only = true});
    ASSERT_TRUE(store.ok()) << store.status().message();
    EXPECT_EQ((*store)->EventCount(), 5);
    auto log = events::ReadPolicyLog(**store);
    ASSERT_TRUE(log.ok()) << log.status().message();
    ASSERT_EQ(log->size(), 2u);
    EXPECT_EQ((*log)[0].version, 1u);
    EXPECT_EQ((*log)[1].version, 2u);
    EXPECT_GE((*log)[0].effective_from, t0);
    EXPECT_GE((*log)[1].effective_from, (*log)[0].effective_from);
    EXPECT_LT((*log)[1].effective_from, t0 + 3600) << "the test ran for an hour?";
    EXPECT_NE((*log)[1].text.find("first_response: 20m"), std::string::npos) << (*log)[1].text;
    v2_from = (*log)[1].effective_from;
  }
  std::printf("[policy] v2 in effect from %s (t0 %s)\n", events::FormatRfc3339(v2_from).c_str(),
              events::FormatRfc3339(t0).c_str());

  // As of 25 min into T-old (before the change): A's 1 h target, not breached;
  // re-judged under B it is already breached.
  const int64_t before = t0 - 7200 + 1500;
  std::string err;
  auto at_open = Replay(config_b, before, "", &err);
  ASSERT_EQ(at_open.size(), 1u);
  EXPECT_EQ(at_open["T-old"].at("target_seconds"), 3600);
  EXPECT_EQ(at_open["T-old"].at("elapsed_seconds"), 1500);
  EXPECT_EQ(at_open["T-old"].at("breached"), false);
  EXPECT_EQ(at_open["T-old"].at("policy_version"), 1);
  EXPECT_EQ(err.find("no policy history"), std::string::npos) << err;
  auto current = Replay(config_b, before, "current");
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current["T-old"].at("target_seconds"), 1200);
  EXPECT_EQ(current["T-old"].at("breached"), true);
  EXPECT_FALSE(current["T-old"].contains("policy_version"));

  // A day later: T-old under A (answered in 30 min of 60), T-new under B (30 of 20).
  const int64_t after = t0 + 86400;
  at_open = Replay(config_a, after, "at-open");  // --config does not matter for at-open
  ASSERT_EQ(at_open.size(), 2u);
  EXPECT_EQ(at_open["T-old"].at("target_seconds"), 3600);
  EXPECT_EQ(at_open["T-old"].at("elapsed_seconds"), 1800);
  EXPECT_EQ(at_open["T-old"].at("breached"), false);
  EXPECT_EQ(at_open["T-old"].at("policy_version"), 1);
  EXPECT_EQ(at_open["T-new"].at("target_seconds"), 1200);
  EXPECT_EQ(at_open["T-new"].at("elapsed_seconds"), 1800);
  EXPECT_EQ(at_open["T-new"].at("breached"), true);
  EXPECT_EQ(at_open["T-new"].at("policy_version"), 2);
  current = Replay(config_b, after, "current");
  ASSERT_EQ(current.size(), 2u);
  for (const char* t : {"T-old", "T-new"}) {
    EXPECT_EQ(current[t].at("target_seconds"), 1200) << t;
    EXPECT_EQ(current[t].at("breached"), true) << t;
  }
  // Under A for everything, T-new would have been in time.
  current = Replay(config_a, after, "current");
  EXPECT_EQ(current["T-new"].at("breached"), false);

  // The compliance report judges the same way: at its open (default) only
  // T-new is breached; everything under B breaches both.
  EXPECT_EQ(ReportBreaches(config_a, t0 - 86400, after, ""), std::vector<std::string>{"T-new"});
  EXPECT_EQ(ReportBreaches(config_b, t0 - 86400, after, "current"), (std::vector<std::string>{"T-old", "T-new"}));
  EXPECT_TRUE(ReportBreaches(config_a, t0 - 86400, after, "current").empty());

  // Account health: the sla signal counts 1 of 2 breached as judged then, 2 of 2 now.
  const json then = Accounts(config_a, after, "at-open");
  const json now = Accounts(config_b, after, "current");
  ASSERT_TRUE(then.is_object() && now.is_object());
  EXPECT_DOUBLE_EQ(then.at("signals").at("sla").get<double>(), 50.0) << then.dump();
  EXPECT_DOUBLE_EQ(now.at("signals").at("sla").get<double>(), 0.0) << now.dump();
}

TEST_F(PolicyHistoryTest, StoreWithoutHistoryFallsBackToConfigWithANote) {
  const auto t0 = static_cast<int64_t>(std::time(nullptr));
  // A store written without the daemon (as tools and older versions did).
  {
    auto store = events::EventStore::Open({.path = dir_.Sub("store"), .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().message();
    events::Decoder decoder;
    std::vector<events::BatchItem> batch;
    const std::vector<std::string> raw = {
        Event("q-1", "ticket.opened", t0 - 7200, R"(,"ticket_id":"T-1","priority":"high")"),
        Event("q-2", "ticket.replied", t0 - 5400, R"(,"ticket_id":"T-1","author":"agent")")};
    for (size_t i = 0; i < raw.size(); ++i) {
      events::BatchItem item;
      item.pos = {topic_, 0, static_cast<int64_t>(i)};
      item.event = std::get<events::Event>(decoder.Decode(raw[i]));
      batch.push_back(std::move(item));
    }
    events::AppendResult result;
    ASSERT_TRUE((*store)->AppendBatch(batch, &result).ok());
  }
  std::string err;
  const auto records = Replay(Config("b.yaml", kPolicyB), t0, "", &err);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records.at("T-1").at("target_seconds"), 1200);
  EXPECT_FALSE(records.at("T-1").contains("policy_version"));
  EXPECT_NE(err.find("no policy history"), std::string::npos) << err;
  // A bad --policy value is refused.
  const RunResult bad =
      RunCapture({SLAMON_BINARY, "replay", "--store", dir_.Sub("store"), "--config", Config("b.yaml", kPolicyB),
                  "--as-of", events::FormatRfc3339(t0), "--policy", "then"},
                 dir_.path());
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("--policy"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.out, "");
}

}  // namespace
}  // namespace slamon::testing
