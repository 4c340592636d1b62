// Secured Kafka for real: a broker of its own whose only client listener is
// SASL_SSL (SCRAM-SHA-512 logins, TLS with a CA made by keytool; started by
// `scripts/kafka start-sasl`), events produced through it, and the slamon
// binary consuming them with the client properties in kafka.properties. A
// daemon with a wrong password keeps running, answers /readyz 503 naming the
// refused login, and logs it once, not once per reconnect.
//
// Needs the JDK's keytool and the broker jars (scripts/kafka fetch); skipped
// with a message when keytool is missing. Bounded: the broker must be ready
// within 60 s of its launch (the certificates and the log format come
// first, a few JVM starts) and every wait below has its own deadline.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "events/demo/generator.h"
#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const std::string kScript = std::string(SLAMON_SOURCE_DIR) + "/scripts/kafka";

bool OnPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    if (access((dirs.substr(start, end - start) + "/" + tool).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// "key=value" lines, as scripts/kafka writes them.
std::map<std::string, std::string> ReadProperties(const std::string& file) {
  std::map<std::string, std::string> props;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos && !line.starts_with("#")) props[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return props;
}

std::string BuiltinFeatures() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char buf[512];
  size_t size = sizeof(buf);
  std::string features;
  if (rd_kafka_conf_get(conf, "builtin.features", buf, &size) == RD_KAFKA_CONF_OK) features = buf;
  rd_kafka_conf_destroy(conf);
  return features;
}

// Produces `count` generated events with the given librdkafka properties and
// waits for every delivery; returns the number delivered.
int ProduceSecured(const std::string& brokers, const std::map<std::string, std::string>& props,
                   const std::string& topic, int count) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << k << ": " << err;
  };
  set("bootstrap.servers", brokers);
  set("message.timeout.ms", "20000");
  for (const auto& [k, v] : props) set(k, v);
  static int delivered = 0;
  delivered = 0;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++delivered;
  });
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)),
                                                        rd_kafka_destroy);
  if (!rk) {
    ADD_FAILURE() << "producer: " << err;
    return 0;
  }
  events::GeneratorOptions go;
  go.accounts = 10;
  go.seed = 5;
  go.malformed_fraction = 0;
  go.duplicate_fraction = 0;
  go.start_time = static_cast<int64_t>(std::time(nullptr)) - 3600;
  events::Generator gen(go);
  for (int i = 0; i < count; ++i) {
    auto m = gen.Next();
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
        RD_KAFKA_V_VALUE(m.value.data(), m.value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  }
  rd_kafka_flush(rk.get(), 30000);
  return delivered;
}

// Stops the test's own broker (and deletes its data) however the test ends.
class SaslBroker {
 public:
  explicit SaslBroker(std::string state) : state_(std::move(state)) {}
  ~SaslBroker() { (void)RunCapture({"/bin/bash", kScript, "stop", state_}, dir(), seconds(60)); }
  SaslBroker(const SaslBroker&) = delete;
  SaslBroker& operator=(const SaslBroker&) = delete;
  // The bootstrap address, or empty (with the failure recorded).
  std::string Start() {
    // The broker must answer within 60 s of its launch; making the
    // certificates and formatting its log (a few JVM starts) come before.
    setenv("SLAMON_KAFKA_START_SECONDS", "60", 1);
    setenv("SLAMON_KAFKA_HEAP", "512m", 1);
    const RunResult r = RunCapture({"/bin/bash", kScript, "start-sasl", state_}, dir(), seconds(100));
    if (r.code != 0) {
      ADD_FAILURE() << "scripts/kafka start-sasl exited " << r.code << " (-1: killed after 100 s)\n"
                    << r.err << Tail(state_ + "/broker.log");
      return "";
    }
    std::string bootstrap = r.out;
    while (!bootstrap.empty() && (bootstrap.back() == '\n' || bootstrap.back() == ' ')) bootstrap.pop_back();
    bootstrap = bootstrap.substr(bootstrap.rfind('\n') + 1);
    return bootstrap;
  }
  std::string client_properties() const { return state_ + "/client.properties"; }

 private:
  std::string dir() const { return state_ + ".runs"; }
  std::string state_;
};

std::string KafkaSection(const std::map<std::string, std::string>& props) {
  std::string yaml = "  properties:\n";
  for (const auto& [k, v] : props) yaml += "    " + k + ": \"" + v + "\"\n";
  return yaml;
}

TEST(KafkaSaslTest, ConsumesThroughSaslSslAndAWrongPasswordStaysAliveAndNotReady) {
  const std::string features = BuiltinFeatures();
  ASSERT_NE(features.find("ssl"), std::string::npos) << "librdkafka without TLS: " << features;
  ASSERT_NE(features.find("sasl_scram"), std::string::npos) << "librdkafka without SASL SCRAM: " << features;
  if (!OnPath("keytool")) GTEST_SKIP() << "keytool (from a JDK) is not installed: the SASL_SSL broker is not tested";
  if (!OnPath("java")) GTEST_SKIP() << "java is not installed: the SASL_SSL broker is not tested";

  TempDir dir;
  std::filesystem::create_directories(dir.Sub("kafka.runs"));
  SaslBroker broker(dir.Sub("kafka"));
  const std::string bootstrap = broker.Start();
  ASSERT_FALSE(bootstrap.empty());
  const auto props = ReadProperties(broker.client_properties());
  ASSERT_EQ(props.at("security.protocol"), "SASL_SSL");
  ASSERT_EQ(props.at("sasl.mechanism"), "SCRAM-SHA-512");

  const std::string topic = UniqueName("sasl");
  constexpr int kEvents = 300;
  ASSERT_EQ(ProduceSecured(bootstrap, props, topic, kEvents), kEvents);

  // Right credentials: everything is consumed, the daemon becomes ready.
  std::filesystem::create_directories(dir.Sub("good"));
  const std::string good_log = dir.Sub("good.log");
  DaemonProcess good(WriteConfig(dir.Sub("good"), bootstrap, topic, UniqueName("g"), KafkaSection(props)), good_log);
  good.Start();
  // Wrong password: alive, not ready, one clear error.
  auto wrong = props;
  wrong["sasl.password"] = "not-the-password";
  std::filesystem::create_directories(dir.Sub("bad"));
  const std::string bad_log = dir.Sub("bad.log");
  const auto bad_started = Clock::now();
  DaemonProcess bad(WriteConfig(dir.Sub("bad"), bootstrap, topic, UniqueName("g"), KafkaSection(wrong)), bad_log);
  bad.Start();

  double stored = 0;
  bool good_ready = false;
  for (auto deadline = Clock::now() + seconds(30); Clock::now() < deadline && good.Running();) {
    stored = good.Metric("slamon_events_ingested_total");
    good_ready = good.Ready();
    if (stored >= kEvents && good_ready) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(stored, kEvents) << Tail(good_log);
  EXPECT_TRUE(good_ready) << Tail(good_log);
  // The topic check goes through the same login: the (auto-created) topic
  // keeps every event on this broker (log.retention.hours=-1).
  std::string metrics;
  const std::string retention_ok = "slamon_topic_retention_ok{topic=\"" + topic + "\"} 1";
  for (int i = 0; i < 100 && good.port() != 0 && metrics.find(retention_ok) == std::string::npos; ++i) {
    metrics = good.Metrics();
    if (metrics.find(retention_ok) == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(metrics.find(retention_ok), std::string::npos) << Tail(good_log);
  // `slamon topic create` through SASL_SSL: created, then found keeping every event.
  const std::string created_topic = UniqueName("sasl-created");
  const std::string good_config = dir.Sub("good") + "/slamon.yaml";
  for (const char* expected : {": created (2 partitions", ": exists (2 partitions) and keeps every event"}) {
    const RunResult r = RunCapture({SLAMON_BINARY, "topic", "create", "--config", good_config, "--partitions", "2",
                                    "--set", "kafka.topics=[" + created_topic + "]"},
                                   dir.path(), seconds(60));
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find(created_topic + expected), std::string::npos) << r.out << r.err;
  }

  // Give the bad daemon several reconnect rounds (librdkafka backs off up to 10 s).
  std::this_thread::sleep_until(bad_started + seconds(15));
  ASSERT_TRUE(bad.Running()) << Tail(bad_log);
  const int bad_port = bad.port();
  ASSERT_NE(bad_port, 0) << Tail(bad_log);
  const HttpResult ready = HttpGetFull(bad_port, "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("Kafka authentication failed"), std::string::npos) << ready.body;
  EXPECT_EQ(SumMetric(HttpGet(bad_port, "/metrics"), "slamon_events_ingested_total"), 0);
  // One report per minute at most, and librdkafka's own duplicate line is not logged.
  EXPECT_EQ(CountInFile(bad_log, "Kafka authentication failed"), 1u) << Tail(bad_log);
  EXPECT_NE(CountInFile(bad_log, "sasl.password"), 0u) << "the error says what to check: " << Tail(bad_log);
  EXPECT_EQ(CountInFile(bad_log, "FAIL:"), 0u) << Tail(bad_log);
  EXPECT_NE(CountInFile(bad_log, "SCRAM-SHA-512"), 0u) << Tail(bad_log);

  for (DaemonProcess* p : {&good, &bad}) {
    p->Signal(SIGTERM);
    EXPECT_EQ(p->Wait(seconds(20)), 0);
  }
}

}  // namespace
}  // namespace slamon::testing
