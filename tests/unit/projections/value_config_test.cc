// The value, followup, categories and churn_reasons keys and the engagement weight.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "projections/accounts/health_config.h"

namespace slamon::projections {
namespace {

using ::testing::HasSubstr;

TEST(ValueConfigTest, Defaults) {
  auto c = LoadHealthConfigText("health: {weights: {csat: 1}}\n", "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kEngagement), 0);
  const ValueConfig& v = c->value;
  EXPECT_EQ(v.currency, "CNY");
  EXPECT_EQ(v.recency_days, (std::array<double, 4>{30, 60, 120, 240}));
  EXPECT_EQ(v.frequency, (std::array<double, 4>{1, 3, 6, 12}));
  EXPECT_EQ(v.monetary, (std::array<double, 4>{10000, 50000, 200000, 1000000}));
  EXPECT_EQ(v.followup, (std::map<std::string, int64_t>{{"A", 14 * 86400}, {"B", 30 * 86400}, {"C", 90 * 86400}}));
  EXPECT_EQ(v.CategoryLabels(),
            (std::vector<std::string>{"complaint", "billing", "technical", "delivery", "inquiry", "other"}));
}

TEST(ValueConfigTest, ReadsEveryKey) {
  auto c = LoadHealthConfigText(
      "value: {currency: USD, monetary: [1, 2, 3, 4.5]}\n"
      "followup: {A: 7d, VIP: 36h}\n"
      "categories: [complaint, refund]\n"
      "churn_reasons: [budget]\n"
      "health: {weights: {engagement: 0.5}}\n",
      "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->value.currency, "USD");
  EXPECT_EQ(c->value.monetary, (std::array<double, 4>{1, 2, 3, 4.5}));
  EXPECT_EQ(c->value.recency_days, (std::array<double, 4>{30, 60, 120, 240}));  // default kept
  EXPECT_EQ(c->value.followup, (std::map<std::string, int64_t>{{"A", 7 * 86400}, {"VIP", 36 * 3600}}));
  EXPECT_EQ(c->value.CategoryLabel("refund"), "refund");
  EXPECT_EQ(c->value.CategoryLabel("billing"), "other");
  EXPECT_EQ(c->value.ReasonLabels(), (std::vector<std::string>{"budget", "other"}));
  EXPECT_DOUBLE_EQ(c->weight(HealthSignal::kEngagement), 0.5);
  EXPECT_DOUBLE_EQ(c->WeightSum(), 1.5);
  auto off = LoadHealthConfigText("followup: {}\n", "c.yaml");
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->value.followup.empty());
}

TEST(ValueConfigTest, RejectsWithFileLineAndField) {
  const std::pair<const char*, const char*> cases[] = {
      {"x: 1\nvalue:\n  recency_days: [30, 60, 60, 240]\n",
       "c.yaml:3: value.recency_days[2]: thresholds must be strictly ascending"},
      {"value: {frequency: [1, 3, 6]}\n", "c.yaml:1: value.frequency: expected a list of 4 ascending numbers"},
      {"value:\n  monetary: [-1, 2, 3, 4]\n", "c.yaml:2: value.monetary[0]: must be >= 0"},
      {"value:\n  monetary: [1, 2, x, 4]\n", "c.yaml:2: value.monetary[2]: not a finite number"},
      {"value:\n  currency: yuan\n", "c.yaml:2: value.currency: expected an ISO 4217 code"},
      {"value:\n  currancy: CNY\n", "c.yaml:2: value.currancy: unknown field"},
      {"followup:\n  A: soon\n", "c.yaml:2: followup.A: not a duration"},
      {"followup:\n  A: 0\n", "c.yaml:2: followup.A: cadence must be > 0"},
      {"followup: [A]\n", "c.yaml:1: followup: expected a map"},
      {"categories:\n  - complaint\n  - other\n", "c.yaml:3: categories[1]: 'other' is reserved"},
      {"churn_reasons: [budget, budget]\n", "c.yaml:1: churn_reasons[1]: duplicate 'budget'"},
      {"churn_reasons: budget\n", "c.yaml:1: churn_reasons: expected a list"},
      {"health:\n  weights:\n    engagment: 1\n", "c.yaml:3: health.weights.engagment: unknown signal"},
  };
  for (const auto& [yaml, expected] : cases) {
    auto c = LoadHealthConfigText(yaml, "c.yaml");
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_THAT(c.status().message(), HasSubstr(expected)) << yaml;
  }
}

}  // namespace
}  // namespace slamon::projections
