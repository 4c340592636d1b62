#include "daemon/import_command.h"

#include <CLI/CLI.hpp>
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

#include "events/codec.h"

namespace slamon::daemon {
namespace {

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

bool IsLockError(const std::string& message) {
  return message.find("LOCK") != std::string::npos || message.find("lock") != std::string::npos;
}

void PrintCounts(const ImportOptions& o, const ImportCounts& c) {
  std::string reasons;
  for (int r = 0; r < events::kRejectReasonCount; ++r) {
    if (c.rejected_by_reason[r] == 0) continue;
    reasons += reasons.empty() ? " (" : ", ";
    reasons +=
        std::string(events::Name(static_cast<events::RejectReason>(r))) + " " + std::to_string(c.rejected_by_reason[r]);
  }
  if (!reasons.empty()) reasons += ")";
  std::printf(
      "slamon import: %s into %s\n"
      "  lines        %lld (%lld already imported, %lld blank)\n"
      "  stored       %lld\n"
      "  duplicates   %lld\n"
      "  quarantined  %lld%s\n"
      "  time         %.2f s, %.0f lines/s\n",
      o.file.c_str(), o.store.c_str(), static_cast<long long>(c.lines), static_cast<long long>(c.resumed),
      static_cast<long long>(c.empty), static_cast<long long>(c.stored), static_cast<long long>(c.duplicates),
      static_cast<long long>(c.quarantined), reasons.c_str(), c.seconds,
      c.seconds > 0 ? static_cast<double>(c.lines - c.resumed) / c.seconds : 0.0);
  std::fflush(stdout);
}

}  // namespace

int RunImport(const ImportOptions& o, ImportCounts* counts) {
  *counts = ImportCounts{};
  const auto t0 = std::chrono::steady_clock::now();
  std::ifstream in(o.file, std::ios::binary);
  std::error_code ec;
  const bool is_dir = std::filesystem::is_directory(o.file, ec);
  if (!in || is_dir) {
    std::cerr << "slamon import: --file " << o.file << ": cannot open: " << std::strerror(is_dir ? EISDIR : errno)
              << "\n";
    return 2;
  }
  auto opened = events::EventStore::Open({.path = o.store});
  if (!opened.ok()) {
    if (IsLockError(opened.status().message())) {
      std::cerr << "slamon import: the store " << o.store
                << " is locked by another process (a running slamon daemon?); stop the daemon first\n";
    } else {
      std::cerr << "slamon import: " << opened.status().message() << "\n";
    }
    return 1;
  }
  events::EventStore& store = **opened;
  // Lines before the stored next offset were imported by an earlier run.
  const int64_t resume = std::max<int64_t>(0, store.NextOffset(kImportTopic, 0));
  events::Decoder decoder(events::CodecOptions{.max_message_bytes = o.max_message_bytes});
  std::vector<events::BatchItem> batch;
  batch.reserve(static_cast<size_t>(o.batch));
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    events::AppendResult r;
    SLAMON_RETURN_IF_ERROR(store.AppendBatch(batch, &r));
    counts->stored += r.stored;
    counts->duplicates += r.duplicates;
    counts->quarantined += r.quarantined;
    for (int i = 0; i < events::kRejectReasonCount; ++i) counts->rejected_by_reason[i] += r.rejected_by_reason[i];
    batch.clear();
    return Status::OK();
  };
  std::string line;
  Status s;
  for (int64_t n = 0; s.ok() && std::getline(in, line); ++n) {
    ++counts->lines;
    if (n < resume) {
      ++counts->resumed;
      continue;
    }
    if (IsBlank(line)) {
      ++counts->empty;
      continue;
    }
    if (line.back() == '\r') line.pop_back();
    events::BatchItem item;
    item.pos = {kImportTopic, 0, n};
    auto decoded = decoder.Decode(line);
    if (auto* e = std::get_if<events::Event>(&decoded)) {
      item.event = std::move(*e);
    } else {
      item.rejection = std::move(std::get<events::Rejection>(decoded));
    }
    batch.push_back(std::move(item));
    if (batch.size() >= static_cast<size_t>(o.batch)) s = flush();
  }
  if (s.ok() && in.bad()) s = Status::IoError("reading " + o.file + ": " + std::strerror(errno));
  if (s.ok()) s = flush();
  if (s.ok()) s = store.Close();
  counts->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  PrintCounts(o, *counts);
  if (!s.ok()) {
    std::cerr << "slamon import: " << s.message() << " (the stored part is kept; a re-run resumes after it)\n";
    return 1;
  }
  return 0;
}

void AddImportCommand(CLI::App& app) {
  auto opts = std::make_shared<ImportOptions>();
  CLI::App* cmd =
      app.add_subcommand("import", "Backfill events from a JSONL file through the ingest path (stop the daemon first)");
  cmd->add_option("--store", opts->store, "Event store directory (created if missing)")->required();
  cmd->add_option("--file", opts->file, "JSON lines, one event per line")->required();
  cmd->add_option("--batch", opts->batch, "Lines per atomic store batch")->check(CLI::Range(1, 1000000));
  cmd->add_option("--max-message-bytes", opts->max_message_bytes, "Lines larger than this are quarantined as oversize")
      ->check(CLI::Range(size_t{1}, size_t{64} << 20));
  cmd->callback([opts] {
    ImportCounts counts;
    const int code = RunImport(*opts, &counts);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace slamon::daemon
