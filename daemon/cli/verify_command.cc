#include "daemon/cli/verify_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "daemon/cli/cli_error.h"
#include "events/common/json_writer.h"
#include "events/store/event_store.h"
#include "events/store/verify.h"

namespace slamon::daemon {
namespace {

struct VerifyArgs {
  std::string store;
  std::string format = "text";
};

std::string JsonReport(const std::string& store, const events::VerifyReport& r) {
  std::string out;
  events::JsonWriter w(&out);
  w.BeginObject()
      .Field("store", store)
      .Field("ok", r.ok())
      .Field("events", int64_t{r.events})
      .Field("partitions", r.partitions)
      .Field("links", r.links)
      .Field("problems", r.problems)
      .Field("seconds", r.seconds)
      .Field("events_per_second", r.EventsPerSecond())
      .Key("first_problem");
  if (r.first) {
    // Tampered bytes (an id with invalid UTF-8 or control bytes) are escaped/replaced by the writer.
    w.BeginObject().Field("what", r.first->what);
    if (r.first->has_position) {
      w.Field("topic", r.first->pos.topic)
          .Field("partition", int64_t{r.first->pos.partition})
          .Field("offset", int64_t{r.first->pos.offset});
    }
    if (!r.first->event_id.empty()) w.Field("event_id", r.first->event_id);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
  out.push_back('\n');
  return out;
}

std::string TextReport(const std::string& store, const events::VerifyReport& r) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "  events   %lld in %lld partition(s), %lld chain link(s), every id once\n"
                "  time     %.2f s, %.0f events/s\n",
                static_cast<long long>(r.events), static_cast<long long>(r.partitions), static_cast<long long>(r.links),
                r.seconds, r.EventsPerSecond());
  if (r.ok()) return "slamon verify: store " + store + " is intact\n" + buf;
  return "slamon verify: store " + store + " is BROKEN at " + events::Describe(*r.first) + "\n  " +
         std::to_string(r.problems) + " problem(s) found; the first in store order is shown\n" + buf;
}

Status RunVerify(const VerifyArgs& args) {
  std::error_code ec;
  if (!std::filesystem::is_directory(args.store, ec))
    return Status::Invalid("--store " + args.store + ": no such directory");
  if (!std::filesystem::exists(std::filesystem::path(args.store) / "CURRENT", ec)) {
    return Status::Invalid("--store " + args.store + ": not an event store (no RocksDB CURRENT file)");
  }
  auto store = events::EventStore::Open({.path = args.store, .create_if_missing = false, .read_only = true});
  if (!store.ok()) return Status::IoError(store.status().message());
  auto report = events::VerifyStore(**store);
  if (!report.ok()) return Status::IoError(report.status().message());
  const std::string out = args.format == "json" ? JsonReport(args.store, *report) : TextReport(args.store, *report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  // A broken store was reported on stdout: exit 1 without repeating it.
  return report->ok() ? Status::OK() : Status::Corruption("");
}

}  // namespace

void AddVerifyCommand(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "Check the store's audit hash chain, offsets and counters");
  cmd->add_option("--store", args->store, "Event store directory")->required();
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  OnRun(cmd, [args] { return RunVerify(*args); });
}

}  // namespace slamon::daemon
