// The JSON of the trends and scorecards (docs/http.md "Trends and
// scorecards"), as the API routes write it.
#pragma once

#include <string>

#include "events/common/json_writer.h"
#include "projections/report/scorecard.h"
#include "projections/trends/trend_types.h"

namespace slamon::daemon {

/// The trends object: {"as_of","weeks","week_start","filter":{"tier",
/// "account_owner","team"},"total":{...},"series":[{"week","start","end",
/// "partial",...}]}, each week's and the total's figures being
/// {"sla":{METRIC:{"met","breached","percent_met"}, ..., "all":{...}},
/// "breaches","first_response_median_seconds","csat":{"answers","satisfied",
/// "percent"},"nps":{"answers","promoters","detractors","score"},
/// "followups":{"on_time","late","percent_on_time"},"churned"}; undefined
/// figures are null.
void AppendTrendsJson(const projections::TrendSeries& series, const projections::TrendFilter& filter,
                      events::JsonWriter& w);
std::string TrendsJson(const projections::TrendSeries& series, const projections::TrendFilter& filter);

/// A scorecard's figures as members of the object open in `w`:
/// "accounts","first_response":{"met","breached","percent_met"},
/// "resolution":{...},"first_responses","median_first_response_seconds",
/// "csat":{"answers","satisfied","percent"},"nps":{"answers","promoters",
/// "detractors","score"},"accounts_at_risk","followups_overdue".
void AppendScorecardFields(const projections::Scorecard& card, events::JsonWriter& w);

}  // namespace slamon::daemon
