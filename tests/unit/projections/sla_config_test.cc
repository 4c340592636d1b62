#include "projections/sla/sla_config.h"

#include <gtest/gtest.h>

#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

TEST(SlaConfigTest, LoadsTheDocumentedConfig) {
  auto c = LoadSlaConfigText(testing::kDocConfig, "slamon.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->policies.size(), 4u);
  const SlaPolicy& a = c->policies[0];
  EXPECT_EQ(a.name, "tier-a");
  EXPECT_EQ(a.calendar->name(), "cn-business");
  EXPECT_EQ(a.target(Metric::kFirstResponse), 3600);
  EXPECT_EQ(a.target(Metric::kNextResponse), 7200);
  EXPECT_EQ(a.target(Metric::kResolution), 8 * 3600);
  EXPECT_TRUE(a.Pauses(Metric::kResolution, events::TicketStatus::kPending));
  EXPECT_FALSE(a.Pauses(Metric::kFirstResponse, events::TicketStatus::kPending));
  EXPECT_FALSE(a.Pauses(Metric::kResolution, events::TicketStatus::kOpen));
  EXPECT_EQ(a.WarnSeconds(Metric::kFirstResponse), 2700);
  const SlaPolicy& d = c->policies[3];
  EXPECT_EQ(d.calendar->name(), "24x7");
  EXPECT_EQ(d.warn_at, 0.75);
  EXPECT_TRUE(d.Pauses(Metric::kNextResponse, events::TicketStatus::kOnHold));  // defaults
  EXPECT_FALSE(d.target(Metric::kResolution).has_value());
  EXPECT_EQ(c->Select("A", events::Priority::kLow), 0);
  EXPECT_EQ(c->Select("Z", events::Priority::kLow), 3);
  EXPECT_EQ(c->calendars.size(), 3u);  // 24x7 + 2
}

TEST(SlaConfigTest, EmptyOrMissingSectionsAreFine) {
  auto c = LoadSlaConfigText("http: {port: 1}\n", "x.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->policies.empty());
  EXPECT_EQ(c->Select("A", events::Priority::kHigh), -1);
}

TEST(SlaConfigTest, MatchOnPriority) {
  auto c = LoadSlaConfigText(R"(
policies:
  - name: urgent-a
    match: {tier: [A], priority: [urgent, high]}
    targets: {first_response: 15m}
  - name: rest
    targets: {first_response: 1d}
)",
                             "x.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->Select("A", events::Priority::kUrgent), 0);
  EXPECT_EQ(c->Select("A", events::Priority::kNormal), 1);
  EXPECT_EQ(c->Select("B", events::Priority::kUrgent), 1);
  EXPECT_EQ(c->policies[1].target(Metric::kFirstResponse), 86400);
}

TEST(SlaConfigTest, Durations) {
  EXPECT_EQ(ParseDuration("90m"), 5400);
  EXPECT_EQ(ParseDuration("4h"), 14400);
  EXPECT_EQ(ParseDuration("1d2h"), 93600);
  EXPECT_EQ(ParseDuration("30s"), 30);
  EXPECT_EQ(ParseDuration("3600"), 3600);
  EXPECT_EQ(ParseDuration("1h30m15s"), 5415);
  for (const char* bad : {"", "h", "1x", "1h1d", "1h1h", "-5", "1.5h", "4 h", "99999999999999999999"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

struct Rejection {
  const char* name;
  const char* yaml;
  const char* message;  // expected substring, including file:line: field
};

class SlaConfigRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(SlaConfigRejects, NamesFileLineAndField) {
  auto c = LoadSlaConfigText(GetParam().yaml, "cfg.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(GetParam().message), std::string::npos) << c.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    All, SlaConfigRejects,
    ::testing::Values(
        Rejection{"UnknownCalendar", "policies:\n  - name: p\n    calendar: nope\n    targets: {first_response: 1h}\n",
                  "cfg.yaml:3: policies[0].calendar: unknown calendar 'nope'"},
        Rejection{"UnknownTimezone",
                  "calendars:\n  - name: c\n    timezone: Mars/Base\n    hours: {mon: [\"09:00-17:00\"]}\n",
                  "cfg.yaml:3: calendars[0].timezone: unknown timezone 'Mars/Base'"},
        Rejection{"UnknownMetric", "policies:\n  - name: p\n    targets:\n      first_reply: 1h\n",
                  "cfg.yaml:4: policies[0].targets.first_reply: unknown metric 'first_reply'"},
        Rejection{"UnknownWeekday",
                  "calendars:\n  - name: c\n    timezone: UTC\n    hours:\n      mun: [\"09:00-17:00\"]\n",
                  "cfg.yaml:5: calendars[0].hours.mun: unknown weekday 'mun'"},
        Rejection{"BadClock", "calendars:\n  - name: c\n    timezone: UTC\n    hours:\n      mon: [\"9:00-17:00\"]\n",
                  "cfg.yaml:5: calendars[0].hours.mon[0]: bad hours '9:00-17:00'"},
        Rejection{"BadMinute", "calendars:\n  - name: c\n    timezone: UTC\n    hours:\n      mon: [\"09:60-17:00\"]\n",
                  "calendars[0].hours.mon[0]: bad hours"},
        Rejection{"Inverted", "calendars:\n  - name: c\n    timezone: UTC\n    hours:\n      mon: [\"17:00-09:00\"]\n",
                  "cfg.yaml:5: calendars[0].hours.mon[0]: inverted or empty hours '17:00-09:00'"},
        Rejection{
            "Overlapping",
            "calendars:\n  - name: c\n    timezone: UTC\n    hours:\n      mon: [\"09:00-12:00\", \"11:00-13:00\"]\n",
            "cfg.yaml:5: calendars[0].hours.mon: overlapping hours"},
        Rejection{"ZeroTarget", "policies:\n  - name: p\n    targets: {first_response: 0}\n",
                  "cfg.yaml:3: policies[0].targets.first_response: target must be > 0"},
        Rejection{"BadDuration", "policies:\n  - name: p\n    targets: {resolution: 4hours}\n",
                  "cfg.yaml:3: policies[0].targets.resolution: bad duration '4hours'"},
        Rejection{"WarnAtZero", "policies:\n  - name: p\n    targets: {resolution: 4h}\n    warn_at: 0\n",
                  "cfg.yaml:4: policies[0].warn_at: must be a number in (0, 1]"},
        Rejection{"WarnAtAboveOne", "policies:\n  - name: p\n    targets: {resolution: 4h}\n    warn_at: 1.5\n",
                  "cfg.yaml:4: policies[0].warn_at"},
        Rejection{"DuplicateCalendar",
                  "calendars:\n  - name: c\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "  - name: c\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n",
                  "cfg.yaml:5: calendars[1].name: duplicate calendar name 'c'"},
        Rejection{"BuiltinCalendarName",
                  "calendars:\n  - name: 24x7\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n",
                  "calendars[0].name: duplicate calendar name '24x7'"},
        Rejection{"DuplicatePolicy",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n  - name: p\n    targets: {resolution: 4h}\n",
                  "cfg.yaml:4: policies[1].name: duplicate policy name 'p'"},
        Rejection{"UnknownPauseStatus",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    pause_on: [waiting]\n",
                  "cfg.yaml:4: policies[0].pause_on: unknown status 'waiting'"},
        Rejection{"UnknownPauseMetric",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    pause_metrics: [resolve]\n",
                  "cfg.yaml:4: policies[0].pause_metrics: unknown metric 'resolve'"},
        Rejection{"UnknownPriority",
                  "policies:\n  - name: p\n    match: {priority: [asap]}\n    targets: {resolution: 4h}\n",
                  "cfg.yaml:3: policies[0].match.priority: unknown priority 'asap'"},
        Rejection{"UnknownPolicyField", "policies:\n  - name: p\n    targets: {resolution: 4h}\n    calender: x\n",
                  "cfg.yaml:4: policies[0]: unknown field 'calender'"},
        Rejection{"BadHoliday",
                  "calendars:\n  - name: c\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "    holidays: [\"2026-02-30\"]\n",
                  "cfg.yaml:5: calendars[0].holidays[0]: bad date '2026-02-30'"},
        Rejection{"NoHours", "calendars:\n  - name: c\n    timezone: UTC\n    hours: {}\n",
                  "calendars[0].hours: calendar has no working hours"},
        Rejection{"PoliciesNotAList", "policies: {name: p}\n", "cfg.yaml:1: policies: expected a list"},
        Rejection{"MissingTargets",
                  "calendars:\n  - name: c1\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "policies:\n  - name: p\n    calendar: c1\n",
                  "policies[0].targets: missing"},
        Rejection{"YamlSyntax", "policies: [\n", "cfg.yaml:"},
        Rejection{"ComplexTopLevelKey", "? [a, b]\n: 1\n", "cfg.yaml:1: (top level): a key must be a plain name"},
        Rejection{"ComplexKeyInPolicy", "policies:\n  - name: p\n    ? [a, b]\n    : 1\n",
                  "cfg.yaml:3: policies[0]: a key must be a plain name, not a list or a mapping"},
        Rejection{"ComplexKeyInTargets", "policies:\n  - name: p\n    targets: {? [a] : 1h}\n",
                  "cfg.yaml:3: policies[0].targets: a key must be a plain name"},
        Rejection{"ListAsDuration", "policies:\n  - name: p\n    targets:\n      first_response: [1h]\n",
                  "cfg.yaml:4: policies[0].targets.first_response: expected a duration (e.g. 4h), got a list"},
        Rejection{
            "ComplexKeyInHours",
            "calendars:\n  - name: c\n    timezone: UTC\n    hours:\n      ? {mon: 1}\n      : [\"09:00-17:00\"]\n",
            "cfg.yaml:5: calendars[0].hours: a key must be a plain name"}),
    [](const ::testing::TestParamInfo<Rejection>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace slamon::projections
