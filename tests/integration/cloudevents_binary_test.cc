// CloudEvents binary content mode through a real broker: the same events
// sent once in structured mode and once in binary mode (ce_ headers, data as
// the value) are stored with the same fields at the same offsets and give the
// same projections; bad binary-mode messages are quarantined with their
// reasons. A kcat-produced message (kcat -H) is accepted too.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "events/store/stored_format.h"
#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr int kPartitions = 2;
constexpr int kEvents = 1500;

// calendars:/policies: of config/slamon.example.yaml, so that replay has SLA clocks to compute.
const std::string kSlaYaml = SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");

// Every decoded field of an event (the stored encoding without the JSON text).
std::string Fields(events::Event e) {
  e.json.clear();
  std::string out;
  events::EncodeStoredEvent(e, &out);
  return out;
}

using Stored = std::map<std::pair<int32_t, int64_t>, events::Event>;

Stored ReadStore(const std::string& path, std::vector<events::QuarantinedMessage>* quarantine = nullptr) {
  Stored out;
  auto store = events::EventStore::Open({.path = path, .create_if_missing = false, .read_only = true});
  EXPECT_TRUE(store.ok()) << store.status().message();
  if (!store.ok()) return out;
  EXPECT_TRUE((*store)
                  ->ScanEvents([&](const events::StoredEvent& se) {
                    out[{se.pos.partition, se.pos.offset}] = se.event;
                    return true;
                  })
                  .ok());
  if (quarantine != nullptr) {
    EXPECT_TRUE((*store)
                    ->ScanQuarantine([&](const events::QuarantinedMessage& q) {
                      quarantine->push_back(q);
                      return true;
                    })
                    .ok());
  }
  return out;
}

class CloudEventsBinaryTest : public BrokerTest {
 protected:
  // A store directory with its config (this topic, the example SLA sections).
  std::string Config(const std::string& name, const std::string& topic) {
    const std::string dir = dir_.Sub(name);
    std::filesystem::create_directories(dir);
    const std::string config = WriteConfig(dir, brokers_, topic, UniqueName("g"));
    std::ofstream(config, std::ios::app) << kSlaYaml;
    return config;
  }

  RunResult Slamon(const std::vector<std::string>& args) { return RunSlamon(args, dir_.path()); }
};

TEST_F(CloudEventsBinaryTest, BinaryModeStoresAndProjectsLikeStructuredMode) {
  const std::string structured_topic = UniqueName("ce-structured");
  const std::string binary_topic = UniqueName("ce-binary");
  CreateTopic(brokers_, structured_topic, kPartitions);
  CreateTopic(brokers_, binary_topic, kPartitions);

  events::Generator gen({.accounts = 40, .seed = 11, .cloudevents_mix = false});
  std::vector<HeaderedMessage> structured, binary;
  for (int i = 0; i < kEvents; ++i) {
    const events::GeneratedMessage m = gen.Next();
    ASSERT_TRUE(m.valid);
    json data = json::parse(m.value);
    const std::string id = data.at("id"), type = data.at("type"), time = data.at("occurred_at");
    const std::string account = data.at("account_id");
    data.erase("id");
    data.erase("type");
    data.erase("occurred_at");
    if (i % 2 == 0) data.erase("account_id");  // the account then comes from the subject
    const json ce = {{"specversion", "1.0"}, {"id", id},    {"source", "/helpdesk/eu"}, {"type", type}, {"time", time},
                     {"subject", account},   {"data", data}};
    structured.push_back({m.key, ce.dump(), {{"content-type", "application/cloudevents+json; charset=UTF-8"}}});
    HeaderedMessage b{m.key, data.dump(), {}};
    b.headers = {{"ce_specversion", "1.0"}, {"ce_id", id},     {"ce_source", "/helpdesk/eu"},
                 {"ce_type", type},         {"ce_time", time}, {"ce_subject", account}};
    if (i % 3 != 0) b.headers.emplace_back("content-type", "application/json; charset=utf-8");
    if (i % 5 == 0) b.headers.emplace_back("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    binary.push_back(std::move(b));
  }
  const std::string as_of = events::FormatRfc3339(gen.now());

  // Bad binary-mode messages after the valid ones, so that valid offsets match between the topics.
  auto bad = [&](std::string value) {
    HeaderedMessage b{"bad", std::move(value), {}};
    b.headers = {{"ce_specversion", "1.0"},
                 {"ce_id", "bad-1"},
                 {"ce_type", "ticket.resolved"},
                 {"ce_time", "2025-11-20T10:00:00Z"},
                 {"ce_subject", "acme"}};
    return b;
  };
  std::vector<HeaderedMessage> bads;
  bads.push_back(bad(R"({"ticket_id":"T-1"})"));
  bads.back().headers[0].second = "0.3";
  bads.push_back(bad(R"({"ticket_id":"T-1"})"));
  bads.back().headers.emplace_back("content-type", "text/plain");
  bads.push_back(bad(R"({"ticket_id":"T-1"})"));
  bads.back().headers[1].second = std::nullopt;  // ce_id without a value
  bads.push_back(bad(""));                       // no data: a tombstone
  bads.push_back(bad(R"({"ticket_id":"T-1","priority":"critical"})"));
  bads.back().headers[2].second = "ticket.opened";

  ProduceWithHeaders(brokers_, structured_topic, structured);
  ProduceWithHeaders(brokers_, binary_topic, binary);
  ProduceWithHeaders(brokers_, binary_topic, bads);

  const std::string s_config = Config("s", structured_topic);
  const std::string b_config = Config("b", binary_topic);
  RunToEof(s_config, dir_.Sub("s/run.log"));
  RunToEof(b_config, dir_.Sub("b/run.log"));

  std::vector<events::QuarantinedMessage> s_quarantine, b_quarantine;
  const Stored s_events = ReadStore(dir_.Sub("s/store"), &s_quarantine);
  const Stored b_events = ReadStore(dir_.Sub("b/store"), &b_quarantine);
  ASSERT_EQ(s_events.size(), static_cast<size_t>(kEvents));
  ASSERT_EQ(b_events.size(), s_events.size());
  EXPECT_TRUE(s_quarantine.empty());

  events::Decoder decoder;
  size_t differ = 0;
  for (const auto& [pos, e] : b_events) {
    auto it = s_events.find(pos);
    ASSERT_NE(it, s_events.end()) << "partition " << pos.first << " offset " << pos.second;
    if (Fields(e) != Fields(it->second)) ++differ;
    // The stored JSON is the structured rendering and decodes on its own.
    auto again = decoder.Decode(e.json);
    ASSERT_TRUE(std::holds_alternative<events::Event>(again)) << e.json;
    EXPECT_EQ(Fields(std::get<events::Event>(again)), Fields(e));
    const json j = json::parse(e.json);
    EXPECT_EQ(j.at("specversion"), "1.0");
    EXPECT_EQ(j.at("source"), "/helpdesk/eu");
    EXPECT_FALSE(j.contains("traceparent")) << "only ce_ headers are attributes";
  }
  EXPECT_EQ(differ, 0u) << "binary-mode events decoded differently from their structured twins";

  // The quarantine: one entry per bad message, its value as raw, the header named.
  ASSERT_EQ(b_quarantine.size(), bads.size());
  std::map<std::string, std::string> by_detail;  // detail -> reason
  for (const auto& q : b_quarantine) {
    by_detail[q.rejection.detail] = std::string(events::Name(q.rejection.reason));
    EXPECT_TRUE(q.rejection.raw == R"({"ticket_id":"T-1"})" || q.rejection.raw.empty() ||
                q.rejection.raw == R"({"ticket_id":"T-1","priority":"critical"})")
        << q.rejection.raw;
  }
  const std::map<std::string, std::string> expected = {
      {R"(header "ce_specversion": expected "1.0" (CloudEvents 1.0), got "0.3" (binary mode, ce_id "bad-1"))",
       "invalid_field"},
      {R"(header "content-type": the data must be JSON (application/json), got "text/plain" (binary mode, ce_id "bad-1"))",
       "invalid_field"},
      {R"(header "ce_id": required)", "missing_field"},
      {R"(field "data": required (the message value is empty) (binary mode, ce_id "bad-1"))", "missing_field"},
      {R"(field "priority": expected one of urgent, high, normal, low (binary mode, ce_id "bad-1"))", "invalid_field"},
  };
  EXPECT_EQ(by_detail, expected);

  // Projections: replay and accounts from either store print the same.
  for (const char* command : {"replay", "accounts"}) {
    SCOPED_TRACE(command);
    const RunResult s =
        Slamon({command, "--store", dir_.Sub("s/store"), "--config", s_config, "--as-of", as_of, "--format", "jsonl"});
    const RunResult b =
        Slamon({command, "--store", dir_.Sub("b/store"), "--config", b_config, "--as-of", as_of, "--format", "jsonl"});
    ASSERT_EQ(s.code, 0) << s.err;
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_GT(s.out.size(), 1000u) << "too little output to compare";
    EXPECT_EQ(s.out, b.out);
  }

  // `slamon export` prints the structured renderings, one per line.
  const RunResult exported = Slamon({"export", "--store", dir_.Sub("b/store")});
  ASSERT_EQ(exported.code, 0) << exported.err;
  std::istringstream lines(exported.out);
  size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    auto r = decoder.Decode(line);
    ASSERT_TRUE(std::holds_alternative<events::Event>(r)) << line;
  }
  EXPECT_EQ(n, b_events.size());
}

TEST_F(CloudEventsBinaryTest, KcatHeadersAreAccepted) {
  const std::string kcat = "/usr/bin/kcat";
  if (!std::filesystem::exists(kcat)) GTEST_SKIP() << "kcat is not installed";
  const std::string topic = UniqueName("ce-kcat");
  CreateTopic(brokers_, topic, 1);
  auto produce = [&](const std::vector<std::string>& headers, const std::string& value) {
    std::string cmd = kcat + " -P -b " + brokers_ + " -t " + topic + " -k acme";
    for (const auto& h : headers) cmd += " -H '" + h + "'";
    const std::string file = dir_.Sub(UniqueName("value"));
    std::ofstream(file) << value;  // kcat sends each file as one message
    cmd += " " + file;
    const RunResult r = RunCapture({"/bin/sh", "-c", cmd}, dir_.path(), seconds(60));
    ASSERT_EQ(r.code, 0) << r.err;
  };
  const std::vector<std::string> common = {"ce_specversion=1.0", "ce_source=/kcat", "ce_subject=acme",
                                           "content-type=application/json"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), common.begin(), common.end());
    return extra;
  };
  produce(with({"ce_id=k-1", "ce_type=ticket.opened", "ce_time=2025-11-20T09:15:00Z"}),
          R"({"ticket_id":"K-1","priority":"urgent"})");
  produce(with({"ce_id=k-2", "ce_type=ticket.replied", "ce_time=2025-11-20T09:20:00+01:00"}),
          R"({"ticket_id":"K-1","author":"agent"})");
  produce({"ce_specversion=0.3", "ce_id=k-3", "ce_type=ticket.resolved", "ce_time=2025-11-20T09:30:00Z"},
          R"({"ticket_id":"K-1"})");

  const std::string config = Config("k", topic);
  RunToEof(config, dir_.Sub("k/run.log"));
  std::vector<events::QuarantinedMessage> quarantine;
  const Stored stored = ReadStore(dir_.Sub("k/store"), &quarantine);
  ASSERT_EQ(stored.size(), 2u);
  const events::Event& opened = stored.at({0, 0});
  EXPECT_EQ(opened.id, "k-1");
  EXPECT_EQ(opened.type, events::EventType::kTicketOpened);
  EXPECT_EQ(opened.account_id, "acme");
  EXPECT_EQ(opened.ticket_id, "K-1");
  EXPECT_EQ(opened.priority, events::Priority::kUrgent);
  const events::Event& replied = stored.at({0, 1});
  EXPECT_EQ(replied.type, events::EventType::kTicketReplied);
  EXPECT_EQ(replied.author, events::Author::kAgent);
  EXPECT_EQ(events::FormatRfc3339(replied.occurred_at), "2025-11-20T08:20:00Z");
  ASSERT_EQ(quarantine.size(), 1u);
  EXPECT_EQ(quarantine[0].pos.offset, 2);
  EXPECT_EQ(quarantine[0].rejection.reason, events::RejectReason::kInvalidField);
  EXPECT_EQ(quarantine[0].rejection.raw, R"({"ticket_id":"K-1"})");
}

}  // namespace
}  // namespace slamon::testing
