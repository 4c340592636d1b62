// `slamon report`: the compliance report over a window, replayed from the store.
#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `report` subcommand:
///   slamon report --store DIR --config FILE --from D1 --to D2 [--format md|csv|html]
///                 [--out FILE] [--objective PCT]
/// It opens the store read-only, loads `calendars:`/`policies:` and `health:`
/// from the config file, replays every stored event into a
/// projections::ReportBuilder and renders the report for [D1, D2) (see
/// projections/report/report.h for the definitions) to stdout or --out.
/// D1/D2: RFC 3339 with offset, or YYYY-MM-DD (UTC midnight).
/// --objective: the SLA objective in % met (0 < PCT <= 100; default 95, the
/// objective of the SlamonSlaBudgetBurn alert, as the config has no such setting).
/// Errors go through the CLI's one error path (cli_error.h): exit 2 for bad
/// config or arguments, 1 for store errors.
void AddReportCommand(CLI::App& app);

/// Parses an RFC 3339 instant with offset or a `YYYY-MM-DD` date (UTC
/// midnight) into Unix seconds; false when it is neither.
bool ParseReportTime(const std::string& s, int64_t* unix_seconds);

}  // namespace slamon::daemon
