// `slamon export --store DIR [--account ID] [--partition N]...`: stored
// events as JSONL, in store order (topic, partition, offset), exactly as
// received (minified).
#include "daemon/cli/export_command.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <vector>

#include "daemon/cli/cli_error.h"
#include "events/common/json_writer.h"
#include "events/store/event_store.h"

namespace slamon::daemon {
namespace {

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? static_cast<unsigned char>(in[i + k]) : 0u);
    for (size_t k = 0; k < 4; ++k) out.push_back(k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 0x3F] : '=');
  }
  return out;
}

}  // namespace

void AddExportCommand(CLI::App& app) {
  struct Args {
    std::string store;
    std::string account;
    std::vector<int32_t> partitions;
    bool quarantine = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("export", "Print stored events as JSONL in store order");
  cmd->add_option("--store", args->store, "Event store directory")->required();
  cmd->add_option("--account", args->account, "Only this account's events (a scan of the store)");
  cmd->add_option("--partition", args->partitions,
                  "Only the events (or quarantined messages) of this partition; repeat for several")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quarantine", args->quarantine,
                "Print quarantined messages instead: {topic,partition,offset,reason,detail,raw[,raw_base64]}");
  OnRun(cmd, [args]() -> Status {
    auto store = events::EventStore::Open({.path = args->store, .create_if_missing = false, .read_only = true});
    if (!store.ok()) return Status::IoError(store.status().message());
    std::string line;
    // A store keeps the partitions its daemon ever owned: --partition picks some.
    auto wanted = [&args](int32_t partition) {
      return args->partitions.empty() ||
             std::find(args->partitions.begin(), args->partitions.end(), partition) != args->partitions.end();
    };
    auto print_event = [&line, &wanted](const events::StoredEvent& se) {
      if (!wanted(se.pos.partition)) return true;
      line.assign(se.event.json);
      line.push_back('\n');
      return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
    };
    Status s;
    if (args->quarantine) {
      s = (*store)->ScanQuarantine([&line, &wanted](const events::QuarantinedMessage& q) {
        if (!wanted(q.pos.partition)) return true;
        // The raw bytes may be anything (newlines, control bytes, invalid
        // UTF-8): the writer escapes them so each message stays one JSON line.
        line.clear();
        events::JsonWriter w(&line);
        w.BeginObject()
            .Field("topic", q.pos.topic)
            .Field("partition", q.pos.partition)
            .Field("offset", q.pos.offset)
            .Field("reason", events::Name(q.rejection.reason))
            .Field("detail", q.rejection.detail)
            .Field("raw", q.rejection.raw);
        // "raw" replaces bytes that are not UTF-8; the exact bytes stay available.
        if (!events::IsValidUtf8(q.rejection.raw)) w.Field("raw_base64", Base64(q.rejection.raw));
        w.EndObject();
        line.push_back('\n');
        return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
      });
    } else if (args->account.empty()) {
      s = (*store)->ScanEvents(print_event);
    } else {
      s = (*store)->ScanAccount(args->account, print_event);
    }
    std::fflush(stdout);
    return s.ok() ? s : Status::IoError(s.message());
  });
}

}  // namespace slamon::daemon
