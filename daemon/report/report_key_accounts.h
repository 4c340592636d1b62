// The key-account sections of the compliance report in a format-neutral
// shape (titled tables and long-format CSV rows), so that the markdown, HTML
// and CSV renderers each print them with a few lines.
#pragma once

#include <string>
#include <vector>

#include "projections/report/report.h"

namespace slamon::daemon::detail {

struct KeyAccountTable {
  std::string title;
  std::vector<std::string> header;
  std::string align;  ///< 'l' or 'r' per column
  std::vector<std::vector<std::string>> rows;
};

/// Value by tier, follow-up by owner, NPS by tier, churn reasons, complaint handling.
std::vector<KeyAccountTable> KeyAccountTables(const projections::Report& report);

/// CSV rows: section (value, followup, nps, churn_reason, complaint), tier,
/// owner, name (what the value is) and value.
struct KeyAccountCsvRow {
  std::string section, tier, owner, name, value;
};
std::vector<KeyAccountCsvRow> KeyAccountCsvRows(const projections::Report& report);

}  // namespace slamon::daemon::detail
