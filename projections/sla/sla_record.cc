#include "projections/sla/sla_record.h"

#include "events/common/json_writer.h"

namespace slamon::projections {
namespace {

void Time(events::JsonWriter& w, std::string_view key, const std::optional<int64_t>& t) {
  w.Key(key);
  if (t) {
    w.String(FormatUtc(*t));
  } else {
    w.Null();
  }
}

}  // namespace

void WriteRecordFields(events::JsonWriter& w, const SlaRecord& r) {
  w.Field("ticket_id", r.ticket_id)
      .Field("account_id", r.account_id)
      .Field("tier", r.tier)
      .Field("priority", PriorityName(r.priority))
      .Field("policy", r.policy);
  if (r.policy_version != 0) w.Field("policy_version", static_cast<int64_t>(r.policy_version));
  w.Field("metric", MetricName(r.metric)).Field("cycle", int64_t{r.cycle});
  Time(w, "start", r.start);
  Time(w, "stop", r.stop);
  w.Field("state", InstanceStateName(r.state))
      .Field("target_seconds", int64_t{r.target_seconds})
      .Field("elapsed_seconds", int64_t{r.elapsed_seconds})
      .Field("breached", r.breached);
  Time(w, "breach_at", r.breach_at);
  Time(w, "due_at", r.due_at);
  w.Key("group");
  if (r.metric == Metric::kAssignment) {
    w.String(r.group);
  } else {
    w.Null();
  }
  w.Key("escalation");
  if (r.escalation) {
    w.String(*r.escalation);
  } else {
    w.Null();
  }
  Time(w, "escalated_at", r.escalated_at);
}

void AppendJsonl(const SlaRecord& r, std::string* out) {
  events::JsonWriter w(out);
  w.BeginObject();
  WriteRecordFields(w, r);
  w.EndObject();
  out->push_back('\n');
}

std::string ToJsonl(const SlaRecord& r) {
  std::string out;
  AppendJsonl(r, &out);
  return out;
}

}  // namespace slamon::projections
