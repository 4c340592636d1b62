// `slamon explain`: why one ticket's SLA clocks stand where they stand,
// recomputed from the store.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `explain` subcommand:
///   slamon explain --store DIR --config FILE --ticket ID [--as-of RFC3339]
///                  [--policy at-open|current] [--format text|json]
/// It reads only that ticket's events (and its account's account-level
/// events) from the store, read-only, folds them as `replay` does and prints
/// each SLA instance explained (docs/sla-semantics.md "Explaining a
/// verdict"): `json` one line per instance with replay's fields and the
/// intervals, `text` (default) a short timeline in the calendar's local time.
/// --as-of defaults to now. An unknown ticket exits 1.
void AddExplainCommand(CLI::App& app);

}  // namespace slamon::daemon
