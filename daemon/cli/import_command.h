// `slamon import`: backfills JSONL exported from another system, either into
// Kafka (the live daemons ingest it like any event) or into an offline store.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/cli/import_resume.h"
#include "events/store/event_store.h"

namespace CLI {
class App;
}  // namespace CLI

namespace slamon::daemon {

/// The pseudo-topic of events imported into an offline store. Every distinct
/// file gets its own partition; the offset is the 0-based line number.
inline constexpr const char* kImportTopic = "import";

struct ImportOptions {
  std::string store;  ///< offline mode: the event store directory
  std::string file;
  int batch = 5000;
  size_t max_message_bytes = 64 * 1024;
  // Kafka mode (to_kafka): brokers and topic come from --config unless given.
  bool to_kafka = false;
  // Default member initializers keep designated initializers of the store
  // mode free of -Wmissing-field-initializers.
  std::string config{};
  std::vector<std::string> sets{};  ///< --set overrides of the config
  std::string brokers{};
  std::string topic{};
  std::string state{};  ///< resume state file; default <file>.slamon-import
};

struct ImportCounts {
  int64_t lines = 0;    ///< lines in the file
  int64_t resumed = 0;  ///< lines skipped as already imported by an earlier run of the same file
  int64_t empty = 0;    ///< blank lines, skipped
  int64_t stored = 0;
  int64_t duplicates = 0;
  int64_t quarantined = 0;  ///< store mode: quarantined; Kafka mode: invalid lines, reported and not produced
  int64_t produced = 0;     ///< Kafka mode: events delivered to the topic
  int64_t rejected_by_reason[events::kRejectReasonCount] = {};
  bool new_file = true;   ///< no earlier run of this file was found
  int32_t partition = 0;  ///< store mode: the import partition used
  double seconds = 0;
};

/// " (reason n, reason n)" for the reasons with rejected lines, "" for none.
std::string RejectSummary(const ImportCounts& c);

/// Imports `options.file`. Store mode: every non-blank line is decoded by
/// events::Decoder and appended with EventStore::AppendBatch (dedupe by event
/// id, quarantine with reason) in batches, at (kImportTopic, partition of the
/// file, line number), the resume record in the same WriteBatch. Kafka mode
/// (import_kafka.cc): valid lines are produced (key = account_id) and the
/// resume record is written to the state file after each delivered batch.
/// A re-run of the same file (or of it with lines appended) resumes after the
/// imported prefix; another file is imported in full. Prints the counts;
/// fails invalid-argument for usage errors or a missing file, aborted when
/// Kafka mode finished but left invalid lines out (exit 3), otherwise with the
/// store or broker failure.
Status RunImport(const ImportOptions& options, ImportCounts* counts);
Status RunImportToKafka(const ImportOptions& options, ImportCounts* counts);

/// Receives the lines of one import run.
class ImportSink {
 public:
  virtual ~ImportSink() = default;
  /// One non-blank line (without its "\r\n") at 0-based line number `n`.
  virtual Status Line(int64_t n, std::string_view line) = 0;
  /// Makes the lines given so far durable together with `mark`, the resume
  /// record of the prefix read so far (first_line_sha, prefix_sha, bytes, lines).
  virtual Status Commit(const ImportResume& mark) = 0;
};

/// Reads `in` line by line: skips the lines of `resume`'s prefix (counted as
/// resumed) and blank lines, gives the others to `sink`, commits after every
/// `batch` lines given and at the end of the file.
Status FeedLines(std::istream& in, const std::optional<ImportResume>& resume, int batch, ImportSink& sink,
                 ImportCounts* counts);

/// Registers the `import` subcommand:
///   slamon import --file F (--store DIR | --to-kafka [--config FILE] [--brokers B] [--topic T] [--state FILE])
void AddImportCommand(CLI::App& app);

}  // namespace slamon::daemon
