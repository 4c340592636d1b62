// SlaProjection::Explain: one ticket's instances with the intervals and the
// policy choice behind each verdict (projections/sla/sla_explain.h). The
// ticket is folded again, exactly as Evaluate() folds it; nothing about
// explain is kept between calls.
#include <algorithm>

#include "projections/sla/sla_explain.h"
#include "projections/sla/sla_projection.h"

namespace slamon::projections {
namespace {

// What a re-selection did to one instance (docs/sla-semantics.md "Re-selection").
ReselectionEffect EffectOn(const detail::Selection& s, const detail::InstanceSpan& span) {
  for (const detail::Selection::Running& r : s.running) {
    if (r.metric == span.metric && r.cycle == span.cycle) {
      return r.moved ? ReselectionEffect::kMoved : ReselectionEffect::kKept;
    }
  }
  // Not running then: it had stopped, or it started afterwards.
  return span.stop != detail::kNoStop && span.stop <= s.t ? ReselectionEffect::kStopped
                                                          : ReselectionEffect::kNotStarted;
}

}  // namespace

PolicyMatch SlaProjection::MatchOf(const detail::TicketFold& fold, const detail::InstanceSpan& span,
                                   const SlaConfig& config, int64_t as_of) const {
  PolicyMatch m;
  const SlaPolicy& policy = config.policies[static_cast<size_t>(span.policy)];
  const detail::Selection& chosen = fold.selections[span.selection];
  m.policy = policy.name;
  m.selected_at = chosen.t;
  m.cause = chosen.cause;
  const std::string& tier = tiers_[fold.tier];
  const std::string& channel = names_[fold.channel];
  const std::string& team = names_[fold.team];
  const std::string_view priority = PriorityName(chosen.priority);
  if (!policy.match_tiers.empty()) m.matched.emplace_back("tier", tier);
  if (!policy.match_priorities.empty()) m.matched.emplace_back("priority", priority);
  if (policy.match_channel) m.matched.emplace_back("channel", channel);
  if (policy.match_team) m.matched.emplace_back("team", team);
  for (int i = 0; i < span.policy; ++i) {
    const SlaPolicy& earlier = config.policies[static_cast<size_t>(i)];
    m.passed_over.emplace_back(earlier.name, earlier.Mismatch(tier, chosen.priority, channel, team));
  }
  m.tier_at_open = tier;
  m.tier_at_as_of = tiers_[AccountAt(fold.account, as_of).tier];
  const Calendar& cal = CalendarFor(policy, fold.account_calendar);
  m.calendar = cal.name();
  m.account_calendar = &cal != policy.calendar.get();
  for (size_t i = 1; i < fold.selections.size(); ++i) {
    const detail::Selection& s = fold.selections[i];
    Reselection& r = m.reselections.emplace_back();
    r.at = s.t;
    r.cause = s.cause;
    r.priority = s.priority;
    if (s.policy >= 0) r.policy = config.policies[static_cast<size_t>(s.policy)].name;
    r.effect = EffectOn(s, span);
  }
  return m;
}

StatusOr<TicketExplanation> SlaProjection::Explain(std::string_view ticket_id, int64_t as_of) const {
  const uint32_t index =
      ticket_index_.Find(ticket_id, [this](uint32_t i) -> std::string_view { return tickets_[i].id; });
  const std::string unknown = "unknown ticket '" + std::string(ticket_id) + "'";
  if (index == detail::StringIndex::kMissing) return Status::NotFound(unknown);
  detail::TicketFold fold;
  std::vector<TimeRange> scratch;
  std::vector<SlaRecord> records;
  EvaluateTicket(index, as_of, {}, &fold, &scratch, &records);
  if (!fold.opened) return Status::NotFound(unknown);  // not opened by as_of: nothing to explain
  const size_t version = VersionOf(index, as_of);
  const SlaConfig& config = version == kNoVersion ? *config_ : *options_.history->config(version);

  TicketExplanation out;
  out.ticket_id = tickets_[index].id;
  out.account_id = accounts_[fold.account].id;
  out.account_owner = OwnerOf(out.account_id);
  out.team = names_[fold.team];
  out.tier = tiers_[fold.tier];
  out.as_of = as_of;
  for (size_t i = 0; i < fold.instances.size() && i < records.size(); ++i) {
    const detail::InstanceSpan& span = fold.instances[i];
    const SlaPolicy& policy = config.policies[static_cast<size_t>(span.policy)];
    SlaExplanation& e = out.instances.emplace_back();
    e.record = std::move(records[i]);
    e.as_of = as_of;
    // The calendar by shared pointer: a caller may render after a config reload.
    const Calendar* cal = &CalendarFor(policy, fold.account_calendar);
    e.calendar = policy.calendar;
    for (const auto& c : config.calendars) {
      if (c.get() == cal) e.calendar = c;
    }
    e.policy_match = MatchOf(fold, span, config, as_of);
    e.policy_match.version = e.record.policy_version;
    SLAMON_RETURN_IF_ERROR(ExplainIntervals(span, policy, fold.statuses, &e));
  }
  return out;
}

}  // namespace slamon::projections
