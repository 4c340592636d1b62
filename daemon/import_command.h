// `slamon import`: backfills JSONL exported from another system (issue 6).
#pragma once

#include <cstdint>
#include <string>

#include "events/event_store.h"

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// The pseudo-topic of imported events; its partition 0 offset is the
/// 0-based line number in the file.
inline constexpr const char* kImportTopic = "import";

struct ImportOptions {
  std::string store;
  std::string file;
  int batch = 5000;
  size_t max_message_bytes = 64 * 1024;
};

struct ImportCounts {
  int64_t lines = 0;    ///< lines in the file
  int64_t resumed = 0;  ///< lines skipped as already imported by an earlier run
  int64_t empty = 0;    ///< blank lines, skipped
  int64_t stored = 0;
  int64_t duplicates = 0;
  int64_t quarantined = 0;
  int64_t rejected_by_reason[events::kRejectReasonCount] = {};
  double seconds = 0;
};

/// Imports `options.file` into the store through the ingest path: every
/// non-blank line is decoded by events::Decoder and appended with
/// EventStore::AppendBatch (dedupe by event id, quarantine with reason) in
/// batches, at source position (kImportTopic, 0, line number). A re-run
/// resumes after the last stored line. Returns the exit status (0 ok, 1 store
/// locked or failing, 2 file missing) after printing the counts or the
/// reason to stdout / stderr.
int RunImport(const ImportOptions& options, ImportCounts* counts);

/// Registers the `import` subcommand:
///   slamon import --store DIR --file events.jsonl [--batch N] [--max-message-bytes N]
void AddImportCommand(CLI::App& app);

}  // namespace slamon::daemon
