#include "projections/accounts/health_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace slamon::projections {
namespace {

using ::testing::HasSubstr;

TEST(HealthConfigTest, DefaultsWhenAbsent) {
  for (const char* yaml : {"", "kafka: {brokers: embedded}", "health:", "health: {}", "health: {weights: {}}"}) {
    auto c = LoadHealthConfigText(yaml, "c.yaml");
    ASSERT_TRUE(c.ok()) << yaml << ": " << c.status().message();
    EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kCsat), 0.35);
    EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kSla), 0.30);
    EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kSilence), 0.20);
    EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kReopen), 0.15);
  }
}

TEST(HealthConfigTest, ReadsWeightsAndKeepsUnlistedDefaults) {
  auto c = LoadHealthConfigText("health:\n  weights: {csat: 2, sla: 1.5, silence: 0}\n", "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kCsat), 2);
  EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kSla), 1.5);
  EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kSilence), 0);
  EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kReopen), 0.15);
  EXPECT_DOUBLE_EQ(c->WeightSum(), 3.65);
}

struct BadCase {
  const char* yaml;
  const char* expected;  // the whole "file:line: field: message" prefix that must appear
};

TEST(HealthConfigTest, RejectsWithFileLineAndField) {
  const BadCase cases[] = {
      {"x: 1\nhealth:\n  weights:\n    csat: -0.1\n", "c.yaml:4: health.weights.csat: weight must be >= 0"},
      {"health:\n  weights:\n    csat: 0\n    sla: 0\n    silence: 0\n    reopen: 0\n",
       "c.yaml:3: health.weights: all weights are zero"},
      {"health:\n  weights:\n    csat: 1\n    engagemnt: 0.2\n", "c.yaml:4: health.weights.engagemnt: unknown signal"},
      {"health:\n  weights:\n    sla: lots\n", "c.yaml:3: health.weights.sla: not a finite number: 'lots'"},
      {"health:\n  weights:\n    sla: .inf\n", "c.yaml:3: health.weights.sla: not a finite number"},
      {"health:\n  weights:\n    sla: [1]\n", "c.yaml:3: health.weights.sla: not a finite number"},
      {"health:\n  weights: [0.3]\n", "c.yaml:2: health.weights: expected a map"},
      {"health: 3\n", "c.yaml:1: health: expected a map"},
      {"health:\n  weight: {csat: 1}\n", "c.yaml:2: health.weight: unknown field 'weight'"},
      {"health:\n  ? [weights]\n  : 1\n", "c.yaml:2: health: a key must be a plain name"},
      {"health:\n  weights:\n    ? {csat: 1}\n    : 1\n", "c.yaml:3: health.weights: a key must be a plain name"},
  };
  for (const BadCase& c : cases) {
    auto r = LoadHealthConfigText(c.yaml, "c.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_THAT(r.status().message(), HasSubstr(c.expected)) << c.yaml;
  }
}

TEST(HealthConfigTest, AllZeroAfterDefaultsIsRejectedOnlyWhenEverySignalIsZero) {
  // Unlisted signals keep their defaults, so zeroing two is still valid.
  EXPECT_TRUE(LoadHealthConfigText("health: {weights: {csat: 0, sla: 0}}", "c.yaml").ok());
}

TEST(HealthConfigTest, SignalNamesRoundTrip) {
  for (int i = 0; i < kHealthSignalCount; ++i) {
    const auto s = static_cast<HealthSignal>(i);
    EXPECT_EQ(ParseHealthSignal(HealthSignalName(s)), s);
  }
  EXPECT_EQ(ParseHealthSignal("CSAT"), std::nullopt);
}

}  // namespace
}  // namespace slamon::projections
