// `slamon export --store DIR [--account ID]`: stored events as JSONL, in
// store order (topic, partition, offset), exactly as received (minified).
#include <cstdio>
#include <iostream>

#include "daemon/commands.h"
#include "events/event_store.h"

namespace slamon::daemon {

void AddExportCommand(CLI::App& app) {
  struct Args {
    std::string store;
    std::string account;
    bool quarantine = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("export", "Print stored events as JSONL in store order");
  cmd->add_option("--store", args->store, "Event store directory")->required();
  cmd->add_option("--account", args->account, "Only this account's events (via the account index)");
  cmd->add_flag("--quarantine", args->quarantine,
                "Print quarantined messages instead: {topic,partition,offset,reason,detail,raw}");
  cmd->callback([args] {
    auto store = events::EventStore::Open({.path = args->store, .create_if_missing = false, .read_only = true});
    if (!store.ok()) {
      std::cerr << "slamon export: " << store.status().message() << "\n";
      throw CLI::RuntimeError(1);
    }
    std::string line;
    auto print_event = [&line](const events::StoredEvent& se) {
      line.assign(se.event.json);
      line.push_back('\n');
      return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
    };
    Status s;
    if (args->quarantine) {
      s = (*store)->ScanQuarantine([](const events::QuarantinedMessage& q) {
        std::string raw;
        for (unsigned char c : q.rejection.raw) {
          // The raw bytes may be anything: escape to keep one JSON line.
          if (c == '"' || c == '\\') {
            raw += '\\';
            raw += static_cast<char>(c);
          } else if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            raw += buf;
          } else {
            raw += static_cast<char>(c);
          }
        }
        std::string detail;
        for (char c : q.rejection.detail) {
          if (c == '"' || c == '\\') detail += '\\';
          detail += c;
        }
        std::printf(
            "{\"topic\":\"%s\",\"partition\":%d,\"offset\":%lld,\"reason\":\"%s\",\"detail\":\"%s\",\"raw\":\"%s\"}\n",
            q.pos.topic.c_str(), q.pos.partition, static_cast<long long>(q.pos.offset),
            std::string(events::Name(q.rejection.reason)).c_str(), detail.c_str(), raw.c_str());
        return true;
      });
    } else if (args->account.empty()) {
      s = (*store)->ScanEvents(print_event);
    } else {
      s = (*store)->ScanAccount(args->account, print_event);
    }
    std::fflush(stdout);
    if (!s.ok()) {
      std::cerr << "slamon export: " << s.message() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace slamon::daemon
