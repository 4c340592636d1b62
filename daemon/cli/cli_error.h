// The CLI's one error path. A subcommand's body returns a Status; OnRun()
// turns a failure into a CommandFailed that RunCli() reports once as
// "slamon <command>: <message>" with the exit status ExitCodeFor() gives:
// 2 when the input (configuration, arguments) was refused, 3 when the
// command finished but left part of its input out, 1 otherwise.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

#include "events/common/status.h"

namespace slamon::daemon {

/// Exit statuses of the slamon binary.
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitInvalidInput = 2;
/// The command finished but left part of its input out (import --to-kafka).
inline constexpr int kExitPartial = 3;

inline int ExitCodeFor(const Status& s) {
  if (s.ok()) return 0;
  if (s.code() == Status::kInvalidArgument) return kExitInvalidInput;
  return s.code() == Status::kAborted ? kExitPartial : kExitRuntimeError;
}

/// A subcommand's failure on its way to RunCli.
class CommandFailed : public std::runtime_error {
 public:
  CommandFailed(std::string command, Status status)
      : std::runtime_error(status.message()), command_(std::move(command)), status_(std::move(status)) {}
  const std::string& command() const { return command_; }
  const Status& status() const { return status_; }

 private:
  std::string command_;
  Status status_;
};

/// Prints a failure once as "slamon <command>: <message>" (nothing for an
/// empty message: the command already reported its outcome, as verify's
/// report does) and returns its exit status.
inline int ReportFailure(const CommandFailed& e) {
  if (!e.status().message().empty()) std::cerr << "slamon " << e.command() << ": " << e.status().message() << std::endl;
  return ExitCodeFor(e.status());
}

/// Sets `body` as the callback of subcommand `cmd`.
inline void OnRun(CLI::App* cmd, std::function<Status()> body) {
  cmd->callback([name = cmd->get_name(), body = std::move(body)] {
    Status s = body();
    if (!s.ok()) throw CommandFailed(name, std::move(s));
  });
}

}  // namespace slamon::daemon
