// log.format: json writes one valid JSON object per line (ts, level, logger,
// msg and the structured fields of the LogFields scopes), whatever bytes the
// message holds; text stays the plain line; the config accepts text and json.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config/daemon_config.h"
#include "events/common/logging.h"
#include "tests/support/temp_dir.h"

namespace slamon {
namespace {

using nlohmann::json;

// A logger writing through the JSON formatter into a string.
struct JsonCapture {
  JsonCapture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    sink->set_formatter(MakeJsonLogFormatter());
    logger = std::make_shared<spdlog::logger>("ingest", sink);
    logger->set_level(spdlog::level::trace);
  }
  // Every line parsed; a line that is not JSON fails the test.
  std::vector<json> Lines() const {
    std::vector<json> lines;
    std::istringstream in(out.str());
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
      lines.push_back(j);
    }
    return lines;
  }
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;
};

TEST(JsonLogFormat, OneObjectPerLineWithTheStandardFields) {
  JsonCapture c;
  c.logger->warn("quarantined {}[{}]", "orders", 3);
  c.logger->info("second");
  const auto lines = c.Lines();
  ASSERT_EQ(lines.size(), 2u) << c.out.str();
  const json& j = lines[0];
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 4u) << j.dump();
  EXPECT_EQ(j.at("level"), "warn");
  EXPECT_EQ(j.at("logger"), "ingest");
  EXPECT_EQ(j.at("msg"), "quarantined orders[3]");
  const std::string ts = j.at("ts");
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << ts;
  // UTC and now: the date part is today's (or the test straddled midnight).
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char today[16];
  std::strftime(today, sizeof(today), "%Y-%m-%d", &tm);
  EXPECT_TRUE(ts.starts_with(today) || tm.tm_hour == 0) << ts << " vs " << today;
  EXPECT_EQ(lines[1].at("level"), "info");
  EXPECT_EQ(lines[1].at("msg"), "second");
}

TEST(JsonLogFormat, MessagesAreEscaped) {
  JsonCapture c;
  const std::string tricky = "a \"quoted\" \\path\\ with\nnewline\r\tand \x01 control";
  c.logger->error("{}", tricky);
  c.logger->info("caf\xc3\xa9 \xe2\x9c\x93");  // valid UTF-8 is kept
  c.logger->info("bad \xff\xfe utf-8 \xc3");   // invalid bytes, a truncated sequence
  c.logger->info("{}", std::string("nul\0inside", 10));
  const auto lines = c.Lines();
  ASSERT_EQ(lines.size(), 4u) << "a message with a newline must stay one line:\n" << c.out.str();
  EXPECT_EQ(lines[0].at("msg"), tricky);
  EXPECT_EQ(lines[1].at("msg"), "caf\xc3\xa9 \xe2\x9c\x93");
  EXPECT_EQ(lines[2].at("msg"), "bad \xef\xbf\xbd\xef\xbf\xbd utf-8 \xef\xbf\xbd");  // each bad byte -> U+FFFD
  EXPECT_EQ(lines[3].at("msg"), std::string("nul\0inside", 10));
}

TEST(JsonLogFormat, StructuredFieldsFromLogFieldsScopes) {
  JsonCapture c;
  {
    const LogFields outer{{"topic", "orders"}, {"partition", 7}};
    {
      const LogFields inner{{"offset", int64_t{1} << 40},
                            {"reason", "bad \"json\"\n"},
                            {"partition", 8},  // inner wins
                            {"msg", "ignored"}};
      c.logger->warn("quarantined");
    }
    c.logger->info("outer only");
  }
  c.logger->info("none");
  // Another thread's scope is not this thread's.
  std::thread([&c] {
    const LogFields other{{"topic", "elsewhere"}};
    c.logger->info("on a thread");
  }).join();
  c.logger->info("after the thread");
  const auto lines = c.Lines();
  ASSERT_EQ(lines.size(), 5u) << c.out.str();
  EXPECT_EQ(lines[0].at("msg"), "quarantined");
  EXPECT_EQ(lines[0].at("topic"), "orders");
  EXPECT_EQ(lines[0].at("partition"), 8);
  EXPECT_TRUE(lines[0].at("partition").is_number_integer());
  EXPECT_EQ(lines[0].at("offset"), int64_t{1} << 40);
  EXPECT_EQ(lines[0].at("reason"), "bad \"json\"\n");
  EXPECT_EQ(lines[0].size(), 8u) << lines[0].dump();  // ts level logger msg topic partition offset reason
  EXPECT_EQ(lines[1].at("partition"), 7);
  EXPECT_FALSE(lines[1].contains("offset"));
  EXPECT_EQ(lines[2].size(), 4u) << lines[2].dump();
  EXPECT_EQ(lines[3].at("topic"), "elsewhere");
  EXPECT_EQ(lines[4].size(), 4u) << lines[4].dump();
}

TEST(LogFormat, SetLogFormatSwitchesEveryLogger) {
  auto before = Log("logfmt-before");  // created while the format was text
  ::testing::internal::CaptureStderr();
  SetLogFormat(LogFormat::kJson);
  before->warn("one \"quoted\"\nline");
  Log("logfmt-after")->info("two");  // created in json mode: must not reset the format
  before->info("three");
  SetLogFormat(LogFormat::kText);
  before->info("four");
  const std::string err = ::testing::internal::GetCapturedStderr();
  std::istringstream in(err);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << err;
  for (int i = 0; i < 3; ++i) {
    json j = json::parse(lines[i], nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << lines[i];
    EXPECT_EQ(j.at("msg"), std::vector<std::string>({"one \"quoted\"\nline", "two", "three"})[i]);
  }
  EXPECT_EQ(json::parse(lines[1]).at("logger"), "logfmt-after");
  EXPECT_TRUE(
      std::regex_match(lines[3], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info \[logfmt-before\] four)")))
      << lines[3];
}

TEST(LogFormat, TextLinesNameTheLevelAsTheConfigDoes) {
  auto logger = Log("logfmt-levels");
  ::testing::internal::CaptureStderr();
  SetLogFormat(LogFormat::kText);
  logger->warn("five");
  logger->error("six");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Z warn [logfmt-levels] five"), std::string::npos) << err;
  EXPECT_NE(err.find("Z error [logfmt-levels] six"), std::string::npos) << err;
  EXPECT_EQ(err.find("warning"), std::string::npos) << err;
}

TEST(LogFormat, ParsesTheConfigNames) {
  EXPECT_EQ(ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("JSON").has_value());
  EXPECT_FALSE(ParseLogFormat("").has_value());
}

TEST(LogFormat, ConfigKey) {
  testing::TempDir dir;
  const std::string path = dir.Sub("slamon.yaml");
  std::ofstream(path) << "store: {path: x}\n";
  EXPECT_EQ(daemon::LoadDaemonConfig(path).log_format, "text");
  EXPECT_EQ(daemon::LoadDaemonConfig(path, {"log.format=json"}).log_format, "json");
  std::ofstream(path) << "log:\n  level: info\n  format: yaml\n";
  try {
    daemon::LoadDaemonConfig(path);
    ADD_FAILURE() << "log.format: yaml accepted";
  } catch (const daemon::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(":3: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("log.format"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace slamon
