#include "daemon/cli/import_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <variant>
#include <vector>

#include "daemon/cli/cli_error.h"
#include "events/codec.h"

namespace slamon::daemon {
namespace {

// Resume records of store mode live in the meta column family under
// "import:<first-line SHA-256>:<partition>", one per distinct file.
constexpr std::string_view kResumePrefix = "import:";

std::string ResumeKey(const std::string& first_line_sha, int32_t partition) {
  char p[16];
  std::snprintf(p, sizeof(p), "%010d", partition);
  return std::string(kResumePrefix) + first_line_sha + ":" + p;
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

bool IsLockError(const std::string& message) {
  return message.find("LOCK") != std::string::npos || message.find("lock") != std::string::npos;
}

StatusOr<std::vector<ImportResume>> LoadResumeRecords(const events::EventStore& store) {
  std::vector<ImportResume> out;
  Status bad;
  SLAMON_RETURN_IF_ERROR(store.ScanMeta(kResumePrefix, [&](std::string_view key, std::string_view value) {
    ImportResume r;
    if (!FromJson(value, &r)) {
      bad = Status::Corruption("bad import resume record " + std::string(key));
      return false;
    }
    out.push_back(std::move(r));
    return true;
  }));
  SLAMON_RETURN_IF_ERROR(bad);
  return out;
}

}  // namespace

std::string RejectSummary(const ImportCounts& c) {
  std::string reasons;
  for (int r = 0; r < events::kRejectReasonCount; ++r) {
    if (c.rejected_by_reason[r] == 0) continue;
    reasons += reasons.empty() ? " (" : ", ";
    reasons +=
        std::string(events::Name(static_cast<events::RejectReason>(r))) + " " + std::to_string(c.rejected_by_reason[r]);
  }
  if (!reasons.empty()) reasons += ")";
  return reasons;
}

namespace {

void PrintCounts(const ImportOptions& o, const ImportCounts& c) {
  const std::string reasons = RejectSummary(c);
  std::printf(
      "slamon import: %s into %s\n"
      "  file         %s, partition %s %d\n"
      "  lines        %lld (%lld already imported, %lld blank)\n"
      "  stored       %lld\n"
      "  duplicates   %lld\n"
      "  quarantined  %lld%s\n"
      "  time         %.2f s, %.0f lines/s\n",
      o.file.c_str(), o.store.c_str(), c.new_file ? "new" : "seen before, resumed", kImportTopic, c.partition,
      static_cast<long long>(c.lines), static_cast<long long>(c.resumed), static_cast<long long>(c.empty),
      static_cast<long long>(c.stored), static_cast<long long>(c.duplicates), static_cast<long long>(c.quarantined),
      reasons.c_str(), c.seconds, c.seconds > 0 ? static_cast<double>(c.lines - c.resumed) / c.seconds : 0.0);
  std::fflush(stdout);
}

// Appends decoded lines to the store; the resume record goes into the same
// WriteBatch, so after a crash it never claims more or less than is stored.
class StoreSink : public ImportSink {
 public:
  StoreSink(events::EventStore& store, int32_t partition, size_t max_message_bytes, ImportCounts* counts)
      : store_(store),
        partition_(partition),
        decoder_(events::CodecOptions{.max_message_bytes = max_message_bytes}),
        counts_(counts) {}

  Status Line(int64_t n, std::string_view line) override {
    events::BatchItem item;
    item.pos = {kImportTopic, partition_, n};
    auto decoded = decoder_.Decode(line);
    if (auto* e = std::get_if<events::Event>(&decoded)) {
      item.event = std::move(*e);
    } else {
      item.rejection = std::move(std::get<events::Rejection>(decoded));
    }
    batch_.push_back(std::move(item));
    return Status::OK();
  }

  Status Commit(const ImportResume& mark) override {
    ImportResume record = mark;
    record.partition = partition_;
    events::AppendResult r;
    SLAMON_RETURN_IF_ERROR(
        store_.AppendBatch(batch_, &r, {{ResumeKey(record.first_line_sha, partition_), ToJson(record)}}));
    counts_->stored += r.stored;
    counts_->duplicates += r.duplicates;
    counts_->quarantined += r.quarantined;
    for (int i = 0; i < events::kRejectReasonCount; ++i) counts_->rejected_by_reason[i] += r.rejected_by_reason[i];
    batch_.clear();
    return Status::OK();
  }

 private:
  events::EventStore& store_;
  int32_t partition_;
  events::Decoder decoder_;
  ImportCounts* counts_;
  std::vector<events::BatchItem> batch_;
};

// The resume record of this file, if an earlier run imported a prefix of it.
StatusOr<std::optional<ImportResume>> FindResume(const std::string& file, const std::vector<ImportResume>& records,
                                                 const std::string& topic) {
  GET_OR_RET(const std::string first, ReadFirstLine(file));
  const std::string key = Sha256Hex(first);
  std::vector<ImportResume> candidates;
  for (const auto& r : records) {
    if (r.first_line_sha == key && r.topic == topic) candidates.push_back(r);
  }
  return MatchResume(file, std::move(candidates));
}

}  // namespace

Status FeedLines(std::istream& in, const std::optional<ImportResume>& resume, int batch, ImportSink& sink,
                 ImportCounts* counts) {
  LineReader reader(in);
  std::string line, first_line_sha;
  int64_t given = 0, committed_bytes = resume ? resume->bytes : 0;
  auto commit = [&]() -> Status {
    ImportResume mark = reader.Mark();
    mark.first_line_sha = first_line_sha;
    SLAMON_RETURN_IF_ERROR(sink.Commit(mark));
    committed_bytes = mark.bytes;
    given = 0;
    return Status::OK();
  };
  for (int64_t n = 0; reader.Next(&line); ++n) {
    ++counts->lines;
    if (n == 0) first_line_sha = Sha256Hex(line);
    if (resume && reader.bytes() <= resume->bytes) {
      ++counts->resumed;
      continue;
    }
    if (IsBlank(line)) {
      ++counts->empty;
      continue;
    }
    if (line.back() == '\r') line.pop_back();
    SLAMON_RETURN_IF_ERROR(sink.Line(n, line));
    if (++given >= batch) SLAMON_RETURN_IF_ERROR(commit());
  }
  if (reader.bad()) return Status::IoError(std::string("reading the file: ") + std::strerror(errno));
  // The tail (also trailing blank lines) is recorded so a re-run skips it.
  if (given > 0 || reader.bytes() > committed_bytes) SLAMON_RETURN_IF_ERROR(commit());
  return Status::OK();
}

Status RunImport(const ImportOptions& o, ImportCounts* counts) {
  if (o.to_kafka) return RunImportToKafka(o, counts);
  *counts = ImportCounts{};
  const auto t0 = std::chrono::steady_clock::now();
  std::ifstream in(o.file, std::ios::binary);
  std::error_code ec;
  const bool is_dir = std::filesystem::is_directory(o.file, ec);
  if (!in || is_dir) {
    return Status::Invalid("--file " + o.file + ": cannot open: " + std::strerror(is_dir ? EISDIR : errno));
  }
  auto opened = events::EventStore::Open({.path = o.store});
  if (!opened.ok()) {
    if (IsLockError(opened.status().message())) {
      return Status::IoError("the store " + o.store +
                             " is locked by another process (a running slamon daemon?); stop the daemon first");
    }
    return Status::IoError(opened.status().message());
  }
  events::EventStore& store = **opened;
  Status s;
  auto records = LoadResumeRecords(store);
  std::optional<ImportResume> resume;
  if (records.ok()) {
    auto found = FindResume(o.file, *records, "");
    if (found.ok()) {
      resume = *found;
    } else {
      s = found.status();
    }
  } else {
    s = records.status();
  }
  if (s.ok()) {
    counts->new_file = !resume.has_value();
    if (resume) {
      counts->partition = resume->partition;
    } else {
      // A new file gets a partition of its own: its line numbers restart at
      // 0, below the chain head of any other file's partition.
      int32_t next = 0;
      for (const auto& r : *records) next = std::max(next, r.partition + 1);
      const auto offsets = store.AllOffsets();
      if (auto it = offsets.find(kImportTopic); it != offsets.end() && !it->second.empty()) {
        next = std::max(next, it->second.rbegin()->first + 1);
      }
      counts->partition = next;
    }
    StoreSink sink(store, counts->partition, o.max_message_bytes, counts);
    s = FeedLines(in, resume, o.batch, sink, counts);
  }
  if (s.ok()) s = store.Close();
  counts->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  PrintCounts(o, *counts);
  if (!s.ok()) return Status::IoError(s.message() + " (the stored part is kept; a re-run resumes after it)");
  return Status::OK();
}

void AddImportCommand(CLI::App& app) {
  auto opts = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import", "Backfill events from a JSONL file: into Kafka (--to-kafka) or an offline store (--store)");
  cmd->add_option("--file", opts->file, "JSON lines, one event per line")->required();
  auto* store = cmd->add_option("--store", opts->store, "Offline mode: event store directory (stop its daemon first)");
  auto* kafka =
      cmd->add_flag("--to-kafka", opts->to_kafka,
                    "Produce the valid lines to the daemons' topic (key = account_id); they ingest them live");
  store->excludes(kafka);
  cmd->add_option("--config", opts->config, "Kafka mode: the daemon config (kafka.brokers, first topic, security)");
  cmd->add_option("--set", opts->sets, "Kafka mode: override a config value (key=value); repeatable");
  cmd->add_option("--brokers", opts->brokers, "Kafka mode: bootstrap servers (instead of or over --config)");
  cmd->add_option("--topic", opts->topic, "Kafka mode: topic (default: the config's first topic)");
  cmd->add_option("--state", opts->state, "Kafka mode: resume state file (default: <file>.slamon-import)");
  cmd->add_option("--batch", opts->batch, "Lines per atomic store batch / per delivered Kafka batch")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--max-message-bytes", opts->max_message_bytes, "Lines larger than this are invalid (oversize)")
      ->check(CLI::Range(size_t{1}, size_t{64} << 20));
  OnRun(cmd, [opts, store, kafka]() -> Status {
    if (store->count() == 0 && kafka->count() == 0) {
      return Status::Invalid("give --to-kafka (the live daemons ingest the backfill) or --store DIR (offline)");
    }
    ImportCounts counts;
    return RunImport(*opts, &counts);
  });
}

}  // namespace slamon::daemon
