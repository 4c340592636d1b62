// A generated stream replayed through the store: the accounts CLI agrees with
// EvaluateAccounts, per account and in full, and the records are consistent.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "daemon/cli/accounts_command.h"
#include "daemon/cli/cli_error.h"
#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_projection.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/files.h"
#include "tests/support/generated_items.h"
#include "tests/support/temp_dir.h"

namespace slamon::projections {
namespace {

constexpr const char* kConfig = R"(policies:
  - name: tier-a
    match: {tier: [A]}
    targets: {first_response: 1h, next_response: 2h, resolution: 8h}
  - name: default
    targets: {first_response: 4h, resolution: 2d}
health:
  weights: {csat: 0.4, sla: 0.3, silence: 0.2, reopen: 0.1}
)";

struct CliResult {
  int code = 0;
  std::string out, err;
};

// Runs `slamon accounts ARGS` in-process (the lead registers the command in
// cli.cc) with stdout and stderr captured in files.
CliResult RunAccounts(const testing::TempDir& dir, std::vector<std::string> args) {
  CLI::App app{"slamon"};
  app.require_subcommand(1);
  daemon::AddAccountsCommand(app);
  args.insert(args.begin(), "accounts");
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = dup(1), saved_err = dup(2);
  const std::string out_path = dir.Sub("cli.out"), err_path = dir.Sub("cli.err");
  const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  CliResult result;
  try {
    app.parse(reversed);
  } catch (const CLI::Error& e) {
    result.code = e.get_exit_code();
  } catch (const daemon::CommandFailed& e) {
    result.code = daemon::ReportFailure(e);  // as RunCli reports it
  }
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  for (int fd : {saved_out, saved_err, out_fd, err_fd}) close(fd);
  result.out = testing::ReadFile(out_path);
  result.err = testing::ReadFile(err_path);
  return result;
}

class HealthReplayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    { std::ofstream(dir_->Sub("config.yaml")) << kConfig; }
    auto store = events::EventStore::Open({.path = dir_->Sub("store")});
    ASSERT_TRUE(store.ok()) << store.status().message();
    events::GeneratorOptions options;
    options.accounts = 40;
    options.seed = 11;
    options.seconds_per_event = 2400;  // 5000 messages span about 140 days: every window matters
    options.lifecycle_scale = 1;
    options.malformed_fraction = 0.02;
    options.duplicate_fraction = 0.02;
    std::set<std::string> seen;
    std::vector<events::BatchItem> batch;  // offsets of the whole stream; malformed and duplicate ids left out
    events_ = new std::vector<events::Event>();
    for (events::BatchItem& item : testing::GeneratedItems(options, 1).Take(5000)) {
      if (!item.event || !seen.insert(item.event->id).second) continue;
      events_->push_back(*item.event);
      batch.push_back(std::move(item));
    }
    testing::AppendInBatches(**store, batch, 500);
    ASSERT_TRUE((*store)->Close().ok());
  }
  static void TearDownTestSuite() {
    delete events_;
    delete dir_;
  }

  static int64_t AsOf() {
    // Three quarters into the stream, so some events come after as-of.
    std::vector<int64_t> times;
    for (const auto& e : *events_) times.push_back(e.occurred_at);
    std::sort(times.begin(), times.end());
    return times[times.size() * 3 / 4];
  }

  static testing::TempDir* dir_;
  static std::vector<events::Event>* events_;
};

testing::TempDir* HealthReplayTest::dir_ = nullptr;
std::vector<events::Event>* HealthReplayTest::events_ = nullptr;

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST_F(HealthReplayTest, CliMatchesEvaluateAccountsInAnyArrivalOrder) {
  const int64_t as_of = AsOf();
  const std::string as_of_text = events::FormatRfc3339(as_of);
  auto sla_config = LoadSlaConfigText(kConfig, "config.yaml");
  auto health_config = LoadHealthConfigText(kConfig, "config.yaml");
  ASSERT_TRUE(sla_config.ok() && health_config.ok());
  SlaProjection sla(std::make_shared<const SlaConfig>(sla_config.take()));
  HealthProjection health(*health_config);
  std::vector<events::Event> shuffled = *events_;
  std::mt19937 rng(5);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (const auto& e : shuffled) {
    sla.Apply(e);
    health.Apply(e);
  }
  const auto records = health.EvaluateAccounts(as_of, sla.Evaluate(as_of));
  ASSERT_GE(records.size(), 30u);
  std::string expected;
  for (const auto& r : records) AppendJsonl(r, &expected);

  const CliResult all = RunAccounts(*dir_, {"--store", dir_->Sub("store"), "--config", dir_->Sub("config.yaml"),
                                            "--as-of", as_of_text, "--format", "jsonl"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_EQ(all.out, expected);
  const auto lines = Lines(all.out);
  ASSERT_EQ(lines.size(), records.size());

  // Per account, the CLI replays only that account's events (ScanAccount) and must agree.
  for (size_t i = 0; i < records.size(); i += 3) {
    const CliResult one = RunAccounts(*dir_, {"--store", dir_->Sub("store"), "--config", dir_->Sub("config.yaml"),
                                              "--as-of", as_of_text, "--account", records[i].account_id});
    ASSERT_EQ(one.code, 0) << one.err;
    EXPECT_EQ(one.out, lines[i] + "\n") << records[i].account_id;
    EXPECT_EQ(health.EvaluateAccounts(as_of, sla.Evaluate(as_of, records[i].account_id), records[i].account_id),
              std::vector<AccountRecord>{records[i]});
  }

  const CliResult table = RunAccounts(*dir_, {"--store", dir_->Sub("store"), "--config", dir_->Sub("config.yaml"),
                                              "--as-of", as_of_text, "--format", "table"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(Lines(table.out).size(), records.size() + 1);
  EXPECT_EQ(table.out.rfind("account_id", 0), 0u);
  EXPECT_NE(table.err.find("churn rate 365d:"), std::string::npos);
}

TEST_F(HealthReplayTest, RecordsAreInternallyConsistent) {
  auto sla_config = LoadSlaConfigText(kConfig, "config.yaml");
  ASSERT_TRUE(sla_config.ok());
  SlaProjection sla(std::make_shared<const SlaConfig>(sla_config.take()));
  HealthProjection health(*LoadHealthConfigText(kConfig, "config.yaml"));
  for (const auto& e : *events_) {
    sla.Apply(e);
    health.Apply(e);
  }
  const int64_t as_of = AsOf();
  const auto records = health.EvaluateAccounts(as_of, sla.Evaluate(as_of));
  int levels[kHealthLevelCount] = {};
  for (const auto& r : records) {
    ++levels[static_cast<int>(r.level)];
    EXPECT_EQ(r.churned, r.level == HealthLevel::kChurned) << r.account_id;
    EXPECT_EQ(r.churned, !r.health_score.has_value()) << r.account_id;
    if (r.csat_30d) {
      EXPECT_TRUE(r.csat_90d) << r.account_id;
    }
    if (r.churned) continue;
    double weighted = 0;
    for (int i = 0; i < kHealthSignalCount; ++i) {
      EXPECT_GE(r.signals->score[i], 0);
      EXPECT_LE(r.signals->score[i], 100);
      weighted += health.config().weights[i] * r.signals->score[i];
    }
    EXPECT_NEAR(*r.health_score, weighted / health.config().WeightSum(), 1e-9);
    EXPECT_EQ(r.level, LevelForScore(*r.health_score));
    EXPECT_LE(r.top_signals.size(), 2u);
    EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kCsat], CsatSignal(r.csat_90d));
    EXPECT_DOUBLE_EQ((*r.signals)[HealthSignal::kSilence],
                     SilenceSignal(health.LastInbound(r.account_id, as_of), as_of));
  }
  // The stream is busy enough that every scored account is seen recently.
  EXPECT_GT(levels[static_cast<int>(HealthLevel::kHealthy)] + levels[static_cast<int>(HealthLevel::kWatch)], 0);

  CsatCounts by_tier_sum, by_owner_sum;
  for (const auto& [tier, c] : health.csat().ByTier(as_of, kCsatWindow30d, health.accounts())) by_tier_sum += c;
  for (const auto& [owner, c] : health.csat().ByOwner(as_of, kCsatWindow30d, health.accounts())) by_owner_sum += c;
  const CsatCounts total = health.csat().Total(as_of, kCsatWindow30d);
  EXPECT_GT(total.answered, 0);
  EXPECT_EQ(by_tier_sum, total);
  EXPECT_EQ(by_owner_sum, total);

  const ChurnCounts churn = health.Churn(as_of);
  EXPECT_LE(churn.churned, churn.live);
  EXPECT_GT(churn.live, 0);
  int64_t churned_now = 0;
  for (const auto& r : records) churned_now += r.churned;
  // Every account churned now churned inside the window (the stream is shorter than 365 d).
  EXPECT_GE(churn.churned, churned_now);
}

TEST_F(HealthReplayTest, ConfigErrorsExitTwoNamingFileLineAndField) {
  const std::string bad = dir_->Sub("bad.yaml");
  {
    std::ofstream(bad) << "policies:\n  - name: default\n    targets: {first_response: 4h}\nhealth:\n  weights:\n"
                          "    sla: -1\n";
  }
  CliResult r = RunAccounts(*dir_, {"--store", dir_->Sub("store"), "--config", bad, "--as-of", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(bad + ":6: health.weights.sla: weight must be >= 0"), std::string::npos) << r.err;

  { std::ofstream(bad) << "policies:\n  - name: default\n    calendar: nope\n    targets: {first_response: 4h}\n"; }
  r = RunAccounts(*dir_, {"--store", dir_->Sub("store"), "--config", bad, "--as-of", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(bad + ":3: policies[0].calendar"), std::string::npos) << r.err;

  r = RunAccounts(*dir_, {"--store", dir_->Sub("store"), "--config", dir_->Sub("config.yaml"), "--as-of", "yesterday"});
  EXPECT_EQ(r.code, 2);
  r = RunAccounts(*dir_, {"--store", dir_->Sub("nostore"), "--config", dir_->Sub("config.yaml"), "--as-of",
                          "2026-01-01T00:00:00Z"});
  EXPECT_EQ(r.code, 1);
}

}  // namespace
}  // namespace slamon::projections
