#include "daemon/report/report_key_accounts.h"

namespace slamon::daemon::detail {
namespace {

using projections::FormatDecimal;
using projections::FormatPercent;

std::string Money(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string Others(const std::map<std::string, double>& m) {
  std::string out;
  for (const auto& [currency, v] : m) out += (out.empty() ? "" : ", ") + currency + " " + Money(v);
  return out.empty() ? "-" : out;
}

std::string Seconds(int64_t count, int64_t v) { return count == 0 ? "n/a" : projections::FormatDurationShort(v); }

}  // namespace

std::vector<KeyAccountTable> KeyAccountTables(const projections::Report& report) {
  const auto& k = report.key_accounts;
  std::vector<KeyAccountTable> out;
  KeyAccountTable value{"Account value by tier (" + k.currency + ")",
                        {"Tier", "Accounts", "Lifetime value", "12-month value", "Other currencies (12 months)"},
                        "lrrrl",
                        {}};
  for (const auto& t : k.value_by_tier) {
    value.rows.push_back({t.tier, std::to_string(t.accounts), Money(t.lifetime_value), Money(t.value_12m),
                          Others(t.other_currencies_12m)});
  }
  out.push_back(std::move(value));

  KeyAccountTable followup{"Follow-up cadence by owner as of " + projections::FormatUtc(report.as_of),
                           {"Tier", "Owner", "Accounts with a cadence", "Overdue", "Most overdue (days)"},
                           "llrrr",
                           {}};
  for (const auto& o : k.followup) {
    followup.rows.push_back({o.tier, o.owner.empty() ? "(none)" : o.owner, std::to_string(o.with_cadence),
                             std::to_string(o.overdue), o.overdue > 0 ? FormatPercent(o.max_overdue_days) : "-"});
  }
  out.push_back(std::move(followup));

  KeyAccountTable nps{"NPS by tier", {"Tier", "Answers", "Promoters", "Detractors", "NPS"}, "lrrrr", {}};
  auto nps_row = [&](const std::string& tier, const projections::NpsCounts& c) {
    nps.rows.push_back({tier, std::to_string(c.answered), std::to_string(c.promoters), std::to_string(c.detractors),
                        FormatPercent(c.Score())});
  };
  for (const auto& [tier, c] : k.nps_by_tier) nps_row(tier, c);
  nps_row("All tiers", k.nps_total);
  out.push_back(std::move(nps));

  KeyAccountTable reasons{"Churned accounts by reason", {"Reason", "Accounts"}, "lr", {}};
  for (const auto& [reason, n] : k.churn_reasons) reasons.rows.push_back({reason, std::to_string(n)});
  out.push_back(std::move(reasons));

  KeyAccountTable complaints{"Complaint handling by category (business time to first resolution)",
                             {"Category", "Resolved", "Mean", "p50", "p90"},
                             "lrrrr",
                             {}};
  for (const auto& [category, s] : k.complaints) {
    complaints.rows.push_back({category, std::to_string(s.count),
                               s.count == 0 ? "n/a" : projections::FormatDurationShort(static_cast<int64_t>(s.mean)),
                               Seconds(s.count, s.p50), Seconds(s.count, s.p90)});
  }
  out.push_back(std::move(complaints));
  return out;
}

std::vector<KeyAccountCsvRow> KeyAccountCsvRows(const projections::Report& report) {
  const auto& k = report.key_accounts;
  std::vector<KeyAccountCsvRow> out;
  for (const auto& t : k.value_by_tier) {
    out.push_back({"value", t.tier, "", "accounts", std::to_string(t.accounts)});
    out.push_back({"value", t.tier, "", "lifetime_value_" + k.currency, FormatDecimal(t.lifetime_value)});
    out.push_back({"value", t.tier, "", "value_12m_" + k.currency, FormatDecimal(t.value_12m)});
    for (const auto& [currency, v] : t.other_currencies_12m) {
      out.push_back({"value", t.tier, "", "value_12m_" + currency, FormatDecimal(v)});
    }
  }
  for (const auto& o : k.followup) {
    out.push_back({"followup", o.tier, o.owner, "with_cadence", std::to_string(o.with_cadence)});
    out.push_back({"followup", o.tier, o.owner, "overdue", std::to_string(o.overdue)});
    out.push_back({"followup", o.tier, o.owner, "max_overdue_days", FormatDecimal(o.max_overdue_days)});
  }
  auto nps = [&](const std::string& tier, const projections::NpsCounts& c) {
    out.push_back({"nps", tier, "", "answers", std::to_string(c.answered)});
    out.push_back({"nps", tier, "", "promoters", std::to_string(c.promoters)});
    out.push_back({"nps", tier, "", "detractors", std::to_string(c.detractors)});
    out.push_back({"nps", tier, "", "nps", c.Score() ? FormatDecimal(*c.Score()) : ""});
  };
  for (const auto& [tier, c] : k.nps_by_tier) nps(tier, c);
  nps("", k.nps_total);
  for (const auto& [reason, n] : k.churn_reasons) out.push_back({"churn_reason", "", "", reason, std::to_string(n)});
  for (const auto& [category, s] : k.complaints) {
    out.push_back({"complaint", "", "", category + ".count", std::to_string(s.count)});
    out.push_back({"complaint", "", "", category + ".mean_seconds", s.count ? FormatDecimal(s.mean) : ""});
    out.push_back({"complaint", "", "", category + ".p50_seconds", s.count ? std::to_string(s.p50) : ""});
    out.push_back({"complaint", "", "", category + ".p90_seconds", s.count ? std::to_string(s.p90) : ""});
  }
  return out;
}

}  // namespace slamon::daemon::detail
