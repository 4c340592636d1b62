#include "daemon/api/trends_json.h"

#include <optional>

#include "projections/sla/sla_types.h"

namespace slamon::daemon {
namespace {

using projections::TrendCount;
using projections::TrendCounts;

void Number(events::JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.Key(key);
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

void OptionalFilter(events::JsonWriter& w, std::string_view key, const std::optional<std::string>& v) {
  w.Key(key);
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

void Verdicts(events::JsonWriter& w, std::string_view key, int64_t met, int64_t breached) {
  std::optional<double> percent;
  if (met + breached > 0) percent = 100.0 * static_cast<double>(met) / static_cast<double>(met + breached);
  w.Key(key).BeginObject().Field("met", met).Field("breached", breached);
  Number(w, "percent_met", percent);
  w.EndObject();
}

void CsatJson(events::JsonWriter& w, int64_t answers, int64_t satisfied, const std::optional<double>& percent) {
  w.Key("csat").BeginObject().Field("answers", answers).Field("satisfied", satisfied);
  Number(w, "percent", percent);
  w.EndObject();
}

void NpsJson(events::JsonWriter& w, int64_t answers, int64_t promoters, int64_t detractors,
             const std::optional<double>& score) {
  w.Key("nps").BeginObject().Field("answers", answers).Field("promoters", promoters).Field("detractors", detractors);
  Number(w, "score", score);
  w.EndObject();
}

void FiguresJson(events::JsonWriter& w, const TrendCounts& c) {
  w.Key("sla").BeginObject();
  int64_t met = 0, breached = 0;
  for (int m = 0; m < projections::kTrendMetricCount; ++m) {
    Verdicts(w, projections::TrendMetricName(m), c[projections::MetCount(m)], c[projections::BreachedCount(m)]);
    met += c[projections::MetCount(m)];
    breached += c[projections::BreachedCount(m)];
  }
  Verdicts(w, "all", met, breached);
  w.EndObject().Field("breaches", c.Breaches()).Key("first_response_median_seconds");
  if (auto median = c.MedianFirstResponse()) {
    w.Int(*median);
  } else {
    w.Null();
  }
  CsatJson(w, c[TrendCount::kCsatAnswers], c[TrendCount::kCsatSatisfied], c.CsatPercent());
  NpsJson(w, c[TrendCount::kNpsAnswers], c[TrendCount::kNpsPromoters], c[TrendCount::kNpsDetractors], c.Nps());
  w.Key("followups")
      .BeginObject()
      .Field("on_time", c[TrendCount::kFollowupsOnTime])
      .Field("late", c[TrendCount::kFollowupsLate]);
  Number(w, "percent_on_time", c.FollowupsOnTimePercent());
  w.EndObject().Field("churned", c[TrendCount::kChurned]);
}

}  // namespace

void AppendTrendsJson(const projections::TrendSeries& series, const projections::TrendFilter& filter,
                      events::JsonWriter& w) {
  w.BeginObject()
      .Field("as_of", projections::FormatUtc(series.as_of))
      .Field("weeks", static_cast<int64_t>(series.weeks.size()))
      .Field("week_start", "Monday 00:00:00 UTC (ISO weeks)")
      .Key("filter")
      .BeginObject();
  OptionalFilter(w, "tier", filter.tier);
  OptionalFilter(w, "account_owner", filter.owner);
  OptionalFilter(w, "team", filter.team);
  w.EndObject().Key("total").BeginObject();
  FiguresJson(w, series.Total());
  w.EndObject().Key("series").BeginArray();
  for (const projections::TrendWeek& week : series.weeks) {
    w.BeginObject()
        .Field("week", projections::WeekLabel(week.week))
        .Field("start", projections::FormatUtc(week.start))
        .Field("end", projections::FormatUtc(week.start + projections::kWeekSeconds))
        .Field("partial", week.partial);
    FiguresJson(w, week.counts);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

std::string TrendsJson(const projections::TrendSeries& series, const projections::TrendFilter& filter) {
  std::string body;
  events::JsonWriter w(&body);
  AppendTrendsJson(series, filter, w);
  return body;
}

void AppendScorecardFields(const projections::Scorecard& card, events::JsonWriter& w) {
  w.Field("accounts", card.accounts);
  Verdicts(w, "first_response", card.first_response_met, card.first_response_breached);
  Verdicts(w, "resolution", card.resolution_met, card.resolution_breached);
  w.Field("first_responses", card.first_responses).Key("median_first_response_seconds");
  if (card.median_first_response_seconds) {
    w.Int(*card.median_first_response_seconds);
  } else {
    w.Null();
  }
  CsatJson(w, card.csat.answered, card.csat.satisfied, card.csat.Percent());
  NpsJson(w, card.nps.answered, card.nps.promoters, card.nps.detractors, card.nps.Score());
  w.Field("accounts_at_risk", card.at_risk).Field("followups_overdue", card.followups_overdue);
}

}  // namespace slamon::daemon
