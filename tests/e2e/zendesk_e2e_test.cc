// End to end from Zendesk to a paged owner, every piece real and on 127.0.0.1:
//   signed Zendesk webhooks -> `slamon bridge` -> Kafka (SLAMON_TEST_BROKERS)
//   -> `slamon run` -> Prometheus (the project's dashboards/rules/*.yml) ->
//   Alertmanager -> a webhook sink inside this test.
// No account import: the organization's webhooks alone make it a tier-A
// account (the tag tier_a) owned by li.wei (the "Account manager" lookup
// field holds Zendesk user 9007001, which `owners` names li.wei) with li.wei's
// address (a text field). A ticket of that organization then gets no reply:
// the first-response breach must reach the sink with li.wei and the address.
// The second test proves the same page when the account master data comes
// from a Jiandaoyun customer form instead of the organization's webhooks.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/bridge/mapping_util.h"
#include "events/codec.h"
#include "tests/e2e/e2e_util.h"
#include "tests/support/files.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/webhook_fixtures.h"

namespace slamon::testing {
namespace {

using std::chrono::seconds;

constexpr int kTargetSeconds = 20;  // tier-A first_response target
constexpr const char* kOrg = "8447346622462";

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool WaitFor(seconds timeout, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

int GetStatus(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  auto res = cli.Get(path.c_str());
  return res ? res->status : 0;
}

/// Alertmanager's webhook target: keeps every alert of every notification.
class AlertSink {
 public:
  AlertSink() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      auto body = nlohmann::json::parse(req.body, nullptr, false);
      std::lock_guard<std::mutex> lock(mu_);
      if (body.is_object() && body["alerts"].is_array()) {
        for (const auto& a : body["alerts"]) alerts_.push_back(a);
      }
      res.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~AlertSink() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int Port() const { return port_; }
  std::vector<nlohmann::json> Alerts() {
    std::lock_guard<std::mutex> lock(mu_);
    return alerts_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<nlohmann::json> alerts_;
};

/// A Zendesk event-subscription delivery of `type` at `at`, signed now as Zendesk signs.
int PostZendesk(int port, const std::string& id, const std::string& type, int64_t at, const nlohmann::json& detail,
                const nlohmann::json& event) {
  const nlohmann::json body = {{"type", "zen:event-type:" + type},
                               {"account_id", 22129848},
                               {"id", id},
                               {"time", events::FormatRfc3339(at)},
                               {"zendesk_event_version", "2022-06-20"},
                               {"detail", detail},
                               {"event", event}};
  const std::string text = body.dump();
  const std::string ts = events::FormatRfc3339(std::time(nullptr));
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(30, 0);
  httplib::Headers headers = {
      {"X-Zendesk-Webhook-Signature-Timestamp", ts},
      {"X-Zendesk-Webhook-Signature", bridge::Base64Encode(bridge::HmacSha256(kZendeskSecret, ts + text))}};
  auto res = cli.Post("/webhooks/zendesk", headers, text, "application/json");
  return res ? res->status : 0;
}

/// The page a scenario must bring to the sink, and the account slamon must hold.
struct Expected {
  std::string account;
  std::string owner;
  std::string owner_email;
};

/// Brings up Alertmanager (routing to `sink`), `slamon run` with a 24x7 tier-A
/// first-response target of kTargetSeconds, `slamon bridge` with `sources`
/// (the text under `sources:`) and Prometheus on the project's rules; `feed`
/// then POSTs the webhooks to the bridge's port and returns when the ticket
/// opened. Waits for the first-response page and checks it carries tier A,
/// the owner and the e-mail, and that slamon's account card agrees.
void PagedOnABreach(const std::string& sources, const std::function<int64_t(int)>& feed, const Expected& want) {
  const std::string brokers = TestBrokers();
  if (brokers.empty()) GTEST_SKIP() << "SLAMON_TEST_BROKERS is not set: start a broker with scripts/kafka start";
  const std::string prometheus_bin = Which("prometheus");
  std::string alertmanager_bin = Which("prometheus-alertmanager");
  if (alertmanager_bin.empty()) alertmanager_bin = Which("alertmanager");
  ASSERT_FALSE(prometheus_bin.empty()) << "prometheus not on PATH (scripts/setup installs it)";
  ASSERT_FALSE(alertmanager_bin.empty()) << "prometheus-alertmanager not on PATH (scripts/setup installs it)";
  const auto t_start = std::chrono::steady_clock::now();
  TempDir dir;  // first: removed after every process below is gone
  AlertSink sink;
  ASSERT_GT(sink.Port(), 0);

  const int am_port = FreePort(), slamon_port = FreePort(), prom_port = FreePort(), bridge_port = FreePort();
  WriteFile(dir.Sub("alertmanager.yml"),
            "route:\n  receiver: sink\n  group_by: [alertname, account_owner]\n  group_wait: 1s\n"
            "  group_interval: 1s\n  repeat_interval: 1h\n"
            "receivers:\n  - name: sink\n    webhook_configs:\n      - url: http://127.0.0.1:" +
                std::to_string(sink.Port()) + "/hook\n");
  Process alertmanager(
      {alertmanager_bin, "--config.file=" + dir.Sub("alertmanager.yml"), "--storage.path=" + dir.Sub("am-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="},
      dir.Sub("alertmanager.log"));

  const std::string topic = UniqueName("zendesk-e2e");
  CreateTopic(brokers, topic, 1);
  WriteFile(dir.Sub("slamon.yaml"),
            "store:\n  path: " + dir.Sub("store") + "\nkafka:\n  brokers: \"" + brokers + "\"\n  topics: [" + topic +
                "]\n  group_id: " + UniqueName("zendesk-e2e") +
                "\n  batch_max_wait_ms: 50\nhttp:\n  listen: 127.0.0.1:" + std::to_string(slamon_port) +
                "\npolicies:\n  - name: tier-a\n    match: {tier: [A]}\n"
                "    calendar: 24x7\n    targets: {first_response: " +
                std::to_string(kTargetSeconds) + "s}\n");
  Process slamon({SLAMON_BINARY, "run", "--config", dir.Sub("slamon.yaml")}, dir.Sub("slamon.log"));

  WriteFile(dir.Sub("bridge.yaml"), "http:\n  listen: 127.0.0.1:" + std::to_string(bridge_port) +
                                        "\nkafka:\n  brokers: \"" + brokers + "\"\n  topic: " + topic + "\nsources:\n" +
                                        sources);
  Process bridge({SLAMON_BINARY, "bridge", "--config", dir.Sub("bridge.yaml")}, dir.Sub("bridge.log"));

  WriteFile(dir.Sub("prometheus.yml"),
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
            "rule_files:\n  - " +
                std::string(SLAMON_SOURCE_DIR) +
                "/dashboards/rules/*.yml\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: "
                "['127.0.0.1:" +
                std::to_string(am_port) +
                "']\nscrape_configs:\n  - job_name: slamon\n    static_configs:\n      - targets: ['127.0.0.1:" +
                std::to_string(slamon_port) + "']\n");
  Process prometheus(
      {prometheus_bin, "--config.file=" + dir.Sub("prometheus.yml"), "--storage.tsdb.path=" + dir.Sub("prom-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
      dir.Sub("prometheus.log"));

  auto logs = [&] {
    return "\n--- slamon.log\n" + Tail(dir.Sub("slamon.log")) + "\n--- bridge.log\n" + Tail(dir.Sub("bridge.log")) +
           "\n--- prometheus.log\n" + Tail(dir.Sub("prometheus.log")) + "\n--- alertmanager.log\n" +
           Tail(dir.Sub("alertmanager.log"));
  };
  auto alive = [&] { return slamon.Running() && bridge.Running() && prometheus.Running() && alertmanager.Running(); };
  ASSERT_TRUE(WaitFor(seconds(60),
                      [&] {
                        return !alive() ||
                               (GetStatus(am_port, "/-/ready") == 200 && GetStatus(prom_port, "/-/ready") == 200 &&
                                GetStatus(slamon_port, "/readyz") == 200 && GetStatus(bridge_port, "/readyz") == 200);
                      }) &&
              alive())
      << "the stack did not come up within 60 s" << logs();

  const int64_t opened_at = feed(bridge_port);
  std::printf("[e2e] ticket of account %s opened at %s; tier-A target %d s\n", want.account.c_str(),
              events::FormatRfc3339(opened_at).c_str(), kTargetSeconds);

  nlohmann::json page;
  const bool paged = WaitFor(seconds(90), [&] {
    for (const auto& a : sink.Alerts()) {
      if (a["labels"].value("alertname", "") == "SlamonFirstResponseBreached" && a.value("status", "") == "firing") {
        page = a;
        return true;
      }
    }
    return !alive();
  });
  ASSERT_TRUE(paged) << "no first-response breach reached the sink within 90 s" << logs();
  EXPECT_EQ(page["labels"].value("account_owner", ""), want.owner) << page.dump();
  EXPECT_EQ(page["labels"].value("account_owner_email", ""), want.owner_email) << page.dump();
  EXPECT_EQ(page["labels"].value("tier", ""), "A") << page.dump();
  const double latency = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
                         static_cast<double>(opened_at + kTargetSeconds);
  EXPECT_GE(latency, 0.0) << "paged before the target passed";
  std::printf("[e2e] %s paged (tier A, %s) %.1f s after the breach\n", want.owner.c_str(), want.owner_email.c_str(),
              latency);

  // The account as slamon holds it: every field came from the webhooks.
  httplib::Client api("127.0.0.1", slamon_port);
  auto card = api.Get("/api/v1/accounts/" + want.account);
  ASSERT_TRUE(card && card->status == 200) << (card ? card->body : "no answer");
  const auto account = nlohmann::json::parse(card->body, nullptr, false);
  ASSERT_TRUE(account.is_object()) << card->body;
  EXPECT_EQ(account.value("tier", ""), "A") << card->body;
  EXPECT_EQ(account.value("owner", ""), want.owner) << card->body;

  for (Process* p : {&bridge, &slamon}) {
    p->Signal(SIGTERM);
    EXPECT_EQ(p->Wait(seconds(30)), 0) << logs();
  }
  prometheus.Signal(SIGTERM);
  alertmanager.Signal(SIGTERM);
  EXPECT_TRUE(prometheus.Wait(seconds(30)).has_value());
  EXPECT_TRUE(alertmanager.Wait(seconds(30)).has_value());
  std::printf("[e2e] total %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count());
}

/// A new HIGH ticket of Zendesk organization `org`, no reply; when it opened.
int64_t OpenZendeskTicket(int port, const std::string& run, const std::string& org) {
  const int64_t opened_at = std::time(nullptr);
  const nlohmann::json ticket = {{"id", "35436"},   {"organization_id", org}, {"priority", "HIGH"},
                                 {"status", "NEW"}, {"requester_id", "9001"}, {"via", {{"channel", "web_form"}}}};
  EXPECT_EQ(PostZendesk(port, run + "-t1", "ticket.created", opened_at, ticket, nlohmann::json::object()), 200);
  return opened_at;
}

TEST(ZendeskE2eTest, OrganizationWebhooksMakeTheOwnerPagedOnABreach) {
  // Exactly the organization keys a Zendesk shop writes (helpdesks.md).
  const std::string sources = std::string("  zendesk:\n    kind: zendesk\n    secret: ") + kZendeskSecret +
                              "\n    organization_tags: {tier_a: {tier: A}, tier_b: {tier: B}}\n"
                              "    organization_fields: {\"360001234567\": owner, "
                              "\"Account manager email\": owner_email}\n"
                              "    owners: {\"9007001\": li.wei}\n";
  PagedOnABreach(
      sources,
      [](int port) {
        // The organization, from its webhooks alone, a minute before the ticket.
        const int64_t now = std::time(nullptr);
        const std::string run = UniqueName("e2e");
        const nlohmann::json org = {
            {"id", kOrg}, {"name", "Acme Corp"}, {"created_at", events::FormatRfc3339(now - 60)}};
        auto field = [](const char* id, const char* title, const nlohmann::json& value) {
          return nlohmann::json{{"current", value},
                                {"custom_field", {{"id", id}, {"title", title}, {"type", "text"}}},
                                {"previous", nullptr}};
        };
        EXPECT_EQ(PostZendesk(port, run + "-o1", "organization.created", now - 60, org, nlohmann::json::object()), 200);
        EXPECT_EQ(PostZendesk(port, run + "-o2", "organization.tags_changed", now - 59, org,
                              {{"added", {{"tags", {"tier_a"}}}}, {"removed", {{"tags", nlohmann::json::array()}}}}),
                  200);
        EXPECT_EQ(PostZendesk(port, run + "-o3", "organization.custom_field_changed", now - 58, org,
                              field("360001234567", "Account manager", {{"id", "9007001"}})),
                  200);
        EXPECT_EQ(PostZendesk(port, run + "-o4", "organization.custom_field_changed", now - 57, org,
                              field("360001234568", "Account manager email", "li.wei@example.com")),
                  200);
        return OpenZendeskTicket(port, run, kOrg);
      },
      {kOrg, "li.wei", "li.wei@example.com"});
}

// The same page with the account master data kept in a Jiandaoyun customer
// form (客户, `form: accounts`): its push sets tier A (战略客户), the owner
// (a member widget: li.wei) and the owner's e-mail (a text widget); the
// tickets still come from Zendesk, whose organization 8447346622462 the
// `organizations` map names acme, the customer code in the form.
TEST(ZendeskE2eTest, JiandaoyunCustomerFormMakesTheOwnerPagedOnABreach) {
  TempDir dir;
  std::string customer = ReadFile(FixtureFiles("jiandaoyun-accounts").at(0));
  const std::string code = "\"huadong-precision\"";
  ASSERT_NE(customer.find(code), std::string::npos);
  customer.replace(customer.find(code), code.size(), "\"acme\"");
  const std::string push = dir.Sub("data-push_01_customer_acme.json");
  WriteFile(push, customer);
  PagedOnABreach(FixtureSourcesSection(),
                 [&](int port) {
                   const auto res = PostWebhook(port, "/webhooks/jiandaoyun-accounts",
                                                SignedRequest("jiandaoyun-accounts", push), seconds(30));
                   EXPECT_EQ(res.status, 200) << res.head << res.body;
                   return OpenZendeskTicket(port, UniqueName("e2e-jdy"), kOrg);
                 },
                 {"acme", "li.wei", "li.wei@example.com"});
}

}  // namespace
}  // namespace slamon::testing
