// `slamon run --config FILE`: loads the configuration and runs the Daemon
// (daemon/host/daemon.h) until SIGINT/SIGTERM. Exit status: 2 when the
// configuration is refused, 1 for runtime errors; the reason is printed once
// as "slamon run: ...".
#include "daemon/cli/run_command.h"

#include <csignal>
#include <filesystem>

#include "daemon/cli/cli_error.h"
#include "daemon/config/daemon_config.h"
#include "daemon/host/daemon.h"
#include "daemon/http/web_config.h"
#include "events/common/logging.h"

namespace slamon::daemon {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

// The store-write fault of the lifecycle tests: writes fail while `file`
// exists. Reachable only through a hidden option, never by default.
std::function<Status()> FailWhileFileExists(const std::string& file) {
  if (file.empty()) return nullptr;
  return [file] {
    return std::filesystem::exists(file) ? Status::IoError("injected store write failure (" + file + " exists)")
                                         : Status::OK();
  };
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    std::string web_config_file;
    bool exit_on_eof = false;
    std::string fail_writes_while;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("run", "Run the daemon: ingest from Kafka, serve /metrics and the API");
  cmd->add_option("--config", a->config, "Daemon config file (YAML)")->required();
  cmd->add_option("--set", a->overrides, "Override a config value, e.g. --set kafka.brokers=127.0.0.1:9092");
  cmd->add_option("--web.config.file", a->web_config_file,
                  "Web config file (TLS, bcrypt basic-auth users) as Prometheus exporters use; wins over "
                  "http.web_config_file");
  cmd->add_flag("--exit-on-eof", a->exit_on_eof,
                "Exit once every assigned partition is ingested to its end (backfills, benchmarks)");
  // Tests only: hidden from --help (an empty group name hides an option).
  cmd->add_option("--testing-fail-store-writes-while-file-exists", a->fail_writes_while)->group("");
  OnRun(cmd, [a]() -> Status {
    GET_OR_RET(DaemonConfig cfg, LoadDaemonConfigOr(a->config, a->overrides));
    if (!a->web_config_file.empty()) cfg.http.web_config_file = a->web_config_file;
    try {
      LoadWebConfigInto(&cfg);  // only `run` reads the TLS key and the users
    } catch (const ConfigError& e) {
      return Status::Invalid(e.what());
    }
    SetLogLevel(cfg.log_level);
    SetLogFormat(ParseLogFormat(cfg.log_format).value_or(LogFormat::kText));
    Daemon daemon(std::move(cfg), {.overrides = a->overrides,
                                   .exit_on_eof = a->exit_on_eof,
                                   .append_fault = FailWhileFileExists(a->fail_writes_while)});
    g_stop = false;
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    SLAMON_RETURN_IF_ERROR(daemon.Open());
    SLAMON_RETURN_IF_ERROR(daemon.Start());
    Status run = daemon.Run(g_stop);
    SLAMON_RETURN_IF_ERROR(daemon.Stop());
    return run;
  });
}

}  // namespace slamon::daemon
