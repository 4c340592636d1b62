#include "daemon/cli/explain_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/cli/as_of_options.h"
#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "events/store/event_store.h"
#include "events/store/ticket_scan.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_explain.h"
#include "projections/sla/sla_projection.h"

namespace slamon::daemon {
namespace {

struct ExplainArgs {
  AsOfArgs common;  // store, config, as_of, policy
  std::string ticket;
  std::string format = "text";
};

// The ticket's events, then the account-level events of every account they
// name (tier, team, calendar at the open): all a ticket's fold reads. Two
// scans of the store, decoding only those events.
Status ReadTicket(const std::string& path, const std::string& ticket, std::vector<events::Event>* out) {
  auto store = events::EventStore::Open({.path = path, .create_if_missing = false, .read_only = true});
  if (!store.ok()) return Status::IoError("cannot open store " + path + ": " + store.status().message());
  std::set<std::string> accounts;
  Status s = events::ScanStoredTicket(**store, ticket, [&](const events::StoredEvent& se) {
    accounts.insert(se.event.account_id);
    out->push_back(se.event);
    return true;
  });
  if (!s.ok()) return Status::IoError("reading the store failed: " + s.message());
  if (out->empty()) return Status::NotFound("unknown ticket '" + ticket + "': the store has no event of it");
  for (const std::string& account : accounts) {
    s = (*store)->ScanAccount(account, [&](const events::StoredEvent& se) {
      if (!se.event.HasTicket()) out->push_back(se.event);
      return true;
    });
    if (!s.ok()) return Status::IoError("reading the store failed: " + s.message());
  }
  return Status::OK();
}

Status RunExplain(const ExplainArgs& args) {
  int64_t as_of = static_cast<int64_t>(std::time(nullptr));
  if (!args.common.as_of.empty()) {
    GET_OR_RET(as_of, ParseInstantOption("--as-of", args.common.as_of));
  }
  auto config = projections::LoadSlaConfigFile(args.common.config);
  if (!config.ok()) return Status::Invalid(config.status().message());
  projections::SlaProjection::Options options;
  GET_OR_RET(options.history, PolicyHistoryFor(args.common));
  projections::SlaProjection projection(std::make_shared<const projections::SlaConfig>(config.take()), options);
  std::vector<events::Event> events;
  SLAMON_RETURN_IF_ERROR(ReadTicket(args.common.store, args.ticket, &events));
  for (const events::Event& e : events) projection.Apply(e);
  GET_OR_RET(const projections::TicketExplanation explained, projection.Explain(args.ticket, as_of));
  std::string out;
  if (args.format == "json") {
    for (const projections::SlaExplanation& e : explained.instances) projections::AppendExplainJsonl(e, &out);
    if (explained.instances.empty()) {
      std::fprintf(stderr, "note: ticket '%s' has no SLA clock (no policy with a target matches it)\n",
                   args.ticket.c_str());
    }
  } else {
    out = projections::ExplainTicketText(explained);
  }
  WriteStdout(out);
  std::fflush(stdout);
  return Status::OK();
}

}  // namespace

void AddExplainCommand(CLI::App& app) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand("explain", "Explain one ticket's SLA verdicts: counted intervals, gaps, policy");
  cmd->add_option("--store", args->common.store, "Event store directory")->required();
  cmd->add_option("--config", args->common.config, "Daemon config file (calendars:, policies:)")->required();
  cmd->add_option("--ticket", args->ticket, "Ticket id")->required();
  cmd->add_option("--as-of", args->common.as_of, "RFC 3339 instant (default: now)");
  cmd->add_option("--policy", args->common.policy,
                  "at-open: judge the ticket under the policy version in force when it opened (the store's policy "
                  "history); current: under --config")
      ->check(CLI::IsMember({"at-open", "current"}));
  cmd->add_option("--format", args->format, "text: a timeline in the calendar's local time; json: one line per clock")
      ->check(CLI::IsMember({"text", "json"}));
  OnRun(cmd, [args] { return RunExplain(*args); });
}

}  // namespace slamon::daemon
