#include "daemon/cli/accounts_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/cli/as_of_options.h"
#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "daemon/cli/snapshot_command.h"
#include "events/codec.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_config.h"
#include "projections/accounts/health_projection.h"
#include "projections/policy_history.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"

namespace slamon::daemon {
namespace {

using projections::AccountRecord;

std::string Opt(const std::optional<double>& v) { return v ? projections::FormatDecimal(*v) : "-"; }

// "R F M" scores, "-" for an undefined R.
std::string Rfm(const projections::ValueRecord& v) {
  return (v.r_score ? std::to_string(*v.r_score) : "-") + std::to_string(v.f_score) + std::to_string(v.m_score);
}

// Churn by tier (at the churn) and reason on stderr, after the table.
void PrintChurnDetail(const projections::HealthProjection& health, int64_t as_of) {
  const auto detail = health.ChurnDetail(as_of);
  for (const auto& [tier, c] : detail.by_tier) {
    const auto pct = c.Percent();
    std::fprintf(stderr, "churn rate 365d tier %s: %s (%lld of %lld)\n", tier.c_str(),
                 pct ? (projections::FormatDecimal(*pct) + " %").c_str() : "undefined",
                 static_cast<long long>(c.churned), static_cast<long long>(c.live));
  }
  std::map<std::string, int64_t> by_label;
  for (const auto& label : health.config().value.ReasonLabels()) by_label[label] = 0;
  for (const auto& [reason, n] : detail.by_reason)
    by_label[std::string(health.config().value.ReasonLabel(reason))] += n;
  for (const auto& [label, n] : by_label) {
    std::fprintf(stderr, "churned 365d reason %s: %lld\n", label.c_str(), static_cast<long long>(n));
  }
}

// NPS (90 days) per tier and owner and complaint handling (90 days) per
// category on stderr, after the table.
void PrintKeyAccountSummary(const projections::HealthProjection& health,
                            const std::vector<projections::SlaRecord>& records, int64_t as_of) {
  const auto& value = health.value();
  auto nps = [](const char* scope, const std::map<std::string, projections::NpsCounts>& by) {
    for (const auto& [key, c] : by) {
      const auto score = c.Score();
      std::fprintf(stderr, "nps 90d %s %s: %s (%lld answers)\n", scope, key.empty() ? "-" : key.c_str(),
                   score ? projections::FormatDecimal(*score).c_str() : "undefined",
                   static_cast<long long>(c.answered));
    }
  };
  nps("tier", value.NpsByTier(as_of, projections::kNpsWindowSeconds, health.accounts()));
  nps("owner", value.NpsByOwner(as_of, projections::kNpsWindowSeconds, health.accounts()));
  for (const auto& [category, st] :
       value.ComplaintHandling(records, as_of, projections::kComplaintWindowSeconds, health.config().value)) {
    std::fprintf(stderr, "resolution 90d category %s: %lld tickets, mean %s s, p50 %lld s, p90 %lld s\n",
                 category.c_str(), static_cast<long long>(st.count), projections::FormatDecimal(st.mean).c_str(),
                 static_cast<long long>(st.p50), static_cast<long long>(st.p90));
  }
}

void PrintTable(const std::vector<AccountRecord>& records) {
  const std::vector<std::string> header = {"account_id", "tier", "owner", "csat_30d", "csat_90d", "score", "level",
                                           "s_csat", "s_sla", "s_silence", "s_reopen", "top_signals", "renewal_soon",
                                           // key-account value and engagement
                                           "ltv", "value_12m", "rfm", "nps_90d", "csat_mean_30d", "followup_overdue_d"};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(records.size() + 1);
  rows.push_back(header);
  for (const AccountRecord& r : records) {
    auto signal = [&](projections::HealthSignal s) -> std::string {
      return r.signals ? projections::FormatDecimal((*r.signals)[s]) : "-";
    };
    std::string top;
    for (auto s : r.top_signals) top += (top.empty() ? "" : ",") + std::string(projections::HealthSignalName(s));
    rows.push_back(
        {r.account_id, r.tier, r.owner.empty() ? "-" : r.owner, Opt(r.csat_30d), Opt(r.csat_90d), Opt(r.health_score),
         std::string(projections::HealthLevelName(r.level)), signal(projections::HealthSignal::kCsat),
         signal(projections::HealthSignal::kSla), signal(projections::HealthSignal::kSilence),
         signal(projections::HealthSignal::kReopen), top.empty() ? "-" : top, r.renewal_soon ? "yes" : "no",
         projections::FormatDecimal(r.value.lifetime_value), projections::FormatDecimal(r.value.value_12m),
         Rfm(r.value), Opt(r.value.nps_90d.Score()), Opt(r.value.csat_30d.Mean()), Opt(r.value.followup_overdue_days)});
  }
  PrintAligned(rows);
}

Status RunAccounts(const AsOfArgs& args) {
  GET_OR_RET(const int64_t as_of, ParseInstantOption("--as-of", args.as_of));
  std::shared_ptr<const projections::SlaConfig> sla_config;
  projections::HealthConfig health_config;
  SLAMON_RETURN_IF_ERROR(LoadProjectionConfigs(args.config, &sla_config, &health_config));
  // --policy at-open: tickets under the store's policy version in force at
  // their open, health under the version in force at --as-of; a store without
  // policy records falls back to --config.
  GET_OR_RET(std::shared_ptr<const projections::PolicyHistory> history, PolicyHistoryFor(args));
  if (history) health_config = history->At(as_of).health;
  const projections::SlaProjection::Options options{.history = std::move(history)};
  projections::SlaProjection sla(sla_config, options);
  projections::HealthProjection health(health_config);
  SLAMON_RETURN_IF_ERROR(ReplayStoreFrom(args.store, args.account, args.snapshot == "auto",
                                         {.sla = &sla, .health = &health}, [&](const events::Event& e) {
                                           sla.Apply(e);
                                           health.Apply(e);
                                         }));
  const auto sla_records = sla.Evaluate(as_of, args.account);
  const auto records = health.EvaluateAccounts(as_of, sla_records, args.account);
  if (args.format == "table") {
    PrintTable(records);
    if (args.account.empty()) {
      const auto churn = health.Churn(as_of);
      const auto pct = churn.Percent();
      std::fprintf(stderr, "churn rate 365d: %s (%lld of %lld accounts)\n",
                   pct ? (projections::FormatDecimal(*pct) + " %").c_str() : "undefined",
                   static_cast<long long>(churn.churned), static_cast<long long>(churn.live));
      PrintChurnDetail(health, as_of);
      PrintKeyAccountSummary(health, sla_records, as_of);
    }
  } else {
    PrintJsonl(records, [](const AccountRecord& r, std::string* out) { projections::AppendJsonl(r, out); });
  }
  std::fflush(stdout);
  return Status::OK();
}

}  // namespace

void AddAccountsCommand(CLI::App& app) {
  auto args = std::make_shared<AsOfArgs>();
  CLI::App* cmd = app.add_subcommand("accounts", "Print account health at a past instant, replayed from the store");
  AddAsOfOptions(cmd, args.get(),
                 {.config = "Daemon config file (calendars:, policies:, health:)",
                  .account = "Only this account",
                  .policy = "at-open: tickets under the policy version in force when they opened, health under the "
                            "one in force at --as-of (the store's policy history); current: everything under "
                            "--config"});
  OnRun(cmd, [args] { return RunAccounts(*args); });
}

}  // namespace slamon::daemon
