// Config reload: what counts as a change and which changes apply live, the
// reload itself against a real store and projection host (a new policy
// version effective at the reload instant, tickets re-judged, an invalid file
// keeping the running config, the slamon_config_* gauges), and the POST route
// of the HTTP server that serves /-/reload.
#include "daemon/host/config_reload.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/config/daemon_fields.h"
#include "daemon/host/projection_host.h"
#include "daemon/http/http_server.h"
#include "events/codec.h"
#include "events/common/logging.h"
#include "events/store/event_store.h"
#include "events/store/policy_log.h"
#include "projections/policy_history.h"
#include "tests/support/event_json.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBase = "kafka: {brokers: 127.0.0.1:9092, topics: [t]}\nstore: {path: STORE}\n";
constexpr const char* kPolicy4h = "policies:\n  - name: std\n    targets: {first_response: 4h}\n";
constexpr const char* kPolicy1h = "policies:\n  - name: std\n    targets: {first_response: 1h}\n";

class ConfigReloadTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string body = text;
    if (auto at = body.find("STORE"); at != std::string::npos) body.replace(at, 5, dir_.Sub("store"));
    std::ofstream(path_) << body;
    return path_;
  }
  DaemonConfig Load(const std::string& text) { return LoadDaemonConfig(Write(text)); }
  double Gauge(const std::string& name) const {
    for (const auto& family : registry_.Collect()) {
      if (family.name == name && !family.metric.empty()) return family.metric.front().gauge.value;
    }
    ADD_FAILURE() << "no gauge " << name;
    return -1;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.Sub("slamon.yaml");
  prometheus::Registry registry_;
};

TEST_F(ConfigReloadTest, LayoutAndDefaultsWrittenOutAreNoChange) {
  const DaemonConfig a = Load(std::string(kBase) + kPolicy4h);
  const DaemonConfig b = Load(
      "# the same, written differently\npolicies:\n  - targets: {first_response: \"4h\"}\n    name: std\n"
      "store: {path: STORE, sync: true}\nkafka: {topics: [t], brokers: 127.0.0.1:9092, group_id: slamon}\n"
      "log: {level: info}\nreadiness: {max_lag: 1000}\n");
  const ConfigChanges c = DiffConfigs(a, b);
  EXPECT_FALSE(c.policy);
  EXPECT_TRUE(c.empty()) << c.live.size() << " live, " << c.restart_only.size() << " restart-only";
}

TEST_F(ConfigReloadTest, ClassifiesLiveAndRestartOnlySettings) {
  const DaemonConfig a = Load(std::string(kBase) + kPolicy4h);
  const DaemonConfig b = Load(
      "kafka: {brokers: 10.0.0.1:9092, topics: [t, u], group_id: other, properties: {client.rack: r1}}\n"
      "store: {path: /elsewhere}\nhttp: {listen: 127.0.0.1:9999}\nlog: {level: debug}\n"
      "snapshots: {keep: 5}\n" +
      std::string(kPolicy1h));
  const ConfigChanges c = DiffConfigs(a, b);
  EXPECT_TRUE(c.policy);
  EXPECT_EQ(c.live, (std::vector<std::string>{"policy", "log.level"}));
  EXPECT_EQ(c.restart_only, (std::vector<std::string>{"store.path", "kafka.brokers", "kafka.topics", "kafka.group_id",
                                                      "kafka.properties", "http.listen", "snapshots.keep"}));
  // Every setting outside the policy is compared by its row, so none is
  // forgotten: the ones a hand-kept list once missed are reported too.
  const DaemonConfig c2 = Load(std::string(kBase) + kPolicy4h +
                               "backup: {dir: /b, keep: 2}\nlog: {format: json}\ngenerator: {rate: 7}\n"
                               "http: {web_config_file: web.yml, basic_auth: {user: u, password: p}}\n");
  EXPECT_EQ(DiffConfigs(a, c2).restart_only,
            (std::vector<std::string>{"http.web_config_file", "http.basic_auth.user", "http.basic_auth.password",
                                      "generator.rate", "backup.dir", "backup.keep", "log.format"}));
  // A value section is part of the policy too.
  EXPECT_TRUE(DiffConfigs(a, Load(std::string(kBase) + kPolicy4h + "value: {currency: EUR}\n")).policy);
}

// What a reload applies is what the table marks live, and nothing else.
TEST_F(ConfigReloadTest, LiveSettingsAreTheRowsMarkedLive) {
  std::vector<std::string> live;
  for (const auto& table : DaemonSchema().tables()) {
    for (const auto& field : table.fields()) {
      if (field.info.apply == config::Apply::kLive) live.push_back(table.name() + "." + field.info.key);
    }
  }
  EXPECT_EQ(live, (std::vector<std::string>{"log.level"}));
}

TEST_F(ConfigReloadTest, CheckedConfigRejectsWhatRunRejects) {
  auto error_of = [this](const std::string& text) -> std::string {
    try {
      LoadCheckedConfig(Write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of(std::string(kBase) + kPolicy4h), "");
  EXPECT_EQ(error_of(std::string(kBase) + "policies:\n  - name: a\n    calendar: nope\n"),
            path_ + ":5: policies[0].calendar: unknown calendar 'nope'");
  const std::string bad_signal = error_of(std::string(kBase) + "health: {weights: {mood: 1}}\n");
  EXPECT_EQ(bad_signal.rfind(path_ + ":3: health.weights.mood: unknown signal 'mood'", 0), 0u) << bad_signal;
  const std::string bad_property =
      error_of("kafka: {brokers: 127.0.0.1:9092, topics: [t], properties: {no.such.property: 1}}\n");
  EXPECT_EQ(bad_property.rfind(path_ + ":1: kafka.properties.no.such.property: ", 0), 0u) << bad_property;
  EXPECT_EQ(error_of("kafka: {brokers: 127.0.0.1:9092, topics: [t]}\nhttp: {listen: nowhere}\n"),
            path_ + ":2: http.listen: \"nowhere\" is not host:port");
  // The projections' sections report in the same shape, --set values included.
  try {
    LoadCheckedConfig(Write(std::string(kBase) + kPolicy4h), {"health.weights.csat=-1"});
    ADD_FAILURE() << "accepted a negative weight";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "--set:1: health.weights.csat: weight must be >= 0, got -1");
  }
  // The daemon's and the projections' problems together, each once.
  EXPECT_EQ(error_of(std::string(kBase) + "http: {max_connections: 0}\npolicies:\n  - name: a\n    calendar: nope\n"),
            path_ + ":3: http.max_connections: must be 1..100000\n" + path_ +
                ":6: policies[0].calendar: unknown calendar 'nope'");
}

// The running daemon's pieces: a store with one ticket opened two hours
// before `now_` and not answered, the policy version recorded at start, and
// a projection host replayed from the store.
class ReloaderWithStoreTest : public ConfigReloadTest {
 protected:
  void SetUp() override {
    auto opened = events::EventStore::Open({.path = dir_.Sub("store"), .sync = false});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = opened.take();
    events::Decoder decoder;
    std::vector<events::BatchItem> batch;
    int64_t offset = 0;
    for (const std::string& raw :
         {Event("e-1", "account.upserted", now_ - 86400, R"(,"name":"Acme","tier":"A","owner":"ana")"),
          Event("e-2", "ticket.opened", now_ - 7200, R"(,"ticket_id":"T-1","priority":"high")")}) {
      events::BatchItem item;
      item.pos = {"t", 0, offset++};
      item.event = std::get<events::Event>(decoder.Decode(raw));
      batch.push_back(std::move(item));
    }
    events::AppendResult appended;
    ASSERT_TRUE(store_->AppendBatch(batch, &appended).ok());
    started_ = LoadCheckedConfig(Write(std::string(kBase) + kPolicy4h));
    bool recorded = false;
    ASSERT_TRUE(projections::RecordPolicyVersion(store_.get(), started_.daemon.root, now_ - 3600, &recorded).ok());
    host_ = std::make_unique<ProjectionHost>(started_.sla, started_.health);
    ASSERT_TRUE(host_->Replay(*store_).ok());
    reloader_ = std::make_unique<ConfigReloader>(path_, std::vector<std::string>{}, started_.daemon, store_.get(),
                                                 host_.get(), registry_, [this] { return clock_; });
  }

  static std::string Event(const std::string& id, const std::string& type, int64_t t, const std::string& extra) {
    return testing::EventJson(id, type, t, "acme", extra);
  }
  bool T1Breached() const {
    for (const auto& r : host_->AtRiskInstances(now_)) {
      if (r.ticket_id == "T-1" && r.metric == projections::Metric::kFirstResponse) return r.breached;
    }
    return false;
  }
  std::vector<events::PolicyVersion> PolicyLog() const {
    auto log = events::ReadPolicyLog(*store_);
    EXPECT_TRUE(log.ok());
    return log.ok() ? *log : std::vector<events::PolicyVersion>{};
  }

  const int64_t now_ = static_cast<int64_t>(std::time(nullptr));
  int64_t clock_ = now_ - 60;  // the reload instant the reloader sees
  std::unique_ptr<events::EventStore> store_;
  CheckedConfig started_;
  std::unique_ptr<ProjectionHost> host_;
  std::unique_ptr<ConfigReloader> reloader_;
};

TEST_F(ReloaderWithStoreTest, NewPolicyIsRecordedAtTheReloadInstantAndJudgesTheLiveTickets) {
  EXPECT_FALSE(T1Breached()) << "2 h into a 4 h target";
  EXPECT_EQ(Gauge("slamon_config_last_reload_successful"), 1);
  EXPECT_EQ(Gauge("slamon_config_last_reload_success_timestamp_seconds"), static_cast<double>(clock_));

  Write(std::string(kBase) + kPolicy1h);
  clock_ = now_ - 30;
  const ReloadResult r = reloader_->Reload();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.changes.policy);
  EXPECT_TRUE(r.changes.restart_only.empty());
  EXPECT_TRUE(r.policy_recorded);
  EXPECT_EQ(r.policy_version, 2u);
  EXPECT_EQ(r.effective_from, now_ - 30);
  const auto log = PolicyLog();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].effective_from, now_ - 30);
  EXPECT_NE(log[1].text.find("first_response: 1h"), std::string::npos) << log[1].text;
  EXPECT_EQ(host_->sla_config()->policies.at(0).targets[static_cast<size_t>(projections::Metric::kFirstResponse)],
            3600);
  EXPECT_TRUE(T1Breached()) << "2 h into a 1 h target";
  EXPECT_EQ(Gauge("slamon_config_last_reload_success_timestamp_seconds"), static_cast<double>(now_ - 30));
  const auto body = nlohmann::json::parse(r.ToJson());
  EXPECT_EQ(body.at("status"), "success");
  EXPECT_EQ(body.at("policy_version"), 2);
  EXPECT_EQ(body.at("applied"), nlohmann::json::array({"policy"}));

  // Reloading the same file again records nothing and changes nothing.
  const ReloadResult again = reloader_->Reload();
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_FALSE(again.policy_recorded);
  EXPECT_TRUE(again.changes.empty());
  EXPECT_EQ(PolicyLog().size(), 2u);
}

TEST_F(ReloaderWithStoreTest, InvalidFileKeepsTheRunningConfig) {
  Write(std::string(kBase) + "policies:\n  - name: std\n    targets: {first_response: soon}\n");
  const ReloadResult r = reloader_->Reload();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find(path_ + ":5:"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("first_response"), std::string::npos) << r.error;
  EXPECT_EQ(Gauge("slamon_config_last_reload_successful"), 0);
  EXPECT_EQ(Gauge("slamon_config_last_reload_success_timestamp_seconds"), static_cast<double>(now_ - 60));
  EXPECT_EQ(PolicyLog().size(), 1u);
  EXPECT_FALSE(T1Breached());
  EXPECT_EQ(host_->sla_config()->policies.at(0).targets[static_cast<size_t>(projections::Metric::kFirstResponse)],
            4 * 3600);
  const HttpResponse answer = reloader_->HandleHttp(HttpRequest{});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(nlohmann::json::parse(answer.body).at("status"), "error");

  // Fixed again: accepted, the gauge back at 1.
  Write(std::string(kBase) + kPolicy1h);
  clock_ = now_;
  ASSERT_TRUE(reloader_->Reload().ok);
  EXPECT_EQ(Gauge("slamon_config_last_reload_successful"), 1);
  EXPECT_EQ(Gauge("slamon_config_last_reload_success_timestamp_seconds"), static_cast<double>(now_));
  EXPECT_TRUE(T1Breached());
}

TEST_F(ReloaderWithStoreTest, RestartOnlyChangesAreReportedAndNotApplied) {
  Write("kafka: {brokers: 127.0.0.1:9092, topics: [t]}\nstore: {path: /elsewhere}\nlog: {level: warn}\n" +
        std::string(kPolicy4h));
  const ReloadResult r = reloader_->Reload();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.changes.restart_only, std::vector<std::string>{"store.path"});
  EXPECT_EQ(r.changes.live, std::vector<std::string>{"log.level"});
  EXPECT_FALSE(r.policy_recorded);
  EXPECT_EQ(Gauge("slamon_config_restart_required"), 1);
  EXPECT_EQ(reloader_->running().store.path, dir_.Sub("store"));
  EXPECT_EQ(reloader_->running().log_level, "warn");
  EXPECT_FALSE(Log("config")->should_log(spdlog::level::info)) << "log.level is applied live";
  EXPECT_EQ(nlohmann::json::parse(r.ToJson()).at("restart_required"), nlohmann::json::array({"store.path"}));
  // Edited back: nothing waits for a restart any more.
  Write(std::string(kBase) + kPolicy4h);
  ASSERT_TRUE(reloader_->Reload().ok);
  EXPECT_EQ(Gauge("slamon_config_restart_required"), 0);
  EXPECT_TRUE(Log("config")->should_log(spdlog::level::info));
}

TEST(HttpPostTest, PostRoutesSeeTheBodyAndOtherMethodsGet405) {
  HttpSettings settings;
  settings.listen = "127.0.0.1:0";
  HttpServer server(settings, nullptr);
  server.Post("/-/reload",
              [](const HttpRequest& r) { return HttpResponse::Json(200, "{\"got\":\"" + r.body + "\"}"); });
  server.Get("/fixed", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok", {}}; });
  ASSERT_TRUE(server.Start().ok());
  testing::RawConnection c(server.port());
  ASSERT_TRUE(c.Send("POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
  const auto posted = c.Read(2s);
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.body, "{\"got\":\"hello\"}");
  const auto get = testing::RawRequest(server.port(), "GET", "/-/reload", 2s);
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(testing::HeaderOf(get.head, "Allow"), "POST");
  const auto post_get_route = testing::RawRequest(server.port(), "POST", "/fixed", 2s, "Content-Length: 0\r\n");
  EXPECT_EQ(post_get_route.status, 405);
  EXPECT_EQ(testing::HeaderOf(post_get_route.head, "Allow"), "GET, HEAD");
  EXPECT_EQ(testing::RawRequest(server.port(), "POST", "/nothing", 2s, "Content-Length: 0\r\n").status, 404);
  server.Stop();
}

}  // namespace
}  // namespace slamon::daemon
