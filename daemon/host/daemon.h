// The daemon: one object that owns the path of an event — Kafka source ->
// ingest loop (decode, validate, one synced store write) -> projection host
// -> metrics and the HTTP endpoints.
//
// Life cycle: Open() checks everything that can be refused and builds the
// components without starting a thread (config, every librdkafka property,
// the consumer, the store, the policy version); Start() starts them in
// dependency order (HTTP, replay of the store, projections, consumer group,
// built-in generator); Run() ingests until asked to stop; Stop() stops them in
// reverse order and syncs and closes the store. Every component that owns a
// thread stops it in its destructor, so a failure at any step unwinds.
//
// Errors: kInvalidArgument means the configuration was refused (exit 2),
// anything else is a runtime failure (exit 1).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config/daemon_config.h"
#include "events/common/status.h"

namespace slamon::daemon {

struct DaemonOptions {
  /// The --set overrides the config was loaded with (a reload applies them again).
  std::vector<std::string> overrides;
  /// Exit once every assigned partition is ingested to its end (backfills, benchmarks).
  bool exit_on_eof = false;
  /// Fault injection for tests: when set and returning an error, a store write fails with it.
  std::function<Status()> append_fault;
};

class Daemon {
 public:
  Daemon(DaemonConfig config, DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  Status Open();
  Status Start();
  /// Ingests until `stop` is set, the consumer fails fatally or (exit_on_eof) the end is reached.
  Status Run(const std::atomic<bool>& stop);
  /// Stops every component; the store's sync failure is reported here.
  Status Stop();

 private:
  struct Parts;
  DaemonConfig config_;
  DaemonOptions options_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace slamon::daemon
