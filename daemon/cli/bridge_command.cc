#include "daemon/cli/bridge_command.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "daemon/bridge/bridge.h"
#include "daemon/cli/cli_error.h"
#include "daemon/config/daemon_config.h"
#include "daemon/http/web_config.h"
#include "events/common/logging.h"

namespace slamon::daemon {
namespace {

std::atomic<bool> g_bridge_stop{false};
std::atomic<bool> g_bridge_reload{false};
void OnBridgeSignal(int) { g_bridge_stop = true; }
void OnBridgeReloadSignal(int) { g_bridge_reload = true; }

}  // namespace

void AddBridgeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("bridge", "Receive helpdesk webhooks and produce them to Kafka as slamon events");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config, "bridge config file (see config/bridge.example.yaml)")->required();
  OnRun(cmd, [config]() -> Status {
    bridge::BridgeConfig cfg;
    try {
      cfg = bridge::LoadBridgeConfig(*config);
      // TLS and users for the endpoints, certificates read now (as `run` does).
      if (!cfg.http.web_config_file.empty())
        cfg.http.web = std::make_shared<WebConfig>(LoadWebConfig(cfg.http.web_config_file));
    } catch (const ConfigError& e) {
      return Status::Invalid(e.what());
    }
    if (!SetLogLevel(cfg.log_level)) {
      return Status::Invalid(*config + ": field log.level: unknown level " + cfg.log_level);
    }
    auto log = Log("bridge");
    std::string names;
    for (const auto& [name, unused] : cfg.sources) names += (names.empty() ? "" : ", ") + name;
    const std::string topic = cfg.kafka.topic;
    auto created = bridge::Bridge::Create(std::move(cfg));
    if (!created.ok()) return Status::IoError(created.status().message());
    auto bridge = created.take();
    g_bridge_stop = false;
    std::signal(SIGINT, OnBridgeSignal);
    std::signal(SIGTERM, OnBridgeSignal);
    g_bridge_reload = false;
    std::signal(SIGHUP, OnBridgeReloadSignal);  // the handler only sets a flag; the loop below reloads
    if (Status s = bridge->Start(); !s.ok()) return Status::IoError(s.message());
    log->info("bridge listening on port {}: POST /webhooks/{{{}}} -> topic {}", bridge->port(), names, topic);
    while (!g_bridge_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (g_bridge_reload.exchange(false)) {
        log->info("SIGHUP: reloading {}", *config);
        (void)bridge->Reload();  // logs its outcome; a failure keeps the running config
      }
    }
    log->info("stopping");
    bridge->Stop();
    log->info("stopped");
    return Status::OK();
  });
}

}  // namespace slamon::daemon
