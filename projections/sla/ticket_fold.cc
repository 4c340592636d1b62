#include "projections/sla/ticket_fold.h"

#include <algorithm>

namespace slamon::projections::detail {
namespace {

using events::EventType;

// Abstract cycles run whether or not the policy materialises an instance for
// them (a metric without a target has no instance), so cycle numbers and the
// "no cycle is running" rule do not depend on which policy is in force.
struct Cycle {
  bool running = false;
  int number = 0;
  int instance = -1;  // index into TicketFold::instances, -1 if not materialised
};

class Folder {
 public:
  Folder(const FoldContext& ctx, TicketFold* out) : ctx_(ctx), out_(out) {}

  size_t SelectionsUsed() const { return selections_used_; }

  void Open(const EventRec& e) {
    out_->opened = true;
    out_->opened_at = e.t;
    out_->account = e.account;
    out_->priority = static_cast<events::Priority>(e.value);
    const AccountView view = ctx_.account_at(e.account, e.t);
    out_->tier = view.tier;
    out_->account_calendar = view.calendar == kNoName ? nullptr : ctx_.calendar(view.calendar);
    channel_ = e.name;
    team_ = view.team;
    out_->team = view.team;
    out_->channel = e.name;
    policy_ = ctx_.select(out_->tier, out_->priority, channel_, team_);
    Selection& s = NewSelection();
    s.t = e.t;
    s.cause = SelectionCause::kOpen;
    s.priority = out_->priority;
    s.policy = policy_;
    out_->statuses.push_back({e.t, events::TicketStatus::kOpen});
    Start(&first_, Metric::kFirstResponse, e.t);
    Start(&resolution_, Metric::kResolution, e.t);
  }

  void Apply(const EventRec& e) {
    switch (e.type) {
      case EventType::kTicketStatusChanged: {
        auto s = static_cast<events::TicketStatus>(e.value);
        if (out_->statuses.back().status != s) out_->statuses.push_back({e.t, s});
        break;
      }
      case EventType::kTicketPriorityChanged:
        ChangePriority(static_cast<events::Priority>(e.value), e.t);
        break;
      case EventType::kTicketAssigned:
        Assign(e.name, e.t);
        break;
      case EventType::kTicketReplied:
        if (!(e.value & EventRec::kPublic)) break;  // internal notes stop nothing
        if (e.value & EventRec::kCustomer) {
          if (agent_replied_ && !resolved_ && !next_.running) Start(&next_, Metric::kNextResponse, e.t);
        } else {
          agent_replied_ = true;
          Stop(&first_, e.t);
          Stop(&next_, e.t);
        }
        break;
      case EventType::kTicketResolved:
        if (resolved_) break;
        resolved_ = true;
        Stop(&resolution_, e.t);
        Stop(&next_, e.t);
        Stop(&stay_, e.t);  // the group is remembered for a reopen
        break;
      case EventType::kTicketReopened:
        if (!resolved_) break;
        resolved_ = false;
        Start(&resolution_, Metric::kResolution, e.t);
        if (has_group_) Start(&stay_, Metric::kAssignment, e.t, group_);
        break;
      default:
        break;  // a second ticket.opened, or a type without SLA meaning
    }
  }

 private:
  void Start(Cycle* c, Metric m, int64_t t, uint32_t group = kNoName) {
    c->running = true;
    ++c->number;
    c->instance = -1;
    if (policy_ < 0 || !HasTarget(ctx_.config->policies[static_cast<size_t>(policy_)], m, group)) return;
    c->instance = static_cast<int>(out_->instances.size());
    const auto selection = static_cast<uint32_t>(out_->selections.size() - 1);
    out_->instances.push_back({m, c->number, policy_, t, kNoStop, group, selection});
  }

  bool HasTarget(const SlaPolicy& p, Metric m, uint32_t group) const {
    return m == Metric::kAssignment ? p.target(m, ctx_.name(group)).has_value() : p.target(m).has_value();
  }

  // A department stay: a new group stops the running stay and starts the
  // next; the same group again (another assignee) changes nothing. While
  // resolved only the remembered group changes.
  void Assign(uint32_t group, int64_t t) {
    if (resolved_) {
      group_ = group;
      has_group_ = true;
      return;
    }
    if (stay_.running && group_ == group) return;
    Stop(&stay_, t);
    group_ = group;
    has_group_ = true;
    Start(&stay_, Metric::kAssignment, t, group);
  }

  void Stop(Cycle* c, int64_t t) {
    if (!c->running) return;
    c->running = false;
    if (c->instance >= 0) out_->instances[static_cast<size_t>(c->instance)].stop = t;
  }

  // Selections are reused from the fold's scratch: the vectors keep their capacity.
  Selection& NewSelection() {
    if (selections_used_ == out_->selections.size()) out_->selections.emplace_back();
    Selection& s = out_->selections[selections_used_++];
    s.running.clear();
    return s;
  }

  void ChangePriority(events::Priority p, int64_t t) {
    out_->priority = p;
    policy_ = ctx_.select(out_->tier, p, channel_, team_);
    const auto index = static_cast<uint32_t>(selections_used_);
    Selection& s = NewSelection();
    s.t = t;
    s.cause = SelectionCause::kPriorityChange;
    s.priority = p;
    s.policy = policy_;
    const SlaPolicy* next = policy_ < 0 ? nullptr : &ctx_.config->policies[static_cast<size_t>(policy_)];
    for (Cycle* c : {&first_, &next_, &resolution_, &stay_}) {
      if (!c->running || c->instance < 0) continue;
      InstanceSpan& span = out_->instances[static_cast<size_t>(c->instance)];
      // No policy matches, or no target for the metric: the instance keeps its policy.
      const bool moved = next != nullptr && HasTarget(*next, span.metric, span.group);
      if (moved) {
        span.policy = policy_;  // retroactive: same start
        span.selection = index;
      }
      s.running.push_back({span.metric, span.cycle, moved});
    }
  }

  const FoldContext& ctx_;
  TicketFold* out_;
  int policy_ = -1;
  bool agent_replied_ = false;
  bool resolved_ = false;
  uint32_t channel_ = kNoName;
  uint32_t team_ = kNoName;
  bool has_group_ = false;
  uint32_t group_ = kNoName;  // the running stay's group, or the remembered one
  Cycle first_, next_, resolution_, stay_;
  size_t selections_used_ = 0;
};

}  // namespace

void FoldTicket(const std::vector<EventRec>& events, int64_t as_of, const FoldContext& ctx, TicketFold* out) {
  out->opened = false;
  out->account = kNoAccount;
  out->account_calendar = nullptr;
  out->team = kNoName;
  out->channel = kNoName;
  out->instances.clear();
  out->statuses.clear();
  Folder folder(ctx, out);
  for (const EventRec& e : events) {
    if (e.t > as_of) break;  // sorted by time first
    if (!out->opened) {
      // Ticket events before the ticket's opened change no clock.
      if (e.type == EventType::kTicketOpened) folder.Open(e);
      continue;
    }
    folder.Apply(e);
  }
  out->selections.resize(folder.SelectionsUsed());
  std::stable_sort(out->instances.begin(), out->instances.end(), [](const InstanceSpan& a, const InstanceSpan& b) {
    return a.metric != b.metric ? a.metric < b.metric : a.cycle < b.cycle;
  });
}

bool PausedRanges(const InstanceSpan& span, const SlaPolicy& policy, const std::vector<StatusChange>& statuses,
                  int64_t end, std::vector<TimeRange>* out) {
  out->clear();
  bool paused_now = false;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (!policy.Pauses(span.metric, statuses[i].status)) continue;
    const int64_t b = std::max(statuses[i].t, span.start);
    const int64_t e = std::min(i + 1 < statuses.size() ? statuses[i + 1].t : kNoStop, end);
    if (i + 1 == statuses.size()) paused_now = true;
    if (e <= b) continue;
    if (!out->empty() && out->back().end == b) {
      out->back().end = e;
    } else {
      out->push_back({b, e});
    }
  }
  return paused_now;
}

InstanceTiming TimeInstance(const InstanceSpan& span, const SlaPolicy& policy, const Calendar& cal,
                            std::string_view group, const std::vector<StatusChange>& statuses, int64_t as_of,
                            std::vector<TimeRange>* scratch) {
  InstanceTiming out;
  const int64_t target = *policy.target(span.metric, group);
  const bool stopped = span.stop != kNoStop && span.stop <= as_of;
  const int64_t end = SpanEnd(span, as_of);
  std::vector<TimeRange>& pauses = *scratch;
  const bool paused_now = PausedRanges(span, policy, statuses, end, &pauses);

  out.elapsed = cal.BusinessSeconds(span.start, end, pauses);
  out.breached = out.elapsed >= target;
  if (out.breached) out.breach_at = cal.InstantAfter(span.start, target, pauses);
  out.state = stopped ? InstanceState::kStopped : paused_now ? InstanceState::kPaused : InstanceState::kActive;
  const int64_t warn = policy.WarnSeconds(span.metric, group);
  out.level = out.breached ? RiskLevel::kBreached : out.elapsed >= warn ? RiskLevel::kWarning : RiskLevel::kOk;
  if (out.state == InstanceState::kActive && !out.breached) {
    out.due_at = cal.InstantAfter(span.start, target, pauses);
    out.next_change = out.level == RiskLevel::kOk ? cal.InstantAfter(span.start, warn, pauses) : out.due_at;
  }
  if (out.breached) {
    // Escalation by overshoot: the last step whose `after` the overshoot reached.
    const int64_t overshoot = out.elapsed - target;
    const auto& steps = policy.escalation;
    size_t reached = 0;
    while (reached < steps.size() && steps[reached].after <= overshoot) ++reached;
    if (reached > 0) {
      out.escalation = static_cast<int>(reached - 1);
      out.escalated_at = cal.InstantAfter(span.start, target + steps[reached - 1].after, pauses);
    }
    if (out.state == InstanceState::kActive && reached < steps.size()) {
      out.next_change = cal.InstantAfter(span.start, target + steps[reached].after, pauses);
    }
  }
  return out;
}

}  // namespace slamon::projections::detail
