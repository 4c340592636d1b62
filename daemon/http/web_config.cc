#include "daemon/http/web_config.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "daemon/config/web_fields.h"
#include "daemon/config/yaml_reader.h"
#include "daemon/http/tls_context.h"

namespace slamon::daemon {
namespace {

constexpr const char* kTls = "tls_server_config";

// A file named by a tls_server_config key, resolved against the web config's
// folder (as exporter-toolkit does) and readable now; "" stays "".
std::string ReadableFile(config::YamlReader& r, const std::string& key, const std::string& value) {
  if (value.empty()) return value;
  std::filesystem::path p(value);
  if (p.is_relative()) p = std::filesystem::path(r.file()).parent_path() / p;
  std::string path = p.lexically_normal().string();
  std::ifstream in(path);
  if (!in) {
    r.Problem(r.At(std::string(kTls) + "." + key), std::string(kTls) + "." + key,
              "cannot read " + path + ": " + std::strerror(errno));
  }
  return path;
}

// The certificate files and the OpenSSL context, once the tables found the
// section well-formed.
void LoadTls(config::YamlReader& r, WebConfig* out) {
  TlsServerSettings& s = out->tls;
  s.cert_file = ReadableFile(r, "cert_file", s.cert_file);
  s.key_file = ReadableFile(r, "key_file", s.key_file);
  s.client_ca_file = ReadableFile(r, "client_ca_file", s.client_ca_file);
  if (!r.ok()) return;
  std::string field;
  std::string why;
  out->context = TlsContext::Create(s, &field, &why);
  if (!out->context) {
    const YAML::Node at = r.At(std::string(kTls) + "." + field);
    r.Problem(at.IsDefined() ? at : r.At(kTls), std::string(kTls) + "." + field, why);
  }
}

// Every user a scope names must be able to log in: a scope for a misspelt
// user would silently leave the real user with `all`.
void CheckScopeUsers(config::YamlReader& r, const WebConfig& c) {
  const YAML::Node scopes = r.At("scopes");
  for (const auto& [user, scope] : c.scopes) {
    if (c.basic_auth_users.contains(user)) continue;
    YAML::Node at;
    if (scopes.IsMap()) {
      for (const auto& kv : scopes) {
        if (kv.first.IsScalar() && kv.first.Scalar() == user) at = kv.first;
      }
    }
    r.Problem(at.IsDefined() ? at : scopes, "scopes." + user, "is not a user of basic_auth_users");
  }
}

}  // namespace

WebConfig LoadWebConfig(const std::string& file) {
  auto r = config::YamlReader::FromFile(file, {}, "web config file");
  WebConfig out;
  out.file = file;
  WebConfigSchema().Read(r, out);
  if (r.ok()) CheckScopeUsers(r, out);
  const YAML::Node tls = r.At(kTls);
  out.tls_enabled = tls.IsDefined() && !tls.IsNull();
  if (r.ok() && out.tls_enabled) LoadTls(r, &out);
  r.ThrowIfProblems();
  return out;
}

void LoadWebConfigInto(DaemonConfig* cfg) {
  if (cfg->http.web_config_file.empty()) return;
  auto web = std::make_shared<WebConfig>(LoadWebConfig(cfg->http.web_config_file));
  // Two sources of users would leave it unclear which password is asked for.
  if (!cfg->http.basic_auth_user.empty() && !web->basic_auth_users.empty()) {
    const ConfigPositions fallback(cfg->file, cfg->root);
    const ConfigPositions& where = cfg->positions ? *cfg->positions : fallback;
    const YAML::Node auth = config::YamlReader(cfg->root, cfg->file).At("http.basic_auth");
    throw ConfigError(
        where.Problem(auth, "http.basic_auth",
                      "cannot be combined with basic_auth_users in " + cfg->http.web_config_file + ": keep one"));
  }
  cfg->http.web = std::move(web);
}

}  // namespace slamon::daemon
