// `slamon verify`: the audit check of a store.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// Registers the `verify` subcommand:
///   slamon verify --store DIR [--format text|json]
/// Opens the store read-only and checks its hash chain, offsets and counters
/// (events/store/verify.h). Exit codes: 0 intact (counts and rate printed), 1
/// broken (the first broken position and what is wrong) or unreadable, 2 a
/// missing or non-store path.
void AddVerifyCommand(CLI::App& app);

}  // namespace slamon::daemon
