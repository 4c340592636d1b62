// The store-reading commands through the real binary (SLAMON_BINARY), on a
// store built in-process from the events::Generator stream (no broker):
// `replay` and `accounts` (jsonl and table) against the projections evaluated
// in-process at the same as-of, `export` (all, --account, --quarantine)
// against what was written, and the exit codes and messages of bad configs
// and missing stores.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_config.h"
#include "projections/accounts/health_projection.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/daemon_process.h"
#include "tests/support/generated_items.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

constexpr const char* kTopic = "cli-events";
constexpr int kPartitions = 3;
constexpr int kMessages = 6000;

// calendars:/policies: of config/slamon.example.yaml (business hours, tiered).
const std::string kSlaYaml = SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");

struct Written {
  events::SourcePos pos;
  events::Event event;
};

class CliTest : public ::testing::Test {
 protected:
  // One store for the whole suite: built once from the generator stream.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    store_path_ = dir_->Sub("store");
    config_path_ = dir_->Sub("slamon.yaml");
    std::ofstream(config_path_) << "store: {path: " << store_path_ << "}\n" << kSlaYaml;

    events::GeneratorOptions go;
    go.accounts = 60;
    go.seed = 17;
    go.malformed_fraction = 0.01;
    go.duplicate_fraction = 0.01;
    const std::vector<events::BatchItem> batch = GeneratedItems(go, kPartitions, kTopic).Take(kMessages);
    std::set<std::string> ids;
    int64_t last_time = 0;
    for (const events::BatchItem& item : batch) {
      if (const auto& e = item.event) {
        last_time = std::max(last_time, e->occurred_at);
        if (ids.insert(e->id).second) {
          generated_.push_back(*e);  // generation order, duplicates dropped
          written_.push_back({item.pos, *e});
        }
      } else {
        quarantined_.push_back({item.pos, *item.rejection});
      }
    }
    last_time_ = last_time;
    auto store = events::EventStore::Open({.path = store_path_, .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().message();
    AppendInBatches(**store, batch, 1000);  // duplicates cross batch boundaries too
    ASSERT_EQ((*store)->EventCount(), static_cast<int64_t>(written_.size()));
    ASSERT_TRUE((*store)->Close().ok());
    // Store order: (topic, partition, offset).
    std::stable_sort(written_.begin(), written_.end(),
                     [](const Written& a, const Written& b) { return a.pos < b.pos; });
    std::stable_sort(quarantined_.begin(), quarantined_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
    generated_.clear();
    written_.clear();
    quarantined_.clear();
  }
  void SetUp() override {
    ASSERT_FALSE(written_.empty());
    ASSERT_FALSE(quarantined_.empty()) << "the stream should hold malformed messages";
  }

  static RunResult Slamon(const std::vector<std::string>& args) { return RunSlamon(args, dir_->path()); }

  // The projections fed in generation order (not store order) in-process.
  static std::shared_ptr<const projections::SlaConfig> SlaConfig() {
    auto c = projections::LoadSlaConfigText(kSlaYaml, "cli.yaml");
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::make_shared<const projections::SlaConfig>(c.take());
  }
  static std::string ExpectedReplay(int64_t as_of) {
    projections::SlaProjection sla(SlaConfig());
    for (const auto& e : generated_) sla.Apply(e);
    std::string out;
    for (const auto& r : sla.Evaluate(as_of)) projections::AppendJsonl(r, &out);
    return out;
  }
  static std::vector<projections::AccountRecord> ExpectedAccounts(int64_t as_of) {
    projections::SlaProjection sla(SlaConfig());
    projections::HealthProjection health(projections::HealthConfig{});
    for (const auto& e : generated_) {
      sla.Apply(e);
      health.Apply(e);
    }
    return health.EvaluateAccounts(as_of, sla.Evaluate(as_of));
  }

  static std::vector<std::string> Lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  static std::vector<std::string> Columns(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  }

  static TempDir* dir_;
  static std::string store_path_, config_path_;
  static std::vector<events::Event> generated_;
  static std::vector<Written> written_;
  static std::vector<std::pair<events::SourcePos, events::Rejection>> quarantined_;
  static int64_t last_time_;
};

TempDir* CliTest::dir_ = nullptr;
std::string CliTest::store_path_, CliTest::config_path_;
std::vector<events::Event> CliTest::generated_;
std::vector<Written> CliTest::written_;
std::vector<std::pair<events::SourcePos, events::Rejection>> CliTest::quarantined_;
int64_t CliTest::last_time_ = 0;

TEST_F(CliTest, ReplayJsonlEqualsInProcessEvaluate) {
  // Mid-stream (many instances running) and after the end (mostly stopped).
  for (int64_t as_of : {last_time_ - 6 * 3600, last_time_ - 3600 + 17, last_time_ + 86400}) {
    const std::string iso = events::FormatRfc3339(as_of);
    const RunResult r = Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of", iso});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string expected = ExpectedReplay(as_of);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(r.out, expected) << "as of " << iso;
    // --format jsonl is the default and the same bytes.
    const RunResult j =
        Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of", iso, "--format", "jsonl"});
    ASSERT_EQ(j.code, 0) << j.err;
    EXPECT_EQ(j.out, r.out);
  }
  // Offsets in --as-of name the same instant.
  const int64_t t = last_time_ - 6 * 3600;
  const std::string utc = events::FormatRfc3339(t);
  const RunResult z = Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of", utc});
  std::string shifted = events::FormatRfc3339(t + 8 * 3600);
  shifted = shifted.substr(0, shifted.size() - 1) + "+08:00";
  const RunResult p = Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of", shifted});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(p.out, z.out) << utc << " vs " << shifted;
}

TEST_F(CliTest, ReplayRunningInstancesExistMidStream) {
  const int64_t as_of = last_time_ - 6 * 3600;
  const RunResult r =
      Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of", events::FormatRfc3339(as_of)});
  ASSERT_EQ(r.code, 0) << r.err;
  int running = 0, total = 0;
  for (const auto& line : Lines(r.out)) {
    auto j = nlohmann::json::parse(line);
    ++total;
    if (j.at("state") != "stopped") ++running;
  }
  std::printf("[cli] replay at %s: %d instances, %d running\n", events::FormatRfc3339(as_of).c_str(), total, running);
  EXPECT_GT(running, 0);
  EXPECT_GT(total, running);
}

TEST_F(CliTest, ReplayTableHasOneRowPerRecord) {
  const int64_t as_of = last_time_ - 6 * 3600;
  const std::string iso = events::FormatRfc3339(as_of);
  const RunResult r =
      Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of", iso, "--format", "table"});
  ASSERT_EQ(r.code, 0) << r.err;
  projections::SlaProjection sla(SlaConfig());
  for (const auto& e : generated_) sla.Apply(e);
  const auto records = sla.Evaluate(as_of);
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), records.size() + 1);
  EXPECT_EQ(Columns(lines[0]),
            (std::vector<std::string>{"ticket_id", "account_id", "tier", "priority", "policy", "metric", "cycle",
                                      "start", "stop", "state", "level", "target_s", "elapsed_s", "breached",
                                      "breach_at", "due_at", "group", "escalation"}));
  for (size_t i = 0; i < records.size(); ++i) {
    const auto cols = Columns(lines[i + 1]);
    ASSERT_EQ(cols.size(), 18u) << lines[i + 1];
    const auto& rec = records[i];
    EXPECT_EQ(cols[0], rec.ticket_id);
    EXPECT_EQ(cols[1], rec.account_id);
    EXPECT_EQ(cols[5], std::string(projections::MetricName(rec.metric)));
    EXPECT_EQ(cols[6], std::to_string(rec.cycle));
    EXPECT_EQ(cols[9], std::string(projections::InstanceStateName(rec.state)));
    EXPECT_EQ(cols[12], std::to_string(rec.elapsed_seconds));
    EXPECT_EQ(cols[13], rec.breached ? "yes" : "no");
    EXPECT_EQ(cols[16], rec.group.empty() ? "-" : rec.group);
    EXPECT_EQ(cols[17], rec.escalation.value_or("-"));
  }
}

TEST_F(CliTest, ReplayOneAccount) {
  const int64_t as_of = last_time_ - 6 * 3600;
  const std::string account = written_.front().event.account_id;
  const RunResult r = Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of",
                              events::FormatRfc3339(as_of), "--account", account});
  ASSERT_EQ(r.code, 0) << r.err;
  projections::SlaProjection sla(SlaConfig());
  for (const auto& e : generated_) sla.Apply(e);
  std::string expected;
  for (const auto& rec : sla.Evaluate(as_of, account)) projections::AppendJsonl(rec, &expected);
  EXPECT_EQ(r.out, expected);
}

TEST_F(CliTest, AccountsJsonlEqualsInProcessEvaluate) {
  for (int64_t as_of : {last_time_ - 6 * 3600, last_time_ + 40 * 86400}) {
    const std::string iso = events::FormatRfc3339(as_of);
    const RunResult r = Slamon({"accounts", "--store", store_path_, "--config", config_path_, "--as-of", iso});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto records = ExpectedAccounts(as_of);
    std::string expected;
    for (const auto& rec : records) projections::AppendJsonl(rec, &expected);
    EXPECT_EQ(r.out, expected) << "as of " << iso;
    EXPECT_EQ(Lines(r.out).size(), 60u) << "one record per account";
    std::map<std::string, int> levels;
    for (const auto& rec : records) ++levels[std::string(projections::HealthLevelName(rec.level))];
    std::printf("[cli] accounts at %s:", iso.c_str());
    for (const auto& [level, n] : levels) std::printf(" %s=%d", level.c_str(), n);
    std::printf("\n");
  }
}

TEST_F(CliTest, AccountsTable) {
  const int64_t as_of = last_time_ - 6 * 3600;
  const RunResult r = Slamon({"accounts", "--store", store_path_, "--config", config_path_, "--as-of",
                              events::FormatRfc3339(as_of), "--format", "table"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto records = ExpectedAccounts(as_of);
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), records.size() + 1);
  EXPECT_EQ(Columns(lines[0]),
            (std::vector<std::string>{"account_id", "tier", "owner", "csat_30d", "csat_90d", "score", "level", "s_csat",
                                      "s_sla", "s_silence", "s_reopen", "top_signals", "renewal_soon", "ltv",
                                      "value_12m", "rfm", "nps_90d", "csat_mean_30d", "followup_overdue_d"}));
  auto opt = [](const std::optional<double>& v) { return v ? projections::FormatDecimal(*v) : std::string("-"); };
  for (size_t i = 0; i < records.size(); ++i) {
    const auto cols = Columns(lines[i + 1]);
    ASSERT_EQ(cols.size(), 19u) << lines[i + 1];
    const auto& v = records[i].value;
    EXPECT_EQ(cols[13], projections::FormatDecimal(v.lifetime_value));
    EXPECT_EQ(cols[14], projections::FormatDecimal(v.value_12m));
    EXPECT_EQ(cols[15],
              (v.r_score ? std::to_string(*v.r_score) : "-") + std::to_string(v.f_score) + std::to_string(v.m_score));
    EXPECT_EQ(cols[16], opt(v.nps_90d.Score()));
    EXPECT_EQ(cols[17], opt(v.csat_30d.Mean()));
    EXPECT_EQ(cols[18], opt(v.followup_overdue_days));
    EXPECT_EQ(cols[0], records[i].account_id);
    EXPECT_EQ(cols[1], records[i].tier);
    EXPECT_EQ(cols[5], records[i].health_score ? projections::FormatDecimal(*records[i].health_score) : "-");
    EXPECT_EQ(cols[6], std::string(projections::HealthLevelName(records[i].level)));
  }
  EXPECT_NE(r.err.find("churn rate 365d"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("churned 365d reason other: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resolution 90d category complaint: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nps 90d tier "), std::string::npos) << r.err;
}

TEST_F(CliTest, ExportPrintsEveryStoredEventInStoreOrder) {
  const RunResult r = Slamon({"export", "--store", store_path_});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string expected;
  for (const auto& w : written_) expected += w.event.json + "\n";
  EXPECT_EQ(Lines(r.out).size(), written_.size());
  EXPECT_EQ(r.out, expected);
}

TEST_F(CliTest, ExportOneAccount) {
  const std::string account = written_.back().event.account_id;
  const RunResult r = Slamon({"export", "--store", store_path_, "--account", account});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string expected;
  for (const auto& w : written_) {
    if (w.event.account_id == account) expected += w.event.json + "\n";
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(r.out, expected);
  const RunResult none = Slamon({"export", "--store", store_path_, "--account", "no-such-account"});
  EXPECT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(none.out, "");
}

TEST_F(CliTest, ExportSomePartitions) {
  const RunResult r = Slamon({"export", "--store", store_path_, "--partition", "0", "--partition", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string expected;
  for (const auto& w : written_) {
    if (w.pos.partition != 1) expected += w.event.json + "\n";
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(r.out, expected);
  const RunResult q = Slamon({"export", "--store", store_path_, "--quarantine", "--partition", "1"});
  ASSERT_EQ(q.code, 0) << q.err;
  size_t in_one = 0;
  for (const auto& [pos, rejection] : quarantined_) in_one += pos.partition == 1 ? 1 : 0;
  EXPECT_EQ(Lines(q.out).size(), in_one);
  EXPECT_EQ(Slamon({"export", "--store", store_path_, "--partition", "-1"}).code, 2) << "a negative partition";
}

TEST_F(CliTest, ExportQuarantine) {
  const RunResult r = Slamon({"export", "--store", store_path_, "--quarantine"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), quarantined_.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(lines[i])) << "not one JSON object: " << lines[i];
    const auto& [pos, rejection] = quarantined_[i];
    EXPECT_EQ(j.at("topic"), kTopic);
    EXPECT_EQ(j.at("partition"), pos.partition);
    EXPECT_EQ(j.at("offset"), pos.offset);
    EXPECT_EQ(j.at("reason"), std::string(events::Name(rejection.reason)));
    EXPECT_EQ(j.at("detail"), rejection.detail);
    // Valid UTF-8 comes back unchanged; other raw bytes are kept exactly in raw_base64.
    if (simdjson::validate_utf8(rejection.raw.data(), rejection.raw.size())) {
      EXPECT_EQ(j.at("raw").get<std::string>(), rejection.raw);
      EXPECT_FALSE(j.contains("raw_base64"));
    } else {
      EXPECT_TRUE(j.contains("raw_base64")) << lines[i];
    }
  }
}

// Details and raw bytes with newlines, NUL, escape sequences, U+2028 and
// invalid UTF-8 still give exactly one JSON object per line.
TEST(CliExportTest, QuarantineWithControlBytesStaysOneObjectPerLine) {
  TempDir dir;
  const std::string store_path = dir.Sub("store");
  const std::vector<std::pair<std::string, std::string>> rejected = {
      {"unknown event type \"evil\n{\"forged\":true}\"", "{\"type\":\"evil\\n\"}\n"},
      {std::string("nul \0 and esc \x1b[2J", 19), std::string("raw\0\r\n\x1b\x7f", 9)},
      {"sep \xE2\x80\xA8 here", "\xFF\xFE not utf-8 \n"},
  };
  {
    auto store = events::EventStore::Open({.path = store_path, .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().message();
    std::vector<events::BatchItem> batch;
    for (size_t i = 0; i < rejected.size(); ++i) {
      events::BatchItem item;
      item.pos = {"evil\ntopic", 0, static_cast<int64_t>(i)};
      item.rejection = events::Rejection{events::RejectReason::kUnknownType, rejected[i].first, rejected[i].second};
      batch.push_back(std::move(item));
    }
    events::AppendResult r;
    ASSERT_TRUE((*store)->AppendBatch(batch, &r).ok());
    ASSERT_TRUE((*store)->Close().ok());
  }
  const RunResult r = RunCapture({SLAMON_BINARY, "export", "--store", store_path, "--quarantine"}, dir.path(),
                                 std::chrono::seconds(60));
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), rejected.size()) << r.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    for (char c : lines[i]) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control byte in line " << i;
    EXPECT_EQ(lines[i].find("\xE2\x80\xA8"), std::string::npos) << "raw U+2028 in line " << i;
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(lines[i])) << lines[i];
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("topic"), "evil\ntopic");
    EXPECT_EQ(j.at("offset"), static_cast<int64_t>(i));
    EXPECT_EQ(j.at("detail").get<std::string>(), rejected[i].first);
  }
  EXPECT_EQ(nlohmann::json::parse(lines[1]).at("raw").get<std::string>(), rejected[1].second);
  EXPECT_EQ(nlohmann::json::parse(lines[2]).at("raw_base64").get<std::string>(), "//4gbm90IHV0Zi04IAo=");
}

TEST_F(CliTest, BadConfigExitsTwoNamingFileAndField) {
  const std::string bad = dir_->Sub("bad.yaml");
  std::ofstream(bad) << "policies:\n  - name: x\n    calendar: cn-biz\n    targets: {first_response: 1h}\n";
  const std::string as_of = events::FormatRfc3339(last_time_);
  for (const std::string& cmd : std::vector<std::string>{"replay", "accounts"}) {
    const RunResult r = Slamon({cmd, "--store", store_path_, "--config", bad, "--as-of", as_of});
    EXPECT_EQ(r.code, 2) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find(bad), std::string::npos) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("policies[0].calendar"), std::string::npos) << cmd << ": " << r.err;
    EXPECT_EQ(r.out, "") << cmd;
  }
  const std::string bad_health = dir_->Sub("bad-health.yaml");
  std::ofstream(bad_health) << kSlaYaml << "health:\n  weights: {csat: -1}\n";
  const RunResult h = Slamon({"accounts", "--store", store_path_, "--config", bad_health, "--as-of", as_of});
  EXPECT_EQ(h.code, 2) << h.err;
  EXPECT_NE(h.err.find(bad_health), std::string::npos) << h.err;
  EXPECT_NE(h.err.find("csat"), std::string::npos) << h.err;
  const RunResult bad_time =
      Slamon({"replay", "--store", store_path_, "--config", config_path_, "--as-of", "2026-11-20 09:00"});
  EXPECT_EQ(bad_time.code, 2) << bad_time.err;
  EXPECT_NE(bad_time.err.find("--as-of"), std::string::npos) << bad_time.err;
  // An empty config is an error, not the built-in defaults.
  const std::string empty = dir_->Sub("empty.yaml");
  std::ofstream(empty) << "# nothing here\n";
  for (const std::string& cmd : std::vector<std::string>{"replay", "accounts"}) {
    const RunResult r = Slamon({cmd, "--store", store_path_, "--config", empty, "--as-of", as_of});
    EXPECT_EQ(r.code, 2) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find(empty + ": the config file is empty"), std::string::npos) << cmd << ": " << r.err;
  }
  const RunResult report =
      Slamon({"report", "--store", store_path_, "--config", empty, "--from", "2025-11-01", "--to", "2025-12-01"});
  EXPECT_EQ(report.code, 2) << report.err;
  EXPECT_NE(report.err.find(empty + ": the config file is empty"), std::string::npos) << report.err;
}

TEST_F(CliTest, MissingStoreExitsOneNamingThePath) {
  const std::string missing = dir_->Sub("no-such-store");
  const std::string as_of = events::FormatRfc3339(last_time_);
  const std::vector<std::vector<std::string>> commands = {
      {"replay", "--store", missing, "--config", config_path_, "--as-of", as_of},
      {"accounts", "--store", missing, "--config", config_path_, "--as-of", as_of},
      {"export", "--store", missing},
      {"export", "--store", missing, "--quarantine"},
  };
  for (const auto& args : commands) {
    const RunResult r = Slamon(args);
    EXPECT_EQ(r.code, 1) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_FALSE(std::filesystem::exists(missing)) << args[0] << " created the missing store";
  }
}

}  // namespace
}  // namespace slamon::testing
