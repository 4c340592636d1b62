#include "daemon/host/config_reload.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <set>
#include <utility>

#include "daemon/config/daemon_fields.h"
#include "daemon/config/yaml_reader.h"
#include "daemon/host/projection_host.h"
#include "daemon/http/rotating_tls_context.h"
#include "daemon/http/web_config.h"
#include "events/codec.h"
#include "events/common/json_writer.h"
#include "events/common/logging.h"
#include "events/kafka/kafka_source.h"
#include "projections/policy_history.h"

namespace slamon::daemon {
namespace {

std::atomic<bool> g_sighup{false};
void OnSighup(int) { g_sighup = true; }

// The tiers and groups the policies name: metric label bounds fixed when the
// daemon starts (a new one is folded into "other" until a restart).
std::pair<std::set<std::string>, std::vector<std::string>> LabelNames(const projections::SlaConfig& c) {
  std::set<std::string> tiers;
  for (const auto& p : c.policies) tiers.insert(p.match_tiers.begin(), p.match_tiers.end());
  return {std::move(tiers), c.AllGroups()};
}

void AppendList(const std::vector<std::string>& items, events::JsonWriter* w) {
  w->BeginArray();
  for (const auto& s : items) w->String(s);
  w->EndArray();
}

}  // namespace

CheckedConfig LoadCheckedConfig(const std::string& file, const std::vector<std::string>& overrides) {
  auto reader = config::YamlReader::FromFile(file, overrides);
  CheckedConfig out;
  out.daemon = ReadDaemonConfig(reader);
  // The projections read their own sections, placing problems with the same
  // positions, so every problem of the file is reported at once.
  auto sla = projections::LoadSlaConfig(reader.root(), reader.positions());
  if (!sla.ok()) reader.AddFormatted(sla.status().message());
  auto health = projections::LoadHealthConfig(reader.root(), reader.positions());
  if (!health.ok()) reader.AddFormatted(health.status().message());
  if (reader.ok()) {
    if (auto rejected = events::CheckConsumerProperties(out.daemon.kafka)) {
      reader.AddFormatted(KafkaPropertyProblem(out.daemon, rejected->name, rejected->reason));
    }
  }
  reader.ThrowIfProblems();
  out.sla = std::make_shared<const projections::SlaConfig>(sla.take());
  out.health = health.take();
  return out;
}

ConfigChanges DiffConfigs(const DaemonConfig& running, const DaemonConfig& loaded) {
  ConfigChanges c;
  c.policy = projections::CanonicalPolicyText(running.root) != projections::CanonicalPolicyText(loaded.root);
  if (c.policy) c.live.emplace_back("policy");
  // Every other setting by its row: live or restart-only as the table says.
  config::FieldChanges rows = DaemonSchema().Diff(running, loaded);
  c.live.insert(c.live.end(), rows.live.begin(), rows.live.end());
  c.restart_only = std::move(rows.restart);
  return c;
}

std::string ReloadResult::ToJson() const {
  std::string out;
  events::JsonWriter w(&out);
  w.BeginObject();
  w.Key("status");
  w.String(ok ? "success" : "error");
  if (!ok) {
    w.Key("error");
    w.String(error);
  } else {
    w.Key("applied");
    AppendList(changes.live, &w);
    w.Key("restart_required");
    AppendList(changes.restart_only, &w);
    if (policy_version != 0) {
      w.Key("policy_version");
      w.Int(static_cast<int64_t>(policy_version));
      w.Key("effective_from");
      w.String(events::FormatRfc3339(effective_from));
      w.Key("policy_recorded");
      w.Bool(policy_recorded);
    }
  }
  w.EndObject();
  out += '\n';
  return out;
}

ConfigReloader::ConfigReloader(std::string file, std::vector<std::string> overrides, DaemonConfig running,
                               events::EventStore* store, ProjectionHost* projections, prometheus::Registry& registry,
                               std::function<int64_t()> clock)
    : file_(std::move(file)),
      overrides_(std::move(overrides)),
      store_(store),
      projections_(projections),
      clock_(std::move(clock)),
      started_(running),
      running_(std::move(running)),
      web_(started_.http.web) {
  auto gauge = [&registry](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  };
  last_successful_ = gauge("slamon_config_last_reload_successful",
                           "1 when the last configuration load (start-up or reload) succeeded, 0 when it failed.");
  last_success_timestamp_ = gauge("slamon_config_last_reload_success_timestamp_seconds",
                                  "When the configuration was last loaded successfully (Unix seconds).");
  restart_required_ =
      gauge("slamon_config_restart_required", "1 when the loaded config changes settings that only a restart applies.");
  last_successful_->Set(1);
  last_success_timestamp_->Set(static_cast<double>(Now()));
  restart_required_->Set(0);
}

ConfigReloader::~ConfigReloader() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    watch_stop_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) {
    watcher_.join();
    std::signal(SIGHUP, SIG_DFL);
  }
}

void ConfigReloader::WatchSighup() {
  g_sighup = false;
  std::signal(SIGHUP, OnSighup);
  watcher_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(watch_mu_);
    while (!watch_cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return watch_stop_; })) {
      if (!g_sighup.exchange(false)) continue;
      lock.unlock();
      Log("config")->info("SIGHUP: reloading {}", file_);
      (void)Reload();
      lock.lock();
    }
  });
}

int64_t ConfigReloader::Now() const { return clock_ ? clock_() : static_cast<int64_t>(std::time(nullptr)); }

DaemonConfig ConfigReloader::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

ReloadResult ConfigReloader::Reload() {
  std::lock_guard<std::mutex> lock(mu_);
  auto log = Log("config");
  ReloadResult result;
  CheckedConfig loaded;
  std::shared_ptr<const WebConfig> web;
  try {
    loaded = LoadCheckedConfig(file_, overrides_);
    // The web config the daemon serves with (`run --web.config.file` may
    // name it): checked as at start, so a bad scope fails the reload.
    if (!started_.http.web_config_file.empty()) {
      web = std::make_shared<const WebConfig>(LoadWebConfig(started_.http.web_config_file));
    }
  } catch (const std::exception& e) {  // ConfigError, and anything yaml-cpp lets through
    result.error = e.what();
    last_successful_->Set(0);
    log->error("reload failed, keeping the running config: {}", result.error);
    return result;
  }
  const int64_t now = Now();
  result.changes = DiffConfigs(running_, loaded.daemon);
  // Restart-only settings are compared with what the daemon started with:
  // editing one back to its running value clears the need to restart.
  result.changes.restart_only = DiffConfigs(started_, loaded.daemon).restart_only;
  if (result.changes.policy && projections_ != nullptr &&
      LabelNames(*projections_->sla_config()) != LabelNames(*loaded.sla)) {
    result.changes.restart_only.emplace_back("policies (tiers and groups as metric labels)");
  }

  // The policy version first: if recording fails, nothing is applied and the
  // store's history stays exact.
  if (store_ != nullptr) {
    auto version = projections::RecordPolicyVersion(store_, loaded.daemon.root, now, &result.policy_recorded);
    if (!version.ok()) {
      result.error = "recording the policy version: " + version.status().message();
      last_successful_->Set(0);
      log->error("reload failed, keeping the running config: {}", result.error);
      return result;
    }
    result.policy_version = version->version;
    result.effective_from = version->effective_from;
  }
  if (result.changes.policy && projections_ != nullptr) {
    if (Status s = projections_->ReplaceConfig(loaded.sla, loaded.health); !s.ok()) {
      // The version is recorded but not live: a restart applies it. Say so.
      result.error = "applying the policy to the live projections: " + s.message() + " (restart to apply it)";
      last_successful_->Set(0);
      log->error("reload failed: {}", result.error);
      return result;
    }
  }
  if (loaded.daemon.log_level != running_.log_level) SetLogLevel(loaded.daemon.log_level);
  if (web && web_) {
    if (web->basic_auth_users != web_->basic_auth_users || web->scopes != web_->scopes) {
      result.changes.live.emplace_back("web config: basic_auth_users, scopes");
    }
    if (web->tls_enabled != started_.http.web->tls_enabled) {
      result.changes.restart_only.emplace_back("web config: tls_server_config (TLS on or off)");
    } else if (web->tls_enabled && !SameTlsSettings(web->tls, web_->tls)) {
      result.changes.live.emplace_back("web config: tls_server_config");
    }
    if (on_web_config_) on_web_config_(web);  // certificates read anew even when no setting changed
    web_ = web;
  }

  // The live parts now run with the new values; the restart-only ones keep theirs.
  DaemonConfig next = started_;
  next.root.reset(loaded.daemon.root);  // reset, not operator=, which would rewrite started_'s document
  next.positions = loaded.daemon.positions;
  DaemonSchema().Copy(config::Apply::kLive, loaded.daemon, next);
  next.file = loaded.daemon.file;
  running_ = std::move(next);
  result.ok = true;
  last_successful_->Set(1);
  last_success_timestamp_->Set(static_cast<double>(now));
  restart_required_->Set(result.changes.restart_only.empty() ? 0 : 1);

  if (result.changes.policy) {
    log->info("reloaded {}: policy version {} in effect from {}{}", file_, result.policy_version,
              events::FormatRfc3339(result.effective_from), result.policy_recorded ? " (recorded now)" : "");
  } else {
    std::string applied;
    for (const auto& name : result.changes.live) applied += (applied.empty() ? "" : ", ") + name + " changed";
    log->info("reloaded {}: {}", file_, applied.empty() ? "no live setting changed" : applied);
  }
  for (const auto& name : result.changes.restart_only) {
    log->warn("reload: {} changed in {}; the running value stays until a restart", name, file_);
  }
  return result;
}

HttpResponse ConfigReloader::HandleHttp(const HttpRequest&) {
  const ReloadResult r = Reload();
  return HttpResponse::Json(r.ok ? 200 : 400, r.ToJson());
}

}  // namespace slamon::daemon
