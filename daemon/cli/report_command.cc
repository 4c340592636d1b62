#include "daemon/cli/report_command.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "daemon/cli/as_of_options.h"
#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "daemon/report/report_render.h"
#include "events/codec.h"
#include "projections/accounts/health_config.h"
#include "projections/report/report.h"
#include "projections/sla/sla_config.h"

namespace slamon::daemon {
namespace {

struct ReportArgs {
  std::string store;
  std::string config;
  std::string from;
  std::string to;
  std::string format = "md";
  std::string out;
  std::string policy = "at-open";
  std::optional<double> objective;
};

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty()) {
    WriteStdout(text);
    std::fflush(stdout);
    return Status::OK();
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return Status::IoError("--out: cannot write " + path);
  return Status::OK();
}

Status CheckReportArgs(const ReportArgs& args, projections::ReportOptions* options) {
  if (args.format != "md" && args.format != "csv" && args.format != "html") {
    return Status::Invalid("--format: must be md, csv or html, got '" + args.format + "'");
  }
  const char* time_forms = ": not an RFC 3339 timestamp with offset or a YYYY-MM-DD date: '";
  if (!ParseReportTime(args.from, &options->from)) return Status::Invalid("--from" + (time_forms + args.from) + "'");
  if (!ParseReportTime(args.to, &options->to)) return Status::Invalid("--to" + (time_forms + args.to) + "'");
  if (options->from >= options->to) {
    return Status::Invalid("--from (" + args.from + ") must be before --to (" + args.to + ")");
  }
  if (args.objective) {
    if (!(*args.objective > 0 && *args.objective <= 100)) {
      return Status::Invalid(fmt::format("--objective: must be a percentage in (0, 100], got {:g}", *args.objective));
    }
    options->objective_percent = *args.objective;
    options->objective_source = "--objective";
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(args.store, ec))
    return Status::Invalid("--store: no such directory: " + args.store);
  return Status::OK();
}

Status RunReport(const ReportArgs& args) {
  projections::ReportOptions options;
  SLAMON_RETURN_IF_ERROR(CheckReportArgs(args, &options));
  std::shared_ptr<const projections::SlaConfig> sla_config;
  projections::HealthConfig health_config;
  SLAMON_RETURN_IF_ERROR(LoadProjectionConfigs(args.config, &sla_config, &health_config));

  // --policy at-open (the default, as for replay and accounts): each ticket
  // under the store's policy version in force at its open, health under the
  // version in force at the evaluation instant (to - 1 s).
  AsOfArgs history_args;
  history_args.store = args.store;
  history_args.config = args.config;
  history_args.policy = args.policy;
  GET_OR_RET(std::shared_ptr<const projections::PolicyHistory> history, PolicyHistoryFor(history_args));
  if (history) health_config = history->At(options.to - 1).health;
  projections::ReportBuilder builder(sla_config, health_config, {.history = std::move(history)});
  SLAMON_RETURN_IF_ERROR(ReplayStore(args.store, "", [&](const events::Event& e) { builder.Apply(e); }));
  const projections::Report report = builder.Build(options);
  std::string text;
  if (args.format == "csv") {
    text = RenderReportCsv(report);
  } else if (args.format == "html") {
    text = RenderReportHtml(report);
  } else {
    text = RenderReportMarkdown(report);
  }
  return WriteOutput(args.out, text);
}

}  // namespace

bool ParseReportTime(const std::string& s, int64_t* unix_seconds) {
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return events::ParseRfc3339(s + "T00:00:00Z", unix_seconds);
  }
  return events::ParseRfc3339(s, unix_seconds);
}

void AddReportCommand(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Compliance report over a window (SLA % met, breaches, CSAT, churn, accounts at risk) from the store");
  cmd->add_option("--store", args->store, "Event store directory")->required();
  cmd->add_option("--config", args->config, "Daemon config file (calendars:, policies:, health:)")->required();
  cmd->add_option("--from", args->from, "Window start, included: RFC 3339 or YYYY-MM-DD (UTC)")->required();
  cmd->add_option("--to", args->to, "Window end, excluded: RFC 3339 or YYYY-MM-DD (UTC)")->required();
  cmd->add_option("--format", args->format, "Output format: md (default), csv or html");
  cmd->add_option("--out", args->out, "Write the report to this file instead of stdout");
  cmd->add_option("--objective", args->objective, "SLA objective, % of instances met (default 95)");
  cmd->add_option("--policy", args->policy,
                  "at-open (default): each ticket under the policy version in force at its open (the store's "
                  "policy history); current: everything under --config")
      ->check(CLI::IsMember({"at-open", "current"}));
  OnRun(cmd, [args] { return RunReport(*args); });
}

}  // namespace slamon::daemon
