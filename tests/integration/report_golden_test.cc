// `slamon report` through the real binary on a store built from the
// deterministic generator: md and csv equal tests/golden/report.{md,csv}
// byte for byte (SLAMON_UPDATE_GOLDEN=1 rewrites them), the csv figures equal
// counts recomputed here straight from the projections and the events, the
// HTML renders to a PNG in headless Chromium, and bad arguments exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "projections/accounts/account_projection.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/files.h"
#include "tests/support/generated_items.h"
#include "tests/support/process.h"
#include "tests/support/sla_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

// The docs/sla-semantics.md configuration (a fixed contract), so that edits to the
// example config do not move the golden files.
constexpr const char* kSlaYaml = projections::testing::kDocConfig;
constexpr const char* kFrom = "2025-11-21";
constexpr const char* kTo = "2026-01-06";

// RFC 4180 records (CRLF line ends, quoted fields may hold commas, quotes, newlines).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

class ReportGoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    store_path_ = dir_->Sub("store");
    config_path_ = dir_->Sub("slamon.yaml");
    std::ofstream(config_path_) << kSlaYaml;
    events::GeneratorOptions go;
    go.accounts = 16;
    go.seed = 7;
    go.seconds_per_event = 240;
    const std::vector<events::BatchItem> batch = GeneratedItems(go, 1, "report").Take(1800);
    for (const events::BatchItem& item : batch) {
      ASSERT_TRUE(item.event.has_value());
      events_.push_back(*item.event);
    }
    auto store = events::EventStore::Open({.path = store_path_, .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().message();
    events::AppendResult appended;
    ASSERT_TRUE((*store)->AppendBatch(batch, &appended).ok());
    ASSERT_TRUE((*store)->Close().ok());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
    events_.clear();
  }

  static RunResult Report(std::vector<std::string> extra) {
    std::vector<std::string> args = {"report", "--store", store_path_, "--config", config_path_};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunSlamon(args, dir_->path());
  }

  static void CompareGolden(const std::string& actual, const std::string& name) {
    const std::string path = std::string(SLAMON_SOURCE_DIR) + "/tests/golden/" + name;
    if (const char* u = std::getenv("SLAMON_UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
      std::ofstream(path, std::ios::binary) << actual;
      std::printf("rewrote %s\n", path.c_str());
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing; run with SLAMON_UPDATE_GOLDEN=1";
    EXPECT_EQ(actual, ReadFile(path)) << "differs from " << path << " (SLAMON_UPDATE_GOLDEN=1 rewrites it)";
  }

  static TempDir* dir_;
  static std::string store_path_, config_path_;
  static std::vector<events::Event> events_;
};

TempDir* ReportGoldenTest::dir_ = nullptr;
std::string ReportGoldenTest::store_path_, ReportGoldenTest::config_path_;
std::vector<events::Event> ReportGoldenTest::events_;

TEST_F(ReportGoldenTest, MarkdownAndCsvEqualTheGoldenFiles) {
  const RunResult md = Report({"--from", kFrom, "--to", kTo});
  ASSERT_EQ(md.code, 0) << md.err;
  CompareGolden(md.out, "report.md");
  const std::string out = dir_->Sub("report.csv");
  const RunResult csv = Report({"--from", kFrom, "--to", kTo, "--format", "csv", "--out", out});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_TRUE(csv.out.empty());
  CompareGolden(ReadFile(out), "report.csv");
  // The same window written with offsets is the same report.
  const RunResult shifted =
      Report({"--from", "2025-11-21T08:00:00+08:00", "--to", "2026-01-05T19:00:00-05:00", "--format", "md"});
  ASSERT_EQ(shifted.code, 0) << shifted.err;
  EXPECT_EQ(shifted.out, md.out);
}

TEST_F(ReportGoldenTest, CsvFiguresEqualCountsRecomputedFromTheProjections) {
  const RunResult csv = Report({"--from", kFrom, "--to", kTo, "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  const auto rows = ParseCsv(csv.out);
  ASSERT_GT(rows.size(), 2u);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = i;
  for (const auto& row : rows) ASSERT_EQ(row.size(), rows[0].size());

  int64_t from = 0, to = 0;
  ASSERT_TRUE(events::ParseRfc3339(std::string(kFrom) + "T00:00:00Z", &from));
  ASSERT_TRUE(events::ParseRfc3339(std::string(kTo) + "T00:00:00Z", &to));
  const int64_t as_of = to - 1;
  auto sla_config = projections::LoadSlaConfigText(kSlaYaml, "golden.yaml");
  ASSERT_TRUE(sla_config.ok());
  projections::SlaProjection sla(std::make_shared<const projections::SlaConfig>(sla_config.take()));
  projections::AccountProjection accounts;
  for (const auto& e : events_) {
    sla.Apply(e);
    accounts.Apply(e);
  }
  auto tier_of = [&](const std::string& account) { return accounts.At(account, as_of)->attributes.tier; };

  // SLA per (tier, metric): instances that started in the window.
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::array<int64_t, 4>> expected_sla;  // instances, met, breached, open
  int64_t expected_breaches = 0;
  for (const auto& r : sla.Evaluate(as_of)) {
    if (r.breach_at && *r.breach_at >= from && *r.breach_at < to) ++expected_breaches;
    if (r.start < from || r.start >= to) continue;
    for (const std::string& metric : {std::string(projections::MetricName(r.metric)), std::string("all")}) {
      auto& c = expected_sla[{tier_of(r.account_id), metric}];
      ++c[0];
      ++c[r.breached ? 2 : (r.state == projections::InstanceState::kStopped ? 1 : 3)];
    }
  }
  // CSAT per tier, straight from the survey events.
  std::map<std::string, std::pair<int64_t, int64_t>> expected_csat;  // answered, satisfied
  for (const auto& e : events_) {
    if (!e.IsCsatAnswer() || e.occurred_at < from || e.occurred_at >= to) continue;  // NPS answers are not CSAT
    auto& c = expected_csat[tier_of(e.account_id)];
    ++c.first;
    if (e.score >= 4) ++c.second;
  }

  int64_t checked_sla = 0, checked_csat = 0, checked_churn = 0, breach_rows = 0, total_breached = -1;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    auto v = [&](const char* c) { return row[col.at(c)]; };
    auto n = [&](const char* c) { return static_cast<int64_t>(std::stoll(row[col.at(c)])); };
    if (v("section") == "breach") ++breach_rows;
    if (v("scope") != "tier") {
      if (v("section") == "sla" && v("scope") == "total" && v("metric") == "all") total_breached = n("breached");
      continue;
    }
    if (v("section") == "sla") {
      const auto it = expected_sla.find({v("tier"), v("metric")});
      const std::array<int64_t, 4> want = it == expected_sla.end() ? std::array<int64_t, 4>{} : it->second;
      EXPECT_EQ((std::array<int64_t, 4>{n("instances"), n("met"), n("breached"), n("open")}), want)
          << v("tier") << " " << v("metric");
      checked_sla += want[0];
    } else if (v("section") == "csat") {
      const auto want = expected_csat[v("tier")];
      EXPECT_EQ(std::make_pair(n("answers"), n("satisfied")), want) << v("tier");
      checked_csat += want.first;
      if (want.first > 0) {
        EXPECT_NEAR(std::stod(v("percent")), 100.0 * want.second / want.first, 1e-5);
        EXPECT_EQ(v("meets_target"), want.second * 100 >= 90 * want.first ? "yes" : "no");
      }
    } else if (v("section") == "churn") {
      // Churn of the tier's accounts alone, through a projection of their events only.
      projections::AccountProjection tier_accounts;
      for (const auto& e : events_) {
        if (tier_of(e.account_id) == v("tier")) tier_accounts.Apply(e);
      }
      const projections::ChurnCounts want = tier_accounts.Churn(as_of, to - from);
      EXPECT_EQ(std::make_pair(n("live_accounts"), n("churned")), std::make_pair(want.live, want.churned)) << v("tier");
      ++checked_churn;
    }
  }
  // Every instance and answer was checked (none in a tier the report missed).
  int64_t all_instances = 0, all_answers = 0;
  for (const auto& [k, c] : expected_sla) all_instances += k.second == "all" ? c[0] : 0;
  for (const auto& [k, c] : expected_csat) all_answers += c.first;
  EXPECT_EQ(checked_sla, 2 * all_instances);  // per metric rows + the "all" rows
  EXPECT_EQ(checked_csat, all_answers);
  EXPECT_GT(all_instances, 20) << "the generated window should hold SLA instances";
  EXPECT_GT(all_answers, 0);
  EXPECT_GT(expected_breaches, 0) << "the generated window should hold breaches";
  EXPECT_EQ(breach_rows, expected_breaches);
  int64_t all_breached = 0;
  for (const auto& [k, c] : expected_sla) all_breached += k.second == "all" ? c[2] : 0;
  EXPECT_EQ(total_breached, all_breached);
  EXPECT_GE(checked_churn, 2) << "tiers with churn rows";

  // Churn over the window, all accounts.
  const projections::ChurnCounts churn = accounts.Churn(as_of, to - from);
  bool churn_checked = false;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row[col.at("section")] == "churn" && row[col.at("scope")] == "total") {
      EXPECT_EQ(static_cast<int64_t>(std::stoll(row[col.at("live_accounts")])), churn.live);
      EXPECT_EQ(static_cast<int64_t>(std::stoll(row[col.at("churned")])), churn.churned);
      churn_checked = true;
    }
  }
  EXPECT_TRUE(churn_checked);

  // Scorecards: first responses and resolutions met and breached per owner
  // and per team at as_of, of the instances that started in the window.
  using Card = std::map<std::string, int64_t>;                         // figure name -> value
  std::map<std::pair<std::string, std::string>, Card> expected_cards;  // (scope, name)
  std::map<std::string, std::vector<int64_t>> owner_first_responses;   // business seconds, per owner
  for (const auto& r : sla.Evaluate(as_of)) {
    if (r.start >= from && r.start < to && r.metric == projections::Metric::kFirstResponse &&
        r.state == projections::InstanceState::kStopped) {
      owner_first_responses[accounts.At(r.account_id, as_of)->attributes.owner].push_back(r.elapsed_seconds);
    }
    if (r.start < from || r.start >= to || (r.state != projections::InstanceState::kStopped && !r.breached)) continue;
    if (r.metric != projections::Metric::kFirstResponse && r.metric != projections::Metric::kResolution) continue;
    const auto state = accounts.At(r.account_id, as_of);
    const std::string figure = std::string(projections::MetricName(r.metric)) + (r.breached ? "_breached" : "_met");
    ++expected_cards[{"owner", state->attributes.owner}][figure];
    ++expected_cards[{"team", state->attributes.team}][figure];
  }
  std::map<std::pair<std::string, std::string>, Card> cards;
  std::map<std::string, std::string> medians;  // owner -> the CSV's median first response
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row[col.at("section")] != "scorecard") continue;
    const std::string& scope = row[col.at("scope")];
    const std::string& name = row[col.at(scope == "owner" ? "owner" : "team")];
    const std::string& figure = row[col.at("name")];
    if (figure == "median_first_response_seconds" && scope == "owner") {
      medians[name] = row[col.at("value")];
    }
    if (figure.ends_with("_met") || figure.ends_with("_breached")) {
      cards[{scope, name}][figure] = std::stoll(row[col.at("value")]);
    }
  }
  ASSERT_GE(expected_cards.size(), 4u) << "owners and teams with verdicts";
  // The median business first response per owner, nearest rank.
  ASSERT_FALSE(owner_first_responses.empty());
  for (auto& [owner, times] : owner_first_responses) {
    std::sort(times.begin(), times.end());
    const size_t rank = (times.size() + 1) / 2;  // ceil(n / 2), 1-based
    EXPECT_EQ(medians[owner], std::to_string(times[rank - 1])) << owner << " of " << times.size();
  }
  for (const auto& [key, want] : expected_cards) {
    for (const auto& [figure, n] : want) EXPECT_EQ(cards[key][figure], n) << key.first << " " << key.second << figure;
  }
}

TEST_F(ReportGoldenTest, HtmlIsSelfContainedAndRendersInHeadlessChromium) {
  const std::string html_path = dir_->Sub("report.html");
  const RunResult r = Report({"--from", kFrom, "--to", kTo, "--format", "html", "--out", html_path});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = ReadFile(html_path);
  ASSERT_GT(html.size(), 2000u);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);

  std::string chromium;
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(p)) chromium = p;
  }
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  const std::string png = dir_->Sub("report.png");
  const RunResult shot = RunCapture(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + dir_->Sub("chromium-profile"),
       "--screenshot=" + png, "--window-size=1280,2400", "file://" + html_path},
      dir_->path(), std::chrono::seconds(90));
  ASSERT_EQ(shot.code, 0) << shot.err;
  const std::string image = ReadFile(png);
  ASSERT_GT(image.size(), 20000u) << "a screenshot of a report with charts and tables is not that small";
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(image.substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(image[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(image[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(image[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(image[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2400u);
  // For looking at: SLAMON_REPORT_ARTIFACTS=DIR keeps the HTML and the screenshot.
  if (const char* keep = std::getenv("SLAMON_REPORT_ARTIFACTS"); keep != nullptr && *keep != '\0') {
    std::filesystem::copy_file(html_path, std::string(keep) + "/report.html",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(png, std::string(keep) + "/report.png",
                               std::filesystem::copy_options::overwrite_existing);
  }
}

TEST_F(ReportGoldenTest, BadArgumentsExitTwoWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--from", kTo, "--to", kFrom}, "must be before --to"},
      {{"--from", kFrom, "--to", kFrom}, "must be before --to"},
      {{"--from", "2025-11-xx", "--to", kTo}, "--from: not an RFC 3339"},
      {{"--from", kFrom, "--to", "tomorrow"}, "--to: not an RFC 3339"},
      {{"--from", kFrom, "--to", kTo, "--format", "pdf"}, "--format: must be md, csv or html"},
      {{"--from", kFrom, "--to", kTo, "--objective", "0"}, "--objective"},
  };
  for (const auto& c : cases) {
    const RunResult r = Report(c.args);
    EXPECT_EQ(r.code, 2) << c.message << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  const RunResult missing = RunCapture(
      {SLAMON_BINARY, "report", "--store", dir_->Sub("nope"), "--config", config_path_, "--from", kFrom, "--to", kTo},
      dir_->path());
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--store: no such directory"), std::string::npos) << missing.err;
  const std::string bad_config = dir_->Sub("bad.yaml");
  std::ofstream(bad_config) << "policies:\n  - name: x\n    calendar: nowhere\n    targets: {first_response: 1h}\n";
  const RunResult bad = RunCapture(
      {SLAMON_BINARY, "report", "--store", store_path_, "--config", bad_config, "--from", kFrom, "--to", kTo},
      dir_->path());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.yaml:3"), std::string::npos) << bad.err;
  // A directory that is not a store, and an unwritable --out, are runtime failures.
  const std::string not_a_store = dir_->Sub("empty-dir");
  std::filesystem::create_directories(not_a_store);
  const RunResult empty = RunCapture(
      {SLAMON_BINARY, "report", "--store", not_a_store, "--config", config_path_, "--from", kFrom, "--to", kTo},
      dir_->path());
  EXPECT_EQ(empty.code, 1);
  EXPECT_NE(empty.err.find("report: cannot open store"), std::string::npos) << empty.err;
  const RunResult unwritable = Report({"--from", kFrom, "--to", kTo, "--out", dir_->Sub("no/such/dir/r.md")});
  EXPECT_EQ(unwritable.code, 1);
  EXPECT_NE(unwritable.err.find("--out"), std::string::npos) << unwritable.err;
}

}  // namespace
}  // namespace slamon::testing
