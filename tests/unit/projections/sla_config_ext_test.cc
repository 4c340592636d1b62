// Config keys of the SLA extensions: overrides, use_account_calendar,
// channel/team matching, escalation, group_targets, and their rejections.
#include <gtest/gtest.h>

#include "projections/sla/sla_config.h"
#include "tests/support/sla_test_util.h"

namespace slamon::projections {
namespace {

TEST(SlaConfigExtTest, LoadsTheExtensionsConfig) {
  auto c = LoadSlaConfigText(testing::kExtConfig, "ext.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto cn = c->FindCalendar("cn-business");
  ASSERT_NE(cn, nullptr);
  ASSERT_EQ(cn->spec().overrides.size(), 2u);
  EXPECT_EQ(cn->spec().overrides[1].hours, (std::vector<LocalHours>{{9 * 3600, 12 * 3600}}));
  const SlaPolicy& phone = c->policies[0];
  EXPECT_TRUE(phone.match_channel);
  EXPECT_EQ(phone.match_channels, std::vector<std::string>{"phone"});
  const SlaPolicy& a = c->policies[1];
  EXPECT_TRUE(a.use_account_calendar);
  ASSERT_EQ(a.escalation.size(), 2u);
  EXPECT_EQ(a.escalation[0].name, "team_lead");
  EXPECT_EQ(a.escalation[0].after, 7200);
  EXPECT_EQ(a.escalation[1].after, 86400);
  EXPECT_EQ(a.target(Metric::kAssignment, "tech"), 4 * 3600);
  EXPECT_FALSE(a.target(Metric::kAssignment, "finance").has_value());
  EXPECT_EQ(a.WarnSeconds(Metric::kAssignment, "after_sales"), 5400);
  // pause_metrics default now includes assignment.
  EXPECT_TRUE(a.Pauses(Metric::kAssignment, events::TicketStatus::kPending));
  EXPECT_FALSE(c->policies[2].use_account_calendar);
  EXPECT_TRUE(c->MatchesContext());
  EXPECT_EQ(c->AllGroups(), (std::vector<std::string>{"after_sales", "tech"}));
  // Channel matching: none matches no list; the next policy catches it.
  EXPECT_EQ(c->Select("A", events::Priority::kHigh, "phone"), 0);
  EXPECT_EQ(c->Select("A", events::Priority::kHigh, ""), 1);
  EXPECT_EQ(c->Select("A", events::Priority::kHigh, "email"), 1);
}

TEST(SlaConfigExtTest, TeamMatchAndEmptyOverrideDay) {
  auto c = LoadSlaConfigText(R"(
calendars:
  - name: c
    timezone: UTC
    hours: {mon: ["09:00-17:00"]}
    overrides: {"2026-11-23": [], "2026-11-22": ["10:00-11:00"]}
policies:
  - name: east
    match: {team: [east, north]}
    calendar: c
    targets: {first_response: 1h}
  - name: rest
    targets: {first_response: 2h}
)",
                             "x.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->Select("A", events::Priority::kLow, "", "north"), 0);
  EXPECT_EQ(c->Select("A", events::Priority::kLow, "", ""), 1);
  const auto cal = c->FindCalendar("c");
  // Mon 2026-11-23 is a day off, Sun 2026-11-22 works 10-11, Mon 11-30 is normal.
  EXPECT_EQ(cal->BusinessSeconds(testing::T("2026-11-22T00:00:00Z"), testing::T("2026-11-24T00:00:00Z")), 3600);
  EXPECT_EQ(cal->BusinessSeconds(testing::T("2026-11-30T00:00:00Z"), testing::T("2026-12-01T00:00:00Z")), 8 * 3600);
}

TEST(SlaConfigExtTest, OverridesFollowTheDstRulesOfWeeklyHours) {
  auto c = LoadSlaConfigText(R"(
calendars:
  - name: ny
    timezone: America/New_York
    hours: {mon: ["09:00-17:00"]}
    overrides: {"2026-03-08": ["01:00-04:00"], "2026-11-01": ["00:00-03:00"]}
)",
                             "x.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto cal = c->FindCalendar("ny");
  using testing::T;
  // Spring forward: 02:00-03:00 does not exist, 01:00 EST .. 04:00 EDT is 2 h.
  EXPECT_EQ(cal->BusinessSeconds(T("2026-03-08T00:00:00Z"), T("2026-03-09T00:00:00Z")), 2 * 3600);
  EXPECT_EQ(cal->InstantAfter(T("2026-03-08T00:00:00Z"), 1), T("2026-03-08T06:00:01Z"));
  // Fall back: 01:00-02:00 happens twice, 00:00 EDT .. 03:00 EST is 4 h.
  EXPECT_EQ(cal->BusinessSeconds(T("2026-11-01T00:00:00Z"), T("2026-11-02T00:00:00Z")), 4 * 3600);
}

struct Rejection {
  const char* name;
  const char* yaml;
  const char* message;  // expected substring, including file:line: field
};

class SlaConfigExtRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(SlaConfigExtRejects, NamesFileLineAndField) {
  auto c = LoadSlaConfigText(GetParam().yaml, "cfg.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(GetParam().message), std::string::npos) << c.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    All, SlaConfigExtRejects,
    ::testing::Values(
        Rejection{"HolidayAndOverride",
                  "calendars:\n  - name: c\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "    holidays: [\"2026-10-01\"]\n    overrides:\n      \"2026-10-01\": [\"09:00-12:00\"]\n",
                  "cfg.yaml:7: calendars[0].overrides.2026-10-01: date is both a holiday and an override"},
        Rejection{"MalformedOverrideDate",
                  "calendars:\n  - name: c\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "    overrides:\n      \"2026-13-01\": []\n",
                  "cfg.yaml:6: calendars[0].overrides.2026-13-01: bad date '2026-13-01'"},
        Rejection{"OverlappingOverride",
                  "calendars:\n  - name: c\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "    overrides:\n      \"2026-10-10\": [\"09:00-12:00\", \"11:00-13:00\"]\n",
                  "cfg.yaml:6: calendars[0].overrides.2026-10-10: overlapping hours"},
        Rejection{"BadOverrideHours",
                  "calendars:\n  - name: c\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "    overrides:\n      \"2026-10-10\": [\"12:00-09:00\"]\n",
                  "cfg.yaml:6: calendars[0].overrides.2026-10-10[0]: inverted or empty hours"},
        Rejection{"OverridesOn24x7",
                  "calendars:\n  - name: 24x7\n    timezone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n"
                  "    overrides: {\"2026-10-10\": []}\n",
                  "cfg.yaml:5: calendars[0].overrides: the 24x7 calendar has no overrides"},
        Rejection{"UnorderedEscalation",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    escalation:\n"
                  "      - {name: a, after: 2h}\n      - {name: b, after: 1h}\n",
                  "cfg.yaml:6: policies[0].escalation[1].after: escalation steps must have strictly increasing"},
        Rejection{"EqualEscalation",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    escalation:\n"
                  "      - {name: a, after: 0}\n      - {name: b, after: 0}\n",
                  "cfg.yaml:6: policies[0].escalation[1].after"},
        Rejection{"BadEscalationDuration",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    escalation:\n"
                  "      - {name: a, after: soon}\n",
                  "cfg.yaml:5: policies[0].escalation[0].after: bad duration 'soon'"},
        Rejection{"EscalationWithoutName",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    escalation:\n      - {after: 1h}\n",
                  "cfg.yaml:5: policies[0].escalation[0].name: missing"},
        Rejection{"GroupTargetZero",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    group_targets:\n      tech: 0\n",
                  "cfg.yaml:5: policies[0].group_targets.tech: target must be > 0"},
        Rejection{"GroupTargetBad",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    group_targets:\n      tech: 2x\n",
                  "cfg.yaml:5: policies[0].group_targets.tech: bad duration '2x'"},
        Rejection{"AssignmentInTargets", "policies:\n  - name: p\n    targets:\n      assignment: 1h\n",
                  "cfg.yaml:4: policies[0].targets.assignment: assignment targets are per group"},
        Rejection{"BadAccountCalendarFlag",
                  "policies:\n  - name: p\n    targets: {resolution: 4h}\n    use_account_calendar: maybe\n",
                  "cfg.yaml:4: policies[0].use_account_calendar: expected true or false"},
        Rejection{"UnknownMatchKey",
                  "policies:\n  - name: p\n    match: {region: [eu]}\n    targets: {resolution: 4h}\n",
                  "cfg.yaml:3: policies[0].match: unknown field 'region'"}),
    [](const ::testing::TestParamInfo<Rejection>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace slamon::projections
