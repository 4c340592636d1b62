#include "projections/sla_record.h"

#include <cstdio>

namespace slamon::projections {
namespace {

void AppendTime(const std::optional<int64_t>& t, std::string* out) {
  if (t) {
    out->push_back('"');
    out->append(FormatUtc(*t));
    out->push_back('"');
  } else {
    out->append("null");
  }
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendJsonl(const SlaRecord& r, std::string* out) {
  out->append("{\"ticket_id\":");
  AppendJsonString(r.ticket_id, out);
  out->append(",\"account_id\":");
  AppendJsonString(r.account_id, out);
  out->append(",\"tier\":");
  AppendJsonString(r.tier, out);
  out->append(",\"priority\":");
  AppendJsonString(PriorityName(r.priority), out);
  out->append(",\"policy\":");
  AppendJsonString(r.policy, out);
  if (r.policy_version != 0) {
    out->append(",\"policy_version\":");
    out->append(std::to_string(r.policy_version));
  }
  out->append(",\"metric\":");
  AppendJsonString(MetricName(r.metric), out);
  out->append(",\"cycle\":");
  out->append(std::to_string(r.cycle));
  out->append(",\"start\":");
  AppendTime(r.start, out);
  out->append(",\"stop\":");
  AppendTime(r.stop, out);
  out->append(",\"state\":");
  AppendJsonString(InstanceStateName(r.state), out);
  out->append(",\"target_seconds\":");
  out->append(std::to_string(r.target_seconds));
  out->append(",\"elapsed_seconds\":");
  out->append(std::to_string(r.elapsed_seconds));
  out->append(r.breached ? ",\"breached\":true" : ",\"breached\":false");
  out->append(",\"breach_at\":");
  AppendTime(r.breach_at, out);
  out->append(",\"due_at\":");
  AppendTime(r.due_at, out);
  out->append(",\"group\":");
  if (r.metric == Metric::kAssignment) {
    AppendJsonString(r.group, out);
  } else {
    out->append("null");
  }
  out->append(",\"escalation\":");
  if (r.escalation) {
    AppendJsonString(*r.escalation, out);
  } else {
    out->append("null");
  }
  out->append(",\"escalated_at\":");
  AppendTime(r.escalated_at, out);
  out->append("}\n");
}

std::string ToJsonl(const SlaRecord& r) {
  std::string out;
  AppendJsonl(r, &out);
  return out;
}

}  // namespace slamon::projections
