#include "daemon/bridge/bridge_reload.h"

#include <ctime>
#include <utility>

#include "daemon/http/rotating_tls_context.h"
#include "daemon/http/web_config.h"
#include "events/common/json_writer.h"
#include "events/common/logging.h"

namespace slamon::bridge {
namespace {

void AppendList(const std::vector<std::string>& items, events::JsonWriter* w) {
  w->BeginArray();
  for (const auto& s : items) w->String(s);
  w->EndArray();
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

std::string BridgeReloadResult::ToJson() const {
  std::string out;
  events::JsonWriter w(&out);
  w.BeginObject();
  w.Field("status", ok ? "success" : "error");
  if (!ok) {
    w.Field("error", error);
  } else {
    w.Key("applied");
    AppendList(applied, &w);
    w.Key("restart_required");
    AppendList(restart_required, &w);
  }
  w.EndObject();
  out += '\n';
  return out;
}

BridgeReloader::BridgeReloader(BridgeConfig started, Receiver* receiver, BridgeMetrics* metrics,
                               daemon::HttpServer* http)
    : started_(std::move(started)),
      running_(SettingsOf(started_)),
      receiver_(receiver),
      metrics_(metrics),
      http_(http) {
  metrics_->ConfigLoaded(true, false, Now(), /*reload=*/false);
}

BridgeReloadResult BridgeReloader::Reload() {
  std::lock_guard lock(mu_);
  auto log = Log("bridge");
  BridgeReloadResult result;
  BridgeConfig loaded;
  std::shared_ptr<const daemon::WebConfig> web;
  try {
    loaded = LoadBridgeConfig(started_.file);
    // The web config the bridge started with (http.web_config_file itself
    // takes a restart): checked as at start, certificates read again.
    if (!started_.http.web_config_file.empty()) {
      web = std::make_shared<const daemon::WebConfig>(daemon::LoadWebConfig(started_.http.web_config_file));
    }
  } catch (const std::exception& e) {  // ConfigError, and anything yaml-cpp lets through
    result.error = e.what();
    metrics_->ConfigLoaded(false, false, Now());
    log->error("reload failed, keeping the running config: {}", result.error);
    return result;
  }
  // Restart-only settings against what the bridge started with: editing one
  // back to its running value clears the need to restart.
  result.restart_required = BridgeSchema().Diff(started_, loaded).restart;
  result.applied = BridgeSchema().Diff(running_, loaded).live;
  if (loaded.sources_text != running_.sources_text) result.applied.insert(result.applied.begin(), "sources");
  ApplyWebConfig(std::move(web), &result);

  if (loaded.log_level != running_.log_level) SetLogLevel(loaded.log_level);
  for (const auto& [name, secrets] : loaded.secret_counts) metrics_->AddSource(name, secrets);
  // Rebuilt even when the text is the same: cheap, and always what the file says.
  receiver_->ReplaceSources(std::move(loaded.sources));
  BridgeConfig next = SettingsOf(started_);
  BridgeSchema().Copy(config::Apply::kLive, loaded, next);
  next.secret_counts = std::move(loaded.secret_counts);
  next.sources_text = std::move(loaded.sources_text);
  next.http.web = running_.http.web;  // as ApplyWebConfig left it
  running_ = std::move(next);
  result.ok = true;
  metrics_->ConfigLoaded(true, !result.restart_required.empty(), Now());

  log->info("reloaded {}: {}", started_.file,
            result.applied.empty() ? "no live setting changed" : Joined(result.applied) + " changed");
  for (const auto& key : result.restart_required) {
    log->warn("reload: {} changed in {}; the running value stays until a restart", key, started_.file);
  }
  return result;
}

void BridgeReloader::ApplyWebConfig(std::shared_ptr<const daemon::WebConfig> web, BridgeReloadResult* result) {
  const std::shared_ptr<const daemon::WebConfig>& before = running_.http.web;
  if (!web || !before) return;
  if (web->basic_auth_users != before->basic_auth_users || web->scopes != before->scopes) {
    result->applied.emplace_back("web config: basic_auth_users, scopes");
  }
  if (web->tls_enabled != started_.http.web->tls_enabled) {  // the server keeps what it started with
    result->restart_required.emplace_back("web config: tls_server_config (TLS on or off)");
  } else if (web->tls_enabled && !SameTlsSettings(web->tls, before->tls)) {
    result->applied.emplace_back("web config: tls_server_config");
  }
  http_->SetWebConfig(web);  // certificates read anew even when no setting changed
  running_.http.web = std::move(web);
}

daemon::HttpResponse BridgeReloader::HandleHttp(const daemon::HttpRequest&) {
  const BridgeReloadResult r = Reload();
  return daemon::HttpResponse::Json(r.ok ? 200 : 400, r.ToJson());
}

}  // namespace slamon::bridge
