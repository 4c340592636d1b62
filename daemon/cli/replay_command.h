// `slamon replay`: the SLA state at a past instant, recomputed from the store.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `replay` subcommand:
///   slamon replay --store DIR --config FILE --as-of RFC3339 [--account ID] [--format jsonl|table]
///                 [--policy at-open|current]
/// It opens the store read-only, loads `calendars:`/`policies:` from the
/// config file, applies every stored event (or one account's) and prints one
/// SLA instance per line (docs/sla-semantics.md "Output record"), sorted by
/// ticket_id, metric, cycle. `--policy at-open` (default) judges each ticket
/// under the store's policy version in force at its open (records then carry
/// `policy_version`), falling back to the config file with a note on stderr
/// when the store has no policy records; `current` uses the config file.
/// Errors go through the CLI's one error path (cli_error.h): exit 2 for bad
/// config or arguments, 1 for store errors.
void AddReplayCommand(CLI::App& app);

}  // namespace slamon::daemon
