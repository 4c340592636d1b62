// `slamon accounts`: account health (CSAT, health score, churn warning) at a
// past instant, recomputed from the store.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `accounts` subcommand:
///   slamon accounts --store DIR --config FILE --as-of RFC3339 [--account ID] [--format jsonl|table]
///                   [--policy at-open|current]
/// `--policy at-open` (default): SLA instances under the store's policy version
/// in force at each ticket's open, health weights of the version in force at
/// --as-of (the config file when the store has no policy records); `current`:
/// everything under the config file.
/// It opens the store read-only, loads `calendars:`/`policies:` and `health:`
/// from the config file, replays every stored event (or one account's) into
/// the SLA and health projections and prints one record per account sorted by
/// account_id: jsonl = projections::AppendJsonl(AccountRecord) (null for
/// undefined values), table = an aligned human-readable view that also shows
/// the top signals. The churn rate is printed to stderr with `table` only, so
/// jsonl output stays one record per line.
/// Errors go through the CLI's one error path (cli_error.h): exit 2 for bad
/// config or arguments, 1 for store errors.
void AddAccountsCommand(CLI::App& app);

}  // namespace slamon::daemon
