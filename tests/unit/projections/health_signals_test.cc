// The signal formulas of docs/sla-semantics.md "Churn warning", hand-computed.
#include <gtest/gtest.h>

#include "projections/accounts/health_projection.h"
#include "tests/support/health_test_util.h"

namespace slamon::projections {
namespace {

using health_testing::kDay;
using health_testing::T;

TEST(SilenceSignalTest, EdgesAndLinearPart) {
  const int64_t now = T("2026-06-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(SilenceSignal(std::nullopt, now), 0);  // no activity ever
  EXPECT_DOUBLE_EQ(SilenceSignal(now, now), 100);
  EXPECT_DOUBLE_EQ(SilenceSignal(now - 14 * kDay, now), 100);  // exactly 14 days
  EXPECT_LT(SilenceSignal(now - 14 * kDay - 1, now), 100);     // fractional days: one second more
  EXPECT_NEAR(SilenceSignal(now - 14 * kDay - 1, now), 100 - 100.0 / (46 * 86400), 1e-9);
  EXPECT_DOUBLE_EQ(SilenceSignal(now - 37 * kDay, now), 50);  // 100 × (60 − 37) / 46
  EXPECT_NEAR(SilenceSignal(now - 37 * kDay - kDay / 2, now), 100 * 22.5 / 46, 1e-9);
  EXPECT_NEAR(SilenceSignal(now - 59 * kDay, now), 100.0 / 46, 1e-9);
  EXPECT_GT(SilenceSignal(now - 60 * kDay + 1, now), 0);
  EXPECT_DOUBLE_EQ(SilenceSignal(now - 60 * kDay, now), 0);  // exactly 60 days
  EXPECT_DOUBLE_EQ(SilenceSignal(now - 400 * kDay, now), 0);
}

TEST(CsatSignalTest, NoAnswersIs75NotZero) {
  EXPECT_DOUBLE_EQ(CsatSignal(std::nullopt), 75);
  EXPECT_DOUBLE_EQ(CsatSignal(0.0), 0);
  EXPECT_DOUBLE_EQ(CsatSignal(90.0), 90);
}

TEST(SlaSignalTest, Ratio) {
  EXPECT_DOUBLE_EQ(SlaSignal(0, 0), 100);
  EXPECT_DOUBLE_EQ(SlaSignal(0, 7), 100);
  EXPECT_DOUBLE_EQ(SlaSignal(1, 4), 75);
  EXPECT_DOUBLE_EQ(SlaSignal(4, 4), 0);
}

TEST(ReopenSignalTest, RatioAndClamp) {
  EXPECT_DOUBLE_EQ(ReopenSignal(0, 0), 100);
  EXPECT_DOUBLE_EQ(ReopenSignal(0, 3), 100);
  EXPECT_DOUBLE_EQ(ReopenSignal(1, 4), 75);
  EXPECT_DOUBLE_EQ(ReopenSignal(4, 4), 0);
  EXPECT_DOUBLE_EQ(ReopenSignal(5, 2), 0);  // more reopens than resolves: clamped
  EXPECT_DOUBLE_EQ(ReopenSignal(1, 0), 0);  // a reopen of a ticket resolved before the window
}

TEST(LevelTest, BoundariesAreInclusive) {
  EXPECT_EQ(LevelForScore(100), HealthLevel::kHealthy);
  EXPECT_EQ(LevelForScore(70), HealthLevel::kHealthy);
  EXPECT_EQ(LevelForScore(69.99999999999999), HealthLevel::kHealthy);  // binary rounding of an exact 70
  EXPECT_EQ(LevelForScore(69.999), HealthLevel::kWatch);
  EXPECT_EQ(LevelForScore(50), HealthLevel::kWatch);
  EXPECT_EQ(LevelForScore(49.999), HealthLevel::kAtRisk);
  EXPECT_EQ(LevelForScore(0), HealthLevel::kAtRisk);
  EXPECT_EQ(HealthLevelName(HealthLevel::kAtRisk), "at_risk");
  EXPECT_EQ(HealthLevelName(HealthLevel::kChurned), "churned");
}

TEST(RenewalSoonTest, ZeroToNinetyDaysAfterTheUtcDate) {
  const int64_t noon = T("2026-06-01T12:00:00Z");
  EXPECT_TRUE(RenewalSoon("2026-06-01", noon));   // 0 days: the same UTC date
  EXPECT_TRUE(RenewalSoon("2026-06-02", noon));   // 1
  EXPECT_TRUE(RenewalSoon("2026-08-30", noon));   // 90
  EXPECT_FALSE(RenewalSoon("2026-08-31", noon));  // 91
  EXPECT_FALSE(RenewalSoon("2026-05-31", noon));  // past
  EXPECT_FALSE(RenewalSoon("", noon));
  EXPECT_FALSE(RenewalSoon("2026-02-30", noon));
  // The as-of date is the UTC date, whatever the offset of the input text.
  EXPECT_TRUE(RenewalSoon("2026-08-30", T("2026-06-01T23:59:59Z")));
  EXPECT_FALSE(RenewalSoon("2026-08-30", T("2026-06-01T00:30:00+02:00")));  // 2026-05-31 UTC: 91 days
  EXPECT_TRUE(RenewalSoon("1969-12-31", T("1969-12-31T10:00:00Z")));        // floor division before 1970
}

TEST(FormatDecimalTest, TrimsZeros) {
  EXPECT_EQ(FormatDecimal(100), "100");
  EXPECT_EQ(FormatDecimal(73.25), "73.25");
  EXPECT_EQ(FormatDecimal(200.0 / 3), "66.666667");
  EXPECT_EQ(FormatDecimal(0), "0");
  EXPECT_EQ(FormatDecimal(-0.0000001), "0");
  EXPECT_EQ(FormatDecimal(69.99999999999999), "70");
}

}  // namespace
}  // namespace slamon::projections
