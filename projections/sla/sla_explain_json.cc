// The JSON line of an explained instance: the replay record's own fields
// (WriteRecordFields, the one definition), then explain's.
#include <cstdio>

#include "events/common/json_writer.h"
#include "projections/sla/sla_explain.h"

namespace slamon::projections {
namespace {

std::string Date(int32_t day) { return FormatUtc(static_cast<int64_t>(day) * 86400).substr(0, 10); }

std::string Clock(int32_t seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", seconds / 3600, seconds / 60 % 60);
  return buf;
}

void Range(events::JsonWriter& w, const TimeRange& r) {
  w.BeginArray().String(FormatUtc(r.begin)).String(FormatUtc(r.end)).EndArray();
}

void CrossingFields(events::JsonWriter& w, const std::optional<Crossing>& c, std::string_view at_key) {
  w.Key(at_key);
  if (!c) {
    w.Null().Key("interval").Null().Key("counted_before").Null().Key("into_interval").Null();
    return;
  }
  w.String(FormatUtc(c->at)).Key("interval");
  Range(w, c->interval);
  w.Field("counted_before", c->counted_before).Field("into_interval", c->threshold - c->counted_before);
}

void PolicyMatchJson(events::JsonWriter& w, const PolicyMatch& m, const Calendar& cal) {
  w.BeginObject().Field("policy", m.policy).Key("version");
  if (m.version != 0) {
    w.Int(static_cast<int64_t>(m.version));
  } else {
    w.Null();
  }
  w.Field("selected_at", FormatUtc(m.selected_at)).Field("cause", SelectionCauseName(m.cause)).Key("matched");
  w.BeginObject();
  for (const auto& [field, value] : m.matched) w.Field(field, value);
  w.EndObject().Key("passed_over").BeginArray();
  for (const auto& [policy, field] : m.passed_over) {
    w.BeginObject().Field("policy", policy).Field("mismatch", field).EndObject();
  }
  w.EndArray()
      .Field("tier_at_open", m.tier_at_open)
      .Field("tier_at_as_of", m.tier_at_as_of)
      .Field("calendar", m.calendar)
      .Field("timezone", cal.spec().timezone)
      .Field("account_calendar", m.account_calendar)
      .Key("reselections")
      .BeginArray();
  for (const Reselection& r : m.reselections) {
    w.BeginObject()
        .Field("at", FormatUtc(r.at))
        .Field("cause", SelectionCauseName(r.cause))
        .Field("priority", PriorityName(r.priority))
        .Key("policy");
    if (r.policy) {
      w.String(*r.policy);
    } else {
      w.Null();
    }
    w.Field("instance", ReselectionEffectName(r.effect)).EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace

void AppendExplainJsonl(const SlaExplanation& e, std::string* out) {
  events::JsonWriter w(out);
  w.BeginObject();
  WriteRecordFields(w, e.record);
  w.Field("as_of", FormatUtc(e.as_of)).Key("counted").BeginArray();
  for (const TimeRange& c : e.counted) Range(w, c);
  w.EndArray().Key("not_counted").BeginArray();
  for (const Gap& g : e.not_counted) {
    w.BeginObject()
        .Field("from", FormatUtc(g.range.begin))
        .Field("to", FormatUtc(g.range.end))
        .Field("why", GapReasonName(g.why));
    if (g.why == GapReason::kPaused) w.Field("status", TicketStatusName(g.status));
    w.EndObject();
  }
  w.EndArray().Key("policy_match");
  PolicyMatchJson(w, e.policy_match, *e.calendar);
  w.Key("breach");
  if (e.breach) {
    w.BeginObject().Field("threshold_seconds", e.breach->threshold);
    CrossingFields(w, e.breach, "at");
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("escalation_steps").BeginArray();
  for (const EscalationExplained& s : e.escalation_steps) {
    w.BeginObject().Field("name", s.name).Field("after_seconds", s.after).Field("threshold_seconds", s.threshold);
    CrossingFields(w, s.reached, "reached_at");
    w.EndObject();
  }
  w.EndArray().Key("special_days").BeginArray();
  for (const SpecialDay& d : e.special_days) {
    w.BeginObject().Field("date", Date(d.day)).Field("kind", SpecialDayKindName(d.kind));
    if (d.kind == SpecialDayKind::kMakeUpWorkday || d.kind == SpecialDayKind::kSpecialHours) {
      w.Key("hours").BeginArray();
      for (const LocalHours& h : d.hours) w.String(Clock(h.start) + "-" + Clock(h.end));
      w.EndArray();
    }
    if (d.kind == SpecialDayKind::kClockChange) w.Field("day_seconds", d.seconds);
    w.EndObject();
  }
  w.EndArray().EndObject();
  out->push_back('\n');
}

}  // namespace slamon::projections
