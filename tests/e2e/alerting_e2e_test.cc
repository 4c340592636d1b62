// End to end, every piece real and on 127.0.0.1:
//   Kafka broker (SLAMON_TEST_BROKERS) -> `slamon run` -> Prometheus (the
//   project's dashboards/rules/*.yml) -> Alertmanager (config/alertmanager.yml,
//   webhooks pointed at this test) -> a webhook receiver inside this test.
// A tier-A ticket of li.wei's account gets no reply: li.wei must be paged
// (SlamonFirstResponseBreached, firing, with li.wei's address in
// account_owner_email) through li.wei's own route once its 20 s
// first-response target passes, and told `resolved` after the agent replies;
// maria.garcia, whose ticket was answered at once, must never get that page.
// wang.fang has no route of their own: the same page reaches them through
// the one templated `owner` receiver, as a WeCom message to the WeCom user
// wang.fang (the WeCom API pointed at this test) and by mail to their
// address (Alertmanager's API names the receiver). Then every dashboard
// expression runs against this Prometheus, and the number of slamon_* series
// must stay within the bound the fixed label sets give.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "events/codec.h"
#include "tests/e2e/e2e_util.h"
#include "tests/support/daemon_process.h"
#include "tests/support/event_json.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SysClock = std::chrono::system_clock;

constexpr int kTargetSeconds = 20;  // tier-A first_response target in the test config

// ---------------------------------------------------------------- helpers

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

struct HttpResult {
  int status = 0;
  std::string body;
};

std::optional<HttpResult> Get(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(10, 0);
  auto res = cli.Get(path.c_str());
  if (!res) return std::nullopt;
  return HttpResult{res->status, res->body};
}

int64_t NowSeconds() { return std::chrono::duration_cast<seconds>(SysClock::now().time_since_epoch()).count(); }

double SecondsSinceEpoch(SysClock::time_point t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

/// Polls `done` every `step` until it returns true or `timeout` passes.
bool WaitFor(std::chrono::milliseconds timeout, const std::function<bool()>& done,
             std::chrono::milliseconds step = milliseconds(250)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// ------------------------------------------------------- webhook receiver

struct Hook {
  std::string path, body;
  SysClock::time_point at;
};

/// One alert of one webhook notification.
struct Notified {
  std::string path;  // /hook/<receiver>
  std::string status;
  std::map<std::string, std::string> labels;
  SysClock::time_point at;
};

/// Alertmanager's webhook target: records every POST /hook/<receiver>.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    server_.Post(R"(/hook/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        hooks_.push_back({req.path, req.body, SysClock::now()});
      }
      res.set_content("ok", "text/plain");
    });
    // The WeCom API as Alertmanager's wechat_configs call it: a token, then
    // one message per notification.
    server_.Get("/wechat/gettoken", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"errcode":0,"errmsg":"ok","access_token":"e2e-token","expires_in":7200})",
                      "application/json");
    });
    server_.Post("/wechat/message/send", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        wecom_.push_back({req.path, req.body, SysClock::now()});
      }
      res.set_content(R"({"errcode":0,"errmsg":"ok"})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebhookReceiver() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::vector<Hook> hooks() {
    std::lock_guard<std::mutex> lock(mu_);
    return hooks_;
  }
  /// The WeCom messages received so far (their JSON bodies).
  std::vector<Hook> wecom() {
    std::lock_guard<std::mutex> lock(mu_);
    return wecom_;
  }
  /// Every alert of every notification received so far (unparsable bodies are a failure).
  std::vector<Notified> Alerts() {
    std::vector<Notified> out;
    simdjson::dom::parser parser;
    for (const auto& h : hooks()) {
      simdjson::dom::element doc;
      if (parser.parse(h.body).get(doc) != simdjson::SUCCESS) {
        ADD_FAILURE() << "webhook body is not JSON: " << h.body;
        continue;
      }
      simdjson::dom::array alerts;
      if (doc["alerts"].get(alerts) != simdjson::SUCCESS) continue;
      for (auto a : alerts) {
        Notified n{h.path, "", {}, h.at};
        std::string_view status;
        if (a["status"].get(status) == simdjson::SUCCESS) n.status = std::string(status);
        simdjson::dom::object labels;
        if (a["labels"].get(labels) == simdjson::SUCCESS) {
          for (auto field : labels) {
            std::string_view v;
            if (field.value.get(v) == simdjson::SUCCESS) n.labels[std::string(field.key)] = std::string(v);
          }
        }
        out.push_back(std::move(n));
      }
    }
    return out;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Hook> hooks_;
  std::vector<Hook> wecom_;
};

bool IsBreachPage(const Notified& n, const std::string& owner) {
  auto label = [&](const char* k) {
    auto it = n.labels.find(k);
    return it == n.labels.end() ? std::string() : it->second;
  };
  return label("alertname") == "SlamonFirstResponseBreached" && label("account_owner") == owner;
}

std::string Describe(const std::vector<Hook>& hooks) {
  std::string s;
  for (const auto& h : hooks) s += h.path + " " + h.body + "\n";
  return s.empty() ? "(no webhook received)" : s;
}

// ------------------------------------------------------------- Prometheus

struct QueryResult {
  bool ok = false;
  std::string error;  // when !ok
  std::string type;   // vector, scalar, matrix, string
  size_t series = 0;  // vector/matrix: number of series; scalar/string: 1
  double first = 0;   // the first sample's value (NaN as parsed)
  std::string raw;
};

QueryResult Query(int prom_port, const std::string& expr) {
  QueryResult r;
  httplib::Client cli("127.0.0.1", prom_port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(20, 0);
  auto res = cli.Post("/api/v1/query", httplib::Params{{"query", expr}});
  if (!res) {
    r.error = "no HTTP response";
    return r;
  }
  r.raw = res->body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(res->body).get(doc) != simdjson::SUCCESS) {
    r.error = "not JSON: " + res->body;
    return r;
  }
  std::string_view status;
  if (doc["status"].get(status) != simdjson::SUCCESS || status != "success") {
    r.error = "HTTP " + std::to_string(res->status) + ": " + res->body;
    return r;
  }
  std::string_view type;
  if (doc["data"]["resultType"].get(type) != simdjson::SUCCESS) {
    r.error = "no resultType: " + res->body;
    return r;
  }
  r.type = std::string(type);
  r.ok = true;
  auto value_of = [](simdjson::dom::element pair) {
    std::string_view v;
    if (pair.at(1).get(v) == simdjson::SUCCESS) return std::strtod(std::string(v).c_str(), nullptr);
    return 0.0;
  };
  if (r.type == "vector" || r.type == "matrix") {
    simdjson::dom::array result;
    if (doc["data"]["result"].get(result) == simdjson::SUCCESS) {
      r.series = result.size();
      if (r.series > 0 && r.type == "vector") {
        simdjson::dom::element v;
        if (result.at(0)["value"].get(v) == simdjson::SUCCESS) r.first = value_of(v);
      }
    }
  } else {
    r.series = 1;
    simdjson::dom::element v;
    if (doc["data"]["result"].get(v) == simdjson::SUCCESS) r.first = value_of(v);
  }
  return r;
}

/// The value of a single-sample query, nullopt when it fails or is empty.
std::optional<double> Scalar(int prom_port, const std::string& expr) {
  QueryResult r = Query(prom_port, expr);
  if (!r.ok || r.series == 0) return std::nullopt;
  return r.first;
}

struct DashboardExpr {
  std::string dashboard, panel, ref, expr;
};

/// `python3 dashboards/check.py --exprs -` run in the source tree.
std::vector<DashboardExpr> DashboardExprs(std::string* output) {
  std::vector<DashboardExpr> out;
  const std::string cmd = std::string("cd '") + SLAMON_SOURCE_DIR + "' && python3 dashboards/check.py --exprs - 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::string text;
  while (fgets(buf, sizeof(buf), p) != nullptr) text += buf;
  int rc = pclose(p);
  *output = text;
  if (rc != 0) {
    ADD_FAILURE() << "dashboards/check.py failed (" << rc << "):\n" << text;
    return out;
  }
  simdjson::dom::parser parser;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) {
      ADD_FAILURE() << "bad JSON line from check.py: " << line;
      continue;
    }
    DashboardExpr e;
    std::string_view s;
    if (doc["dashboard"].get(s) == simdjson::SUCCESS) e.dashboard = std::string(s);
    if (doc["panel"].get(s) == simdjson::SUCCESS) e.panel = std::string(s);
    if (doc["ref"].get(s) == simdjson::SUCCESS) e.ref = std::string(s);
    if (doc["expr"].get(s) == simdjson::SUCCESS) e.expr = std::string(s);
    out.push_back(std::move(e));
  }
  return out;
}

/// Panels whose query may legitimately return no series once the ticket is
/// answered (keyed by panel title; the reason is printed with the counts).
const std::map<std::string, std::string>& MayBeEmptyAfterResolution() {
  static const std::map<std::string, std::string> m = {
      // slamon_sla_open_by_owner exists only while an owner has warning/breached
      // instances; checked non-empty while li.wei's breach is firing.
      {"Owners with breached or at-risk tickets", "no owner has a warning/breached instance after the reply"},
      // The gauge is absent when no ticket waits for a first response (and
      // the panel filters > 0); checked non-empty while li.wei's ticket waits.
      {"Oldest unanswered ticket age", "no ticket waits for a first response after the reply"},
      // slamon_accounts_at_risk only has series for owners with an at-risk
      // account (health score < 50): two fresh, healthy accounts have none.
      {"At-risk accounts per owner", "no account is at risk in this scenario"},
  };
  return m;
}

// ------------------------------------------------------------------ test

class AlertingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = TestBrokers();
    if (brokers_.empty()) {
      GTEST_SKIP() << "SLAMON_TEST_BROKERS is not set: the end-to-end test needs a real broker "
                      "(B=$(scripts/kafka start) && SLAMON_TEST_BROKERS=$B ctest -L e2e)";
    }
    prometheus_ = Which("prometheus");
    alertmanager_ = Which("prometheus-alertmanager");
    if (alertmanager_.empty()) alertmanager_ = Which("alertmanager");
    ASSERT_FALSE(prometheus_.empty()) << "prometheus not on PATH (scripts/setup installs it)";
    ASSERT_FALSE(alertmanager_.empty()) << "prometheus-alertmanager not on PATH (scripts/setup installs it)";
  }

  std::string brokers_, prometheus_, alertmanager_;
};

TEST_F(AlertingE2eTest, BreachPagesTheAccountOwnerAndResolves) {
  const auto t_start = std::chrono::steady_clock::now();
  TempDir dir;  // declared first: removed after every process below is gone
  WebhookReceiver receiver;
  ASSERT_GT(receiver.port(), 0) << "webhook receiver cannot bind 127.0.0.1:0";

  // --- Alertmanager: the project's routing, webhooks pointed at the receiver.
  const int am_port = FreePort();
  {
    std::string am = ReadFile(std::string(SLAMON_SOURCE_DIR) + "/config/alertmanager.yml");
    ASSERT_FALSE(am.empty());
    const std::regex url(R"(http://127\.0\.0\.1:9095/)");
    const std::regex timing(R"((group_wait|group_interval):\s*[0-9]+[a-z]+)");
    const auto urls = std::distance(std::sregex_iterator(am.begin(), am.end(), url), std::sregex_iterator());
    ASSERT_GE(urls, 2) << "config/alertmanager.yml no longer sends webhooks to 127.0.0.1:9095";
    ASSERT_NE(am.find("/hook/li.wei"), std::string::npos);
    ASSERT_NE(am.find("/hook/maria.garcia"), std::string::npos);
    am = std::regex_replace(am, url, "http://127.0.0.1:" + std::to_string(receiver.port()) + "/");
    am = std::regex_replace(am, timing, "$1: 1s");
    // The templated owner receiver: WeCom's API is this test's receiver, the
    // mail server a closed local port (Alertmanager's API shows the route).
    const std::regex smarthost(R"(smtp_smarthost: \S+)");
    ASSERT_TRUE(std::regex_search(am, smarthost)) << "config/alertmanager.yml has no smtp_smarthost";
    am = std::regex_replace(am, smarthost,
                            "smtp_smarthost: 127.0.0.1:" + std::to_string(FreePort()) +
                                "\n  wechat_api_url: http://127.0.0.1:" + std::to_string(receiver.port()) + "/wechat/");
    ASSERT_NE(am.find("'{{ .CommonLabels.account_owner_email }}'"), std::string::npos);
    ASSERT_NE(am.find("to_user: '{{ .CommonLabels.account_owner }}'"), std::string::npos);
    WriteFile(dir.Sub("alertmanager.yml"), am);
  }
  Process alertmanager(
      {alertmanager_, "--config.file=" + dir.Sub("alertmanager.yml"), "--storage.path=" + dir.Sub("am-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address=", "--log.level=info"},
      dir.Sub("alertmanager.log"));

  // --- slamon: a fresh topic, a tier-A policy with a 20 s first-response target.
  const std::string topic = UniqueName("e2e");
  CreateTopic(brokers_, topic, 1);
  // slamon serves HTTPS with a bcrypt user, as in production; Prometheus
  // scrapes it with the CA and the password (`htpasswd -nbBC 4 prometheus scrape-me`).
  const TestCerts certs = MakeTestCerts(dir.path());
  ASSERT_TRUE(certs.error.empty()) << certs.error;
  WriteFile(dir.Sub("web.yml"),
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "basic_auth_users:\n  prometheus: $2y$04$t2M6p.38MCJS/YJGZ1WDaueCqrVH5pVH1QhnLD4BbhSFboKfOi0Em\n");
  const int slamon_port = FreePort();
  {
    std::ostringstream cfg;
    cfg << "store:\n  path: " << dir.Sub("store") << "\n"
        << "kafka:\n  brokers: \"" << brokers_ << "\"\n  topics: [" << topic
        << "]\n  group_id: " << UniqueName("e2e-group") << "\n  batch_max_wait_ms: 50\n"
        << "http:\n  listen: 127.0.0.1:" << slamon_port << "\n  web_config_file: " << dir.Sub("web.yml") << "\n"
        << "log:\n  level: info\n"
        << "policies:\n"
        << "  - name: tier-a\n"
        << "    match: {tier: [A]}\n"
        << "    calendar: 24x7\n"
        << "    targets: {first_response: " << kTargetSeconds
        << "s}\n"
        // A department target, so that the SLA board's department panel has
        // (zero-filled) data.
        << "    group_targets: {after_sales: 2h}\n";
    WriteFile(dir.Sub("slamon.yaml"), cfg.str());
  }
  DaemonProcess slamon(dir.Sub("slamon.yaml"), dir.Sub("slamon.log"));
  slamon.Start();

  // --- Prometheus: 1 s scrape/evaluation, the project's rule files, our Alertmanager.
  const int prom_port = FreePort();
  WriteFile(dir.Sub("prometheus.yml"),
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
            "rule_files:\n  - " +
                std::string(SLAMON_SOURCE_DIR) +
                "/dashboards/rules/*.yml\n"
                "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:" +
                std::to_string(am_port) +
                "']\n"
                "scrape_configs:\n  - job_name: slamon\n    scheme: https\n    tls_config:\n      ca_file: " +
                certs.ca_cert +
                "\n    basic_auth:\n      username: prometheus\n      password: scrape-me\n"
                "    static_configs:\n      - targets: ['127.0.0.1:" +
                std::to_string(slamon_port) + "']\n");
  Process prometheus(
      {prometheus_, "--config.file=" + dir.Sub("prometheus.yml"), "--storage.tsdb.path=" + dir.Sub("prom-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=info"},
      dir.Sub("prometheus.log"));

  auto logs = [&] {
    return "\n--- slamon.log\n" + Tail(dir.Sub("slamon.log")) + "\n--- prometheus.log\n" +
           Tail(dir.Sub("prometheus.log")) + "\n--- alertmanager.log\n" + Tail(dir.Sub("alertmanager.log")) +
           "\n--- webhooks\n" + Describe(receiver.hooks());
  };
  auto alive = [&] { return slamon.Running() && prometheus.Running() && alertmanager.Running(); };

  // --- Everything up: Alertmanager and Prometheus ready, slamon caught up and scraped.
  auto ready = [](int port, const std::string& path) {
    auto r = Get(port, path);
    return r && r->status == 200;
  };
  auto slamon_ready = [&] {
    httplib::SSLClient cli("127.0.0.1", slamon_port);
    cli.set_ca_cert_path(certs.ca_cert.c_str());
    cli.enable_server_certificate_verification(true);
    cli.set_basic_auth("prometheus", "scrape-me");
    cli.set_connection_timeout(2, 0);
    auto r = cli.Get("/readyz");
    return r && r->status == 200;
  };
  ASSERT_TRUE(WaitFor(seconds(60),
                      [&] {
                        return !alive() ||
                               (ready(am_port, "/-/ready") && ready(prom_port, "/-/ready") && slamon_ready());
                      }) &&
              alive())
      << "the stack did not come up within 60 s" << logs();
  EXPECT_EQ(slamon.port(), slamon_port);
  ASSERT_TRUE(WaitFor(seconds(60), [&] { return Scalar(prom_port, "up{job=\"slamon\"}") == 1.0; }))
      << "Prometheus never scraped slamon" << logs();
  {
    // The scrape above went through TLS and basic auth: without the password only /healthz answers.
    httplib::SSLClient anonymous("127.0.0.1", slamon_port);
    anonymous.set_ca_cert_path(certs.ca_cert.c_str());
    anonymous.enable_server_certificate_verification(true);
    auto metrics = anonymous.Get("/metrics");
    EXPECT_TRUE(metrics && metrics->status == 401);
    auto health = anonymous.Get("/healthz");
    EXPECT_TRUE(health && health->status == 200);
  }
  ASSERT_TRUE(WaitFor(seconds(60), [&] {
    // Prometheus knows the Alertmanager (its notifier is wired).
    auto r = Get(prom_port, "/api/v1/alertmanagers");
    return r && r->body.find("127.0.0.1:" + std::to_string(am_port)) != std::string::npos;
  })) << logs();
  const double startup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  std::printf("[e2e] stack up in %.1f s (slamon :%d, prometheus :%d, alertmanager :%d, webhooks :%d)\n", startup_s,
              slamon_port, prom_port, am_port, receiver.port());

  // --- 1. Two tier-A accounts; maria.garcia's ticket is answered at once, li.wei's is not.
  const std::string id = UniqueName("ev");
  const int64_t now = NowSeconds();
  auto event = [&](const std::string& n, const std::string& type, int64_t at, const std::string& account,
                   const std::string& payload) {
    return std::make_pair(account, EventJson(id + "-" + n, type, at, account, "," + payload));
  };
  ProduceRaw(
      brokers_, topic,
      {
          event("a1", "account.upserted", now - 120, "acct-li",
                R"("name":"Li Industries","tier":"A","owner":"li.wei","owner_email":"li.wei@example.com")"),
          // An owner without a route of their own in config/alertmanager.yml.
          event("a3", "account.upserted", now - 120, "acct-wang",
                R"("name":"Wang Trading","tier":"A","owner":"wang.fang","owner_email":"wang.fang@example.com")"),
          event("a2", "account.upserted", now - 120, "acct-maria",
                R"("name":"Garcia Foods","tier":"A","owner":"maria.garcia")"),
          event("m1", "ticket.opened", now - 6, "acct-maria", R"("ticket_id":"M-1","priority":"high")"),
          event("m2", "ticket.replied", now - 4, "acct-maria", R"("ticket_id":"M-1","author":"agent","public":true)"),
          event("m3", "survey.answered", now - 2, "acct-maria", R"("ticket_id":"M-1","score":5)"),
          // Key-account data for the Key accounts board: an NPS answer and an order.
          event("m4", "survey.answered", now - 2, "acct-maria", R"("ticket_id":"M-1","score":9,"kind":"nps")"),
          event("m5", "order.placed", now - 3, "acct-maria", R"("order_id":"O-1","amount":25000)"),
      });
  if (HasFatalFailure()) return;
  const int64_t opened_at = NowSeconds();
  ProduceRaw(brokers_, topic,
             {event("l1", "ticket.opened", opened_at, "acct-li", R"("ticket_id":"L-1","priority":"high")"),
              event("w1", "ticket.opened", opened_at, "acct-wang", R"("ticket_id":"W-1","priority":"high")")});
  if (HasFatalFailure()) return;
  const double breach_at = static_cast<double>(opened_at + kTargetSeconds);
  std::printf(
      "[e2e] tickets L-1 of acct-li and W-1 of acct-wang opened at %s; first-response target %d s -> breach at "
      "%s\n",
      events::FormatRfc3339(opened_at).c_str(), kTargetSeconds,
      events::FormatRfc3339(opened_at + kTargetSeconds).c_str());

  // The ticket is running, not breached yet, and visible to Prometheus before the breach.
  ASSERT_TRUE(
      WaitFor(seconds(30),
              [&] { return Scalar(prom_port, "sum(slamon_sla_open{tier=\"A\",metric=\"first_response\"})") == 2.0; }))
      << "slamon never reported the running first-response clocks of L-1 and W-1" << logs();

  std::optional<Notified> page;
  const bool paged = WaitFor(seconds(90), [&] {
    for (const auto& n : receiver.Alerts()) {
      if (n.path == "/hook/li.wei" && n.status == "firing" && IsBreachPage(n, "li.wei")) {
        page = n;
        return true;
      }
    }
    return !alive();
  });
  ASSERT_TRUE(paged && page) << "li.wei was not paged within 90 s of opening L-1" << logs();
  EXPECT_EQ(page->labels["tier"], "A");
  EXPECT_EQ(page->labels["account_owner"], "li.wei");
  EXPECT_EQ(page->labels["account_owner_email"], "li.wei@example.com");
  EXPECT_EQ(page->labels["severity"], "page");
  const double page_latency = SecondsSinceEpoch(page->at) - breach_at;
  std::printf("[e2e] li.wei paged (SlamonFirstResponseBreached firing, tier=A): breach-to-page latency %.2f s\n",
              page_latency);
  // A page before breach_at would mean a wrong clock, not a fast pipeline.
  EXPECT_GE(page_latency, 0.0) << "paged before the target was breached";

  // wang.fang, without a route of their own: the templated receiver, by WeCom
  // to the WeCom user named by account_owner, by mail to account_owner_email.
  std::string wecom_body;
  ASSERT_TRUE(WaitFor(seconds(60),
                      [&] {
                        for (const auto& m : receiver.wecom()) {
                          if (m.body.find("\"touser\":\"wang.fang\"") != std::string::npos &&
                              m.body.find("SlamonFirstResponseBreached") != std::string::npos) {
                            wecom_body = m.body;
                            return true;
                          }
                        }
                        return !alive();
                      }))
      << "no WeCom message to wang.fang within 60 s" << logs();
  EXPECT_NE(wecom_body.find("\"agentid\":\"1000002\""), std::string::npos) << wecom_body;
  std::vector<std::string> wang_receivers;
  std::map<std::string, std::string> wang_labels;
  ASSERT_TRUE(WaitFor(seconds(30),
                      [&] {
                        auto r = Get(am_port, "/api/v2/alerts?filter=alertname%3D%22SlamonFirstResponseBreached%22");
                        if (!r || r->status != 200) return false;
                        simdjson::dom::parser parser;
                        simdjson::dom::array alerts;
                        if (parser.parse(r->body).get(alerts) != simdjson::SUCCESS) return false;
                        for (auto alert : alerts) {
                          std::string_view owner;
                          if (alert["labels"]["account_owner"].get(owner) != simdjson::SUCCESS || owner != "wang.fang")
                            continue;
                          simdjson::dom::object labels;
                          if (alert["labels"].get(labels) == simdjson::SUCCESS) {
                            for (auto field : labels) {
                              std::string_view v;
                              if (field.value.get(v) == simdjson::SUCCESS)
                                wang_labels[std::string(field.key)] = std::string(v);
                            }
                          }
                          simdjson::dom::array receivers;
                          if (alert["receivers"].get(receivers) != simdjson::SUCCESS) return false;
                          for (auto rcv : receivers) {
                            std::string_view name;
                            if (rcv["name"].get(name) == simdjson::SUCCESS) wang_receivers.emplace_back(name);
                          }
                          return true;
                        }
                        return false;
                      }))
      << "Alertmanager holds no SlamonFirstResponseBreached for wang.fang" << logs();
  EXPECT_EQ(wang_receivers, std::vector<std::string>{"owner"});
  EXPECT_EQ(wang_labels["account_owner_email"], "wang.fang@example.com");
  EXPECT_EQ(wang_labels["tier"], "A");
  std::printf("[e2e] wang.fang paged through the templated receiver (WeCom touser wang.fang, mail to %s)\n",
              wang_labels["account_owner_email"].c_str());

  // While the breach fires, the per-owner views have data (they are on the
  // may-be-empty list only for after the reply).
  EXPECT_EQ(Scalar(prom_port,
                   "sum(slamon_sla_open_by_owner{metric=\"first_response\",level=\"breached\","
                   "account_owner=\"li.wei\",tier=\"A\"})"),
            1.0);
  EXPECT_GT(
      Scalar(prom_port, "time() - (slamon_oldest_unanswered_ticket_timestamp_seconds{tier=\"A\"} > 0)").value_or(-1),
      static_cast<double>(kTargetSeconds - 1));
  EXPECT_GE(Scalar(prom_port, "sum(slamon_sla_breaches_total{tier=\"A\",metric=\"first_response\"})").value_or(0), 1.0);
  std::map<std::string, size_t> during_breach;  // panel/ref -> series while firing
  std::string check_output;
  const std::vector<DashboardExpr> exprs = DashboardExprs(&check_output);
  ASSERT_FALSE(exprs.empty()) << check_output;
  for (const auto& e : exprs)
    during_breach[e.dashboard + "/" + e.panel + "/" + e.ref] = Query(prom_port, e.expr).series;

  // --- 2. The agent replies: the page resolves.
  const int64_t replied_at = NowSeconds();
  ProduceRaw(
      brokers_, topic,
      {event("l2", "ticket.replied", replied_at, "acct-li", R"("ticket_id":"L-1","author":"agent","public":true)"),
       event("w2", "ticket.replied", replied_at, "acct-wang", R"("ticket_id":"W-1","author":"agent","public":true)")});
  if (HasFatalFailure()) return;
  std::optional<Notified> resolved;
  const bool got_resolved = WaitFor(seconds(90), [&] {
    for (const auto& n : receiver.Alerts()) {
      if (n.path == "/hook/li.wei" && n.status == "resolved" && IsBreachPage(n, "li.wei")) {
        resolved = n;
        return true;
      }
    }
    return !alive();
  });
  ASSERT_TRUE(got_resolved && resolved) << "li.wei's page did not resolve within 90 s of the reply" << logs();
  EXPECT_EQ(resolved->labels["tier"], "A");
  std::printf("[e2e] li.wei told resolved: reply-to-resolved latency %.2f s\n",
              SecondsSinceEpoch(resolved->at) - static_cast<double>(replied_at));

  // Routing: the breach page reached li.wei only; maria.garcia never got it.
  for (auto& n : receiver.Alerts()) {
    if (n.labels["alertname"] != "SlamonFirstResponseBreached") continue;
    EXPECT_EQ(n.path, "/hook/li.wei") << "breach alert delivered to " << n.path;
    EXPECT_NE(n.labels["account_owner"], "maria.garcia") << "maria.garcia's answered ticket paged her";
  }
  for (const auto& h : receiver.hooks()) {
    if (h.path != "/hook/maria.garcia") continue;
    EXPECT_EQ(h.body.find("SlamonFirstResponseBreached"), std::string::npos) << "maria.garcia received: " << h.body;
  }
  EXPECT_EQ(Scalar(prom_port, "sum(slamon_sla_completed_total{tier=\"A\",metric=\"first_response\",outcome=\"met\"})"),
            1.0)
      << "maria.garcia's answered ticket should count as met";
  EXPECT_EQ(
      Scalar(prom_port, "sum(slamon_sla_completed_total{tier=\"A\",metric=\"first_response\",outcome=\"breached\"})"),
      2.0)
      << "the late replies of li.wei's and wang.fang's tickets should count as breached";
  // wang.fang's page never went to a webhook (the per-owner routes, default).
  for (const auto& h : receiver.hooks()) {
    EXPECT_EQ(h.body.find("wang.fang"), std::string::npos) << h.path << " received: " << h.body;
  }

  // --- 3. Every dashboard expression against this Prometheus.
  // Health (CSAT) is refreshed every 15 s: wait until maria.garcia's survey shows.
  EXPECT_TRUE(WaitFor(seconds(45),
                      [&] { return Scalar(prom_port, "slamon_csat_percent{tier=\"A\",window=\"30d\"}").has_value(); }))
      << "slamon_csat_percent{tier=\"A\"} never appeared after a survey answer" << logs();
  size_t with_data = 0, allowed_empty = 0, failed = 0;
  for (const auto& e : exprs) {
    const std::string key = e.dashboard + "/" + e.panel + "/" + e.ref;
    QueryResult r = Query(prom_port, e.expr);
    if (!r.ok) {
      ++failed;
      ADD_FAILURE() << "query failed: " << key << "\n  " << e.expr << "\n  " << r.error;
      continue;
    }
    if (r.series > 0) {
      ++with_data;
      continue;
    }
    auto allowed = MayBeEmptyAfterResolution().find(e.panel);
    if (allowed != MayBeEmptyAfterResolution().end()) {
      ++allowed_empty;
      std::printf("[e2e]   empty (allowed: %s; %zu series while the breach fired): %s\n", allowed->second.c_str(),
                  during_breach[key], key.c_str());
    } else {
      ADD_FAILURE() << "dashboard query returned no data: " << key << "\n  " << e.expr << "\n  " << r.raw;
    }
  }
  std::printf("[e2e] dashboard expressions: %zu evaluated, %zu with data, %zu empty (allow-listed), %zu failed\n",
              exprs.size(), with_data, allowed_empty, failed);
  // The per-owner SLA views must have shown li.wei's breach while it fired.
  for (const auto& [key, n] : during_breach) {
    if (key.find("/Owners with breached or at-risk tickets/") != std::string::npos ||
        key.find("/Oldest unanswered ticket age/") != std::string::npos) {
      EXPECT_GT(n, 0u) << key << " was empty while li.wei's breach fired";
    }
  }

  // Cardinality: the fixed label sets plus the per-owner series.
  constexpr int kTiers = 4;       // A, B, C, unknown (always exported; the policy names only A)
  constexpr int kPriorities = 4;  // urgent, high, normal, low
  constexpr int kMetrics = 4;     // assignment, first_response, next_response, resolution
  constexpr int kGroups = 1;      // after_sales (group_targets)
  constexpr int kSlaLevels = 3;   // ok, warning, breached
  constexpr int kOwners = 3;      // li.wei, maria.garcia, wang.fang
  constexpr int kPolicies = 1;
  constexpr int kFirstResponseBuckets = 11 + 1;  // default bounds + the 20 s target, +Inf on top
  constexpr int kHealthLevels = 4;               // healthy, watch, at_risk, churned
  constexpr int kEventTypes = 10, kRejectReasons = 7, kAppendBuckets = 12, kPartitions = 1;
  // Key accounts: churn reasons and ticket categories of the default config plus "other",
  // RFM scores (r: 1-5 and none, f and m: 1-5), resolution buckets like first response.
  constexpr int kChurnReasons = 4 + 1, kCategories = 5 + 1, kRfmScores = 6 + 5 + 5;
  constexpr int kResolutionBuckets = kFirstResponseBuckets;
  constexpr int kBound = kTiers * kPriorities * kMetrics * kSlaLevels  // slamon_sla_open
                         + kTiers * kMetrics * 2 * kOwners             // slamon_sla_open_by_owner (warning, breached)
                         + kTiers * kMetrics                           // slamon_sla_breaches_total
                         + kTiers * kMetrics * 2                       // slamon_sla_completed_total
                         + kTiers * (kFirstResponseBuckets + 1 + 2)    // first-response histogram (+Inf, sum, count)
                         + kPolicies * kMetrics                        // slamon_sla_target_seconds
                         + kTiers                                      // oldest unanswered
                         + kTiers * kOwners * 2                        // slamon_csat_responses_total
                         + kTiers                                      // slamon_csat_percent
                         + kTiers * kHealthLevels                      // slamon_accounts
                         + kTiers * kOwners                            // slamon_accounts_at_risk
                         + 1 + kTiers                                  // slamon_churn_rate_percent (total, per tier)
                         + kTiers * kOwners                            // slamon_accounts_followup_overdue
                         + kTiers * 2                                  // slamon_nps, slamon_csat_score_mean
                         + 2                                           // slamon_label_overflow_total{label}
                         + kTiers * kChurnReasons                      // slamon_accounts_churned_total
                         + kTiers                                      // slamon_account_value
                         + kTiers * kRfmScores                         // slamon_accounts_rfm
                         + kCategories * (kResolutionBuckets + 1 + 2)  // resolution histogram (+Inf, sum, count)
                         + kEventTypes + kRejectReasons + 1            // ingested, rejected, duplicates
                         + (kAppendBuckets + 1 + 2)                    // slamon_store_append_seconds
                         + 4                                           // store_events, last_event, replay, build_info
                         + kPartitions                                 // slamon_kafka_consumer_lag
                         + kGroups * kSlaLevels                        // slamon_sla_open_by_group
                         + 1;                                          // slamon_sla_unknown_calendar_total
  const auto series = Scalar(prom_port, "count({__name__=~\"slamon_.*\"})");
  ASSERT_TRUE(series.has_value());
  std::printf("[e2e] slamon_* series: %.0f (bound %d from the fixed label sets + %d owners)\n", *series, kBound,
              kOwners);
  EXPECT_LE(*series, kBound);
  EXPECT_EQ(Scalar(prom_port, "count(slamon_sla_open)"), kTiers * kPriorities * kMetrics * kSlaLevels)
      << "every tier x priority x metric x level combination must be present";

  // --- Shut down: slamon stops cleanly; the servers go with SIGTERM.
  slamon.Signal(SIGTERM);
  EXPECT_EQ(slamon.Wait(seconds(30)), 0) << Tail(dir.Sub("slamon.log"));
  prometheus.Signal(SIGTERM);
  alertmanager.Signal(SIGTERM);
  EXPECT_TRUE(prometheus.Wait(seconds(30)).has_value());
  EXPECT_TRUE(alertmanager.Wait(seconds(30)).has_value());
  std::printf("[e2e] total %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count());
}

}  // namespace
}  // namespace slamon::testing
