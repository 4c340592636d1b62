// `slamon replay`: the SLA state at a past instant, recomputed from the store.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `replay` subcommand:
///   slamon replay --store DIR --config FILE --as-of RFC3339 [--account ID] [--format jsonl|table]
/// It opens the store read-only, loads `calendars:`/`policies:` from the
/// config file, applies every stored event (or one account's) and prints one
/// SLA instance per line (SLA_SEMANTICS.md "Output record"), sorted by
/// ticket_id, metric, cycle.
/// Exit codes, reported by throwing CLI::RuntimeError (App::exit returns
/// them): 0 ok, 1 store error, 2 bad config or arguments.
void AddReplayCommand(CLI::App& app);

}  // namespace slamon::daemon
