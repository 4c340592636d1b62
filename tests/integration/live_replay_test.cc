// Live equals replay (real broker): what the running daemon serves on its JSON
// API at an instant (named by the X-Slamon-As-Of header) equals what the
// audit commands recompute from the store at that same instant after the
// daemon stopped: /api/v1/accounts/at-risk vs `slamon accounts`, and
// /api/v1/breaches vs `slamon replay`, /api/v1/accounts/followup-overdue and
// account cards (/api/v1/accounts/{id}) vs the value, RFM, NPS and follow-up
// fields of `slamon accounts`.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "events/codec.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// calendars:/policies: of config/slamon.example.yaml (business hours, tiered).
const std::string kSlaYaml = SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");

std::vector<json> JsonLines(const std::string& s) {
  std::vector<json> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

constexpr int kAtRiskAccounts = 3;

std::vector<std::pair<std::string, std::string>> AtRiskAccounts(int64_t now) {
  std::vector<std::pair<std::string, std::string>> out;
  int n = 0;
  auto add = [&](const std::string& account, int64_t t, const std::string& type, const std::string& fields) {
    out.emplace_back(account, "{\"id\":\"risk-" + std::to_string(n++) + "\",\"type\":\"" + type +
                                  "\",\"occurred_at\":\"" + events::FormatRfc3339(t) + "\",\"account_id\":\"" +
                                  account + "\"" + fields + "}");
  };
  for (int a = 0; a < kAtRiskAccounts; ++a) {
    const std::string account = "zz-risk-" + std::to_string(a);
    add(account, now - 10 * 86400, "account.upserted",
        ",\"name\":\"Risky " + std::to_string(a) + "\",\"tier\":\"A\",\"owner\":\"risk.owner\"");
    for (int t = 0; t < 3; ++t) {
      const std::string ticket = ",\"ticket_id\":\"" + account + "-T" + std::to_string(t) + "\"";
      add(account, now - 5 * 86400 + t * 600 + a, "ticket.opened", ticket + ",\"priority\":\"high\"");
      if (t < 2) {
        add(account, now - 4 * 86400 + t * 600, "ticket.resolved", ticket);
        add(account, now - 3 * 86400 + t * 600, "ticket.reopened", ticket);
        add(account, now - 2 * 86400 + t * 600, "ticket.reopened", ticket);
      }
      add(account, now - 86400 + t * 600, "survey.answered", ticket + ",\"score\":1");
    }
  }
  return out;
}

constexpr int kExtensionAccounts = 2;

// Accounts exercising the config's SLA extensions: an account calendar
// (sg-business) and team, a phone ticket (channel match), department stays,
// a breach old enough to escalate, and an unknown account calendar.
std::vector<std::pair<std::string, std::string>> ExtensionAccounts(int64_t now) {
  std::vector<std::pair<std::string, std::string>> out;
  int n = 0;
  auto add = [&](const std::string& account, int64_t t, const std::string& type, const std::string& fields) {
    out.emplace_back(account, "{\"id\":\"ext-" + std::to_string(n++) + "\",\"type\":\"" + type +
                                  "\",\"occurred_at\":\"" + events::FormatRfc3339(t) + "\",\"account_id\":\"" +
                                  account + "\"" + fields + "}");
  };
  const int64_t day = 86400;
  add("zz-ext-0", now - 20 * day, "account.upserted",
      ",\"name\":\"Ext 0\",\"tier\":\"A\",\"owner\":\"ext.owner\",\"team\":\"east\",\"calendar\":\"sg-business\"");
  add("zz-ext-0", now - 10 * day, "ticket.opened",
      ",\"ticket_id\":\"zz-ext-0-T0\",\"priority\":\"high\",\"channel\":\"phone\"");
  // Ten days unanswered: first response and resolution far past their
  // targets (escalated), the tech stay breached.
  add("zz-ext-0", now - 10 * day, "ticket.opened",
      ",\"ticket_id\":\"zz-ext-0-T1\",\"priority\":\"high\",\"channel\":\"email\"");
  add("zz-ext-0", now - 10 * day + 60, "ticket.assigned",
      ",\"ticket_id\":\"zz-ext-0-T1\",\"group\":\"after_sales\",\"assignee\":\"wang\"");
  add("zz-ext-0", now - 9 * day, "ticket.assigned", ",\"ticket_id\":\"zz-ext-0-T1\",\"group\":\"tech\"");
  add("zz-ext-0", now - 9 * day + 60, "ticket.assigned",
      ",\"ticket_id\":\"zz-ext-0-T1\",\"group\":\"tech\",\"assignee\":\"liu\"");
  add("zz-ext-1", now - 20 * day, "account.upserted",
      ",\"name\":\"Ext 1\",\"tier\":\"B\",\"owner\":\"ext.owner\",\"team\":\"key-accounts\",\"calendar\":\"nowhere\"");
  add("zz-ext-1", now - 8 * day, "ticket.opened", ",\"ticket_id\":\"zz-ext-1-T0\",\"priority\":\"normal\"");
  add("zz-ext-1", now - 8 * day + 600, "ticket.assigned", ",\"ticket_id\":\"zz-ext-1-T0\",\"group\":\"tech\"");
  return out;
}
// An account with value data whose follow-up is overdue: tier A (14 d
// cadence), upserted 40 days ago, never touched outbound, its owner handed
// over by an account.updated; orders in CNY and USD, NPS and CSAT answers.
std::vector<std::pair<std::string, std::string>> KeyAccountEvents(int64_t now) {
  std::vector<std::pair<std::string, std::string>> out;
  int n = 0;
  auto add = [&](const std::string& account, int64_t t, const std::string& type, const std::string& fields) {
    out.emplace_back(account, "{\"id\":\"kav-" + std::to_string(n++) + "\",\"type\":\"" + type +
                                  "\",\"occurred_at\":\"" + events::FormatRfc3339(t) + "\",\"account_id\":\"" +
                                  account + "\"" + fields + "}");
  };
  add("zz-quiet", now - 40 * 86400, "account.upserted", R"(,"name":"Quiet","tier":"A","owner":"quiet.owner")");
  add("zz-quiet", now - 30 * 86400, "account.updated", R"(,"owner":"quiet.successor")");
  add("zz-quiet", now - 35 * 86400, "order.placed", R"(,"order_id":"Q-1","amount":60000)");
  add("zz-quiet", now - 20 * 86400, "order.placed", R"(,"order_id":"Q-2","amount":125.5,"currency":"USD")");
  add("zz-quiet", now - 5 * 86400, "survey.answered", R"(,"score":10,"kind":"nps")");
  add("zz-quiet", now - 5 * 86400, "survey.answered", R"(,"score":3)");
  return out;
}
constexpr int kKeyAccounts = 1;

int64_t ParseAsOf(const std::string& header) {
  int64_t t = 0;
  return events::ParseRfc3339(header, &t) ? t : 0;
}

TEST(LiveReplayTest, ApiEqualsReplayAtTheSameInstant) {
  const std::string brokers = TestBrokers();
  if (brokers.empty()) GTEST_SKIP() << "SLAMON_TEST_BROKERS is not set: start a broker with scripts/kafka start";
  TempDir dir;
  const std::string topic = UniqueName("live-replay");
  CreateTopic(brokers, topic, 4);
  // The stream ends at now (produce's default start time), so tickets are open.
  Process producer({SLAMON_BINARY, "produce", "--brokers", brokers, "--topic", topic, "--count", "20000", "--accounts",
                    "200", "--seed", "5"},
                   dir.Sub("produce.log"));
  ASSERT_EQ(producer.Wait(seconds(180)), 0) << Tail(dir.Sub("produce.log"));
  // The generated week leaves no account at_risk; add a few that are: all
  // surveys unhappy, tickets unanswered for days, more reopens than resolves.
  ProduceRaw(brokers, topic, AtRiskAccounts(static_cast<int64_t>(std::time(nullptr))));
  ProduceRaw(brokers, topic, ExtensionAccounts(static_cast<int64_t>(std::time(nullptr))));
  ProduceRaw(brokers, topic, KeyAccountEvents(static_cast<int64_t>(std::time(nullptr))));

  const std::string config = WriteConfig(dir.path(), brokers, topic, UniqueName("g"));
  std::ofstream(config, std::ios::app) << kSlaYaml;
  Process daemon({SLAMON_BINARY, "run", "--config", config}, dir.Sub("run.log"));

  // Ready = replayed and caught up with every partition.
  int port = 0;
  int64_t ready_at = 0;
  const auto deadline = std::chrono::steady_clock::now() + seconds(180);
  while (ready_at == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(daemon.Running()) << Tail(dir.Sub("run.log"));
    if (port == 0) port = PortFromLog(dir.Sub("run.log"));
    if (port != 0 && HttpGetFull(port, "/readyz").status == 200) ready_at = std::time(nullptr);
    if (ready_at == 0) std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_NE(ready_at, 0) << "/readyz never answered 200\n" << Tail(dir.Sub("run.log"));

  // The health snapshot is refreshed every 15 s by the host thread, which
  // also applies the stored events handed over to it: the first refresh
  // after catching up may still precede the application of the last batch,
  // the second one cannot. Wait for that one, so it covers every stored event.
  HttpResult at_risk;
  int64_t accounts_as_of = 0, first_after_ready = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    at_risk = HttpGetFull(port, "/api/v1/accounts/at-risk");
    ASSERT_EQ(at_risk.status, 200) << at_risk.body;
    accounts_as_of = ParseAsOf(at_risk.Header("X-Slamon-As-Of"));
    ASSERT_NE(accounts_as_of, 0) << "no X-Slamon-As-Of header: '" << at_risk.Header("X-Slamon-As-Of") << "'";
    if (first_after_ready == 0 && accounts_as_of > ready_at) first_after_ready = accounts_as_of;
    if (first_after_ready != 0 && accounts_as_of > first_after_ready) break;
    std::this_thread::sleep_for(milliseconds(500));
  }
  ASSERT_GT(first_after_ready, 0) << "no health snapshot after catching up";
  ASSERT_GT(accounts_as_of, first_after_ready) << "no second health snapshot after catching up";
  // Key accounts: the follow-up list and account cards of the same health
  // snapshot as the at-risk list (re-read all three if a refresh fell between).
  HttpResult followup;
  std::map<std::string, json> cards;
  for (int attempt = 0; attempt < 10; ++attempt) {
    followup = HttpGetFull(port, "/api/v1/accounts/followup-overdue");
    ASSERT_EQ(followup.status, 200) << followup.body;
    std::vector<std::string> ids = {"zz-risk-0", "zz-quiet"};
    for (const auto& group : json::parse(followup.body)) {
      for (const auto& a : group.at("accounts")) {
        const std::string id = a.at("account").get<std::string>();
        if (ids.size() < 8 && id != "zz-quiet") ids.push_back(id);
      }
    }
    cards.clear();
    bool same = ParseAsOf(followup.Header("X-Slamon-As-Of")) == accounts_as_of;
    for (const auto& id : ids) {
      const HttpResult card = HttpGetFull(port, "/api/v1/accounts/" + id);
      ASSERT_EQ(card.status, 200) << id << ": " << card.body;
      same = same && ParseAsOf(card.Header("X-Slamon-As-Of")) == accounts_as_of;
      cards[id] = json::parse(card.body);
    }
    if (same) break;
    at_risk = HttpGetFull(port, "/api/v1/accounts/at-risk");
    accounts_as_of = ParseAsOf(at_risk.Header("X-Slamon-As-Of"));
    cards.clear();
  }
  ASSERT_FALSE(cards.empty()) << "no consistent health snapshot for the follow-up list and cards";
  EXPECT_EQ(HttpGetFull(port, "/api/v1/accounts/no-such-account").status, 404);
  const HttpResult breaches = HttpGetFull(port, "/api/v1/breaches");
  ASSERT_EQ(breaches.status, 200) << breaches.body;
  const int64_t breaches_as_of = ParseAsOf(breaches.Header("X-Slamon-As-Of"));
  ASSERT_GE(breaches_as_of, ready_at) << breaches.Header("X-Slamon-As-Of");

  daemon.Signal(SIGTERM);
  ASSERT_EQ(daemon.Wait(seconds(60)), 0) << Tail(dir.Sub("run.log"));

  // Accounts: the API's at_risk list vs the at_risk records of `slamon accounts`.
  using AccountKey = std::tuple<std::string, std::string>;  // account, level
  std::map<AccountKey, double> api_accounts, cli_accounts;
  const json at_risk_body = json::parse(at_risk.body);
  ASSERT_TRUE(at_risk_body.is_array());
  for (const auto& a : at_risk_body) {
    api_accounts[{a.at("account").get<std::string>(), a.at("level").get<std::string>()}] = a.at("score").get<double>();
  }
  const RunResult accounts = RunCapture({SLAMON_BINARY, "accounts", "--store", dir.Sub("store"), "--config", config,
                                         "--as-of", events::FormatRfc3339(accounts_as_of), "--format", "jsonl"},
                                        dir.path());
  ASSERT_EQ(accounts.code, 0) << accounts.err;
  const auto records = JsonLines(accounts.out);
  std::map<std::string, int> levels;
  for (const auto& r : records) {
    const std::string level = r.at("level").get<std::string>();
    ++levels[level];
    if (level == "at_risk")
      cli_accounts[{r.at("account_id").get<std::string>(), level}] = r.at("health_score").get<double>();
  }
  std::printf("[live-replay] accounts as of %s: %zu records;", events::FormatRfc3339(accounts_as_of).c_str(),
              records.size());
  for (const auto& [level, n] : levels) std::printf(" %s=%d", level.c_str(), n);
  std::printf("; API at_risk=%zu\n", api_accounts.size());
  EXPECT_EQ(records.size(), 200u + kAtRiskAccounts + kExtensionAccounts + kKeyAccounts);
  EXPECT_GE(cli_accounts.size(), static_cast<size_t>(kAtRiskAccounts)) << "the at_risk comparison would be weak";
  std::set<AccountKey> api_keys, cli_keys;
  for (const auto& [k, v] : api_accounts) api_keys.insert(k);
  for (const auto& [k, v] : cli_accounts) cli_keys.insert(k);
  EXPECT_EQ(api_keys, cli_keys);
  for (const auto& [k, score] : api_accounts) {
    auto it = cli_accounts.find(k);
    if (it != cli_accounts.end()) {
      EXPECT_NEAR(score, it->second, 1e-6) << std::get<0>(k);
    }
  }

  // Key accounts: follow-up list and cards vs the same records of `slamon accounts`.
  std::map<std::string, double> api_overdue, cli_overdue;
  for (const auto& group : json::parse(followup.body)) {
    for (const auto& a : group.at("accounts")) {
      api_overdue[a.at("account").get<std::string>()] = a.at("overdue_days").get<double>();
    }
  }
  std::map<std::string, json> cli_by_id;
  for (const auto& r : records) {
    cli_by_id[r.at("account_id").get<std::string>()] = r;
    const json& d = r.at("followup_overdue_days");
    if (!d.is_null() && d.get<double>() > 0) cli_overdue[r.at("account_id").get<std::string>()] = d.get<double>();
  }
  std::set<std::string> api_overdue_ids, cli_overdue_ids;
  for (const auto& [id, d] : api_overdue) api_overdue_ids.insert(id);
  for (const auto& [id, d] : cli_overdue) cli_overdue_ids.insert(id);
  EXPECT_EQ(api_overdue_ids, cli_overdue_ids);
  for (const auto& [id, d] : api_overdue) {
    if (cli_overdue.count(id)) {
      EXPECT_NEAR(d, cli_overdue[id], 1e-6) << id;
    }
  }
  auto same_number = [](const json& a, const json& b, const std::string& what) {
    if (a.is_null() || b.is_null()) {
      EXPECT_EQ(a.is_null(), b.is_null()) << what;
    } else {
      EXPECT_NEAR(a.get<double>(), b.get<double>(), 1e-6) << what;
    }
  };
  for (const auto& [id, card] : cards) {
    ASSERT_TRUE(cli_by_id.count(id)) << id;
    const json& r = cli_by_id[id];
    same_number(card.at("value").at("lifetime_value"), r.at("lifetime_value"), id + " lifetime_value");
    same_number(card.at("value").at("value_12m"), r.at("value_12m"), id + " value_12m");
    for (const char* k : {"recency_days", "frequency", "r", "f", "m"}) {
      same_number(card.at("rfm").at(k), r.at("rfm").at(k), id + " rfm." + k);
    }
    same_number(card.at("nps_90d"), r.at("nps_90d"), id + " nps_90d");
    same_number(card.at("csat").at("mean_30d"), r.at("csat_mean_30d"), id + " csat_mean_30d");
    same_number(card.at("followup").at("overdue_days"), r.at("followup_overdue_days"), id + " followup");
    same_number(card.at("health").at("score"), r.at("health_score"), id + " health_score");
  }
  ASSERT_TRUE(cards.count("zz-quiet"));
  const json& quiet = cards["zz-quiet"];
  EXPECT_EQ(quiet.at("owner"), "quiet.successor") << quiet.dump();
  EXPECT_EQ(quiet.at("tier"), "A") << quiet.dump();  // kept from the upsert
  EXPECT_EQ(cli_by_id["zz-quiet"].at("owner"), "quiet.successor");
  EXPECT_NEAR(quiet.at("followup").at("overdue_days").get<double>(), 26, 0.01) << quiet.dump();
  EXPECT_EQ(quiet.at("value").at("lifetime_value"), 60000) << quiet.dump();
  EXPECT_EQ(quiet.at("value").at("other_currencies").at("USD").at("value_12m"), 125.5) << quiet.dump();
  EXPECT_EQ(quiet.at("rfm").at("r"), 4) << quiet.dump();  // 35 days: above 30, not above 60
  EXPECT_EQ(quiet.at("rfm").at("m"), 3) << quiet.dump();  // 60000 >= 50000
  EXPECT_EQ(quiet.at("nps_90d"), 100) << quiet.dump();
  EXPECT_EQ(quiet.at("csat").at("mean_30d"), 3) << quiet.dump();
  EXPECT_TRUE(api_overdue.count("zz-quiet"));
  std::printf("[live-replay] key accounts: %zu overdue follow-ups (API), %zu cards compared\n", api_overdue.size(),
              cards.size());

  // Breaches: the API's running warning/breached instances vs replay's
  // running instances whose level is not ok (the table has the level; the
  // JSONL record of docs/sla-semantics.md has none).
  // ticket, metric, cycle, level, group, escalation ("-" when none)
  using InstanceKey = std::tuple<std::string, std::string, int, std::string, std::string, std::string>;
  auto or_dash = [](const json& v) { return v.is_null() ? std::string("-") : v.get<std::string>(); };
  std::set<InstanceKey> api_instances, cli_instances;
  const json breaches_body = json::parse(breaches.body);
  ASSERT_TRUE(breaches_body.is_array());
  for (const auto& b : breaches_body) {
    api_instances.insert({b.at("ticket_id").get<std::string>(), b.at("metric").get<std::string>(),
                          b.at("cycle").get<int>(), b.at("level").get<std::string>(), or_dash(b.at("group")),
                          or_dash(b.at("escalation"))});
  }
  const std::string breaches_iso = events::FormatRfc3339(breaches_as_of);
  const RunResult replay = RunCapture({SLAMON_BINARY, "replay", "--store", dir.Sub("store"), "--config", config,
                                       "--as-of", breaches_iso, "--format", "table"},
                                      dir.path());
  ASSERT_EQ(replay.code, 0) << replay.err;
  const RunResult replay_jsonl = RunCapture(
      {SLAMON_BINARY, "replay", "--store", dir.Sub("store"), "--config", config, "--as-of", breaches_iso}, dir.path());
  ASSERT_EQ(replay_jsonl.code, 0) << replay_jsonl.err;
  const auto instances = JsonLines(replay_jsonl.out);
  std::istringstream table(replay.out);
  std::string line;
  ASSERT_TRUE(std::getline(table, line));  // header
  ASSERT_EQ(line.rfind("ticket_id", 0), 0u) << line;
  size_t running = 0, rows = 0;
  while (std::getline(table, line)) {
    std::istringstream in(line);
    std::vector<std::string> cols;
    for (std::string w; in >> w;) cols.push_back(w);
    ASSERT_EQ(cols.size(), 18u) << line;
    // ticket_id account_id tier priority policy metric cycle start stop state level ... breached ...
    ASSERT_LT(rows, instances.size());
    const json& rec = instances[rows++];
    EXPECT_EQ(cols[0], rec.at("ticket_id").get<std::string>());
    EXPECT_EQ(cols[13] == "yes", rec.at("breached").get<bool>()) << line;
    EXPECT_EQ(cols[16], or_dash(rec.at("group"))) << line;
    EXPECT_EQ(cols[17], or_dash(rec.at("escalation"))) << line;
    if (cols[9] == "stopped") continue;
    ++running;
    if (cols[10] == "breached") {
      EXPECT_EQ(cols[13], "yes") << line;
    }
    if (cols[10] == "ok") continue;
    cli_instances.insert({cols[0], cols[5], std::stoi(cols[6]), cols[10], cols[16], cols[17]});
  }
  EXPECT_EQ(rows, instances.size());
  size_t api_breached = 0;
  for (const auto& k : api_instances) api_breached += std::get<3>(k) == "breached" ? 1 : 0;
  std::printf(
      "[live-replay] instances as of %s: %zu (%zu running); API warning+breached=%zu (breached %zu), replay=%zu\n",
      events::FormatRfc3339(breaches_as_of).c_str(), instances.size(), running, api_instances.size(), api_breached,
      cli_instances.size());
  EXPECT_EQ(api_instances.size(), breaches_body.size()) << "the API listed an instance twice";
  EXPECT_EQ(api_instances, cli_instances);
  EXPECT_FALSE(api_instances.empty()) << "nothing at risk: the comparison would be vacuous";
  // The extension accounts make the comparison cover department clocks and
  // escalation (ten days unanswered: far past every step).
  EXPECT_TRUE(api_instances.count({"zz-ext-0-T1", "first_response", 1, "breached", "-", "head_of_service"}));
  EXPECT_TRUE(api_instances.count({"zz-ext-0-T1", "assignment", 2, "breached", "tech", "head_of_service"}));
  EXPECT_TRUE(api_instances.count({"zz-ext-1-T0", "assignment", 1, "breached", "tech", "-"}));
}

}  // namespace
}  // namespace slamon::testing
