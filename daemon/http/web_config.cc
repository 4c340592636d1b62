#include "daemon/http/web_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "daemon/config/daemon_config.h"
#include "daemon/http/tls_context.h"

namespace slamon::daemon {
namespace {

// Fields of exporter-toolkit's format that slamon does not implement: named
// as such rather than as typos, so the operator knows to remove them.
const std::set<std::string> kUnsupportedTop = {"http_server_config", "rate_limit"};
const std::set<std::string> kUnsupportedTls = {"cert",
                                               "key",
                                               "client_ca",
                                               "client_allowed_sans",
                                               "cipher_suites",
                                               "prefer_server_cipher_suites",
                                               "curve_preferences"};

class WebReader {
 public:
  explicit WebReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& field, const std::string& why) const {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw ConfigError(fmt::format("{}:{}: field {}: {}", file_, line, field, why));
  }

  void CheckKeys(const YAML::Node& section, const std::string& prefix, const std::set<std::string>& known,
                 const std::set<std::string>& unsupported) const {
    if (!section.IsMap()) Fail(section, prefix.empty() ? "(top level)" : prefix, "must be a mapping");
    for (const auto& kv : section) {
      if (!kv.first.IsScalar()) Fail(kv.first, prefix, "a key must be a plain name");
      const std::string key = kv.first.Scalar();
      const std::string field = prefix.empty() ? key : prefix + "." + key;
      if (unsupported.count(key)) Fail(kv.first, field, "not supported by slamon (remove it)");
      if (!known.count(key)) Fail(kv.first, field, "unknown setting");
    }
  }

  // A string setting, "" when absent or null.
  std::string String(const YAML::Node& section, const std::string& prefix, const std::string& key) const {
    const YAML::Node n = section[key];
    if (!n.IsDefined() || n.IsNull()) return "";
    if (!n.IsScalar()) Fail(n, prefix + "." + key, "expected a plain value");
    return n.Scalar();
  }

  // A file named by the setting, resolved against the web config's folder
  // (as exporter-toolkit does) and readable now.
  std::string File(const YAML::Node& section, const std::string& prefix, const std::string& key) const {
    std::string path = String(section, prefix, key);
    if (path.empty()) return path;
    std::filesystem::path p(path);
    if (p.is_relative()) p = std::filesystem::path(file_).parent_path() / p;
    path = p.lexically_normal().string();
    std::ifstream in(path);
    if (!in) Fail(section[key], prefix + "." + key, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    return path;
  }

 private:
  std::string file_;
};

int TlsVersion(const WebReader& r, const YAML::Node& tls, const std::string& key, int fallback) {
  const std::string v = r.String(tls, "tls_server_config", key);
  if (v.empty()) return fallback;
  if (v == "TLS10") return 0x0301;
  if (v == "TLS11") return 0x0302;
  if (v == "TLS12") return 0x0303;
  if (v == "TLS13") return 0x0304;
  r.Fail(tls[key], "tls_server_config." + key, "must be TLS10, TLS11, TLS12 or TLS13, not \"" + v + "\"");
}

ClientAuth ClientAuthType(const WebReader& r, const YAML::Node& tls) {
  const std::string v = r.String(tls, "tls_server_config", "client_auth_type");
  if (v.empty() || v == "NoClientCert") return ClientAuth::kNoClientCert;
  if (v == "RequestClientCert") return ClientAuth::kRequestClientCert;
  if (v == "RequireAnyClientCert") return ClientAuth::kRequireAnyClientCert;
  if (v == "VerifyClientCertIfGiven") return ClientAuth::kVerifyClientCertIfGiven;
  if (v == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerifyClientCert;
  r.Fail(tls["client_auth_type"], "tls_server_config.client_auth_type",
         "must be NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
         "RequireAndVerifyClientCert, not \"" +
             v + "\"");
}

void ReadTls(const WebReader& r, const YAML::Node& tls, WebConfig* out) {
  const std::string p = "tls_server_config";
  r.CheckKeys(tls, p, {"cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version", "max_version"},
              kUnsupportedTls);
  TlsServerSettings& s = out->tls;
  if (r.String(tls, p, "cert_file").empty()) r.Fail(tls, p + ".cert_file", "is required");
  if (r.String(tls, p, "key_file").empty()) r.Fail(tls, p + ".key_file", "is required");
  s.cert_file = r.File(tls, p, "cert_file");
  s.key_file = r.File(tls, p, "key_file");
  s.client_ca_file = r.File(tls, p, "client_ca_file");
  s.client_auth = ClientAuthType(r, tls);
  s.min_version = TlsVersion(r, tls, "min_version", s.min_version);
  s.max_version = TlsVersion(r, tls, "max_version", s.max_version);
  if (s.max_version < s.min_version) r.Fail(tls["max_version"], p + ".max_version", "is below min_version");
  const bool verifies =
      s.client_auth == ClientAuth::kVerifyClientCertIfGiven || s.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  if (verifies && s.client_ca_file.empty()) {
    r.Fail(tls["client_auth_type"], p + ".client_ca_file", "is required to verify client certificates");
  }
  if (!s.client_ca_file.empty() && s.client_auth == ClientAuth::kNoClientCert) {
    // A CA with no policy looks like client authentication but is none.
    r.Fail(tls["client_ca_file"], p + ".client_auth_type",
           "client_ca_file is set but no client certificate is asked for: set client_auth_type: "
           "RequireAndVerifyClientCert");
  }
  std::string field;
  std::string why;
  out->context = TlsContext::Create(s, &field, &why);
  if (!out->context) r.Fail(tls[field].IsDefined() ? tls[field] : tls, p + "." + field, why);
  out->tls_enabled = true;
}

void ReadUsers(const WebReader& r, const YAML::Node& users, WebConfig* out) {
  if (users.IsNull()) return;
  if (!users.IsMap()) r.Fail(users, "basic_auth_users", "must be a mapping of user name to bcrypt hash");
  for (const auto& kv : users) {
    if (!kv.first.IsScalar() || kv.first.Scalar().empty()) r.Fail(kv.first, "basic_auth_users", "needs a user name");
    const std::string user = kv.first.Scalar();
    const std::string field = "basic_auth_users." + user;
    // Basic authentication splits "user:password" at the first colon.
    if (user.find(':') != std::string::npos) r.Fail(kv.first, field, "a user name cannot contain ':'");
    // The value is never echoed: it may be a plaintext password pasted by mistake.
    if (!kv.second.IsScalar() || !IsBcryptHash(kv.second.Scalar())) {
      r.Fail(
          kv.second, field,
          "is not a bcrypt hash ($2y$, $2b$ or $2a$ with a cost of 04..31); make one with: htpasswd -nBC 10 " + user);
    }
    out->basic_auth_users[user] = kv.second.Scalar();
  }
}

}  // namespace

bool IsBcryptHash(const std::string& hash) {
  // $2y$10$ + 22 characters of salt + 31 of hash, in bcrypt's base64 alphabet.
  constexpr size_t kLength = 60;
  if (hash.size() != kLength || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (size_t i = 7; i < kLength; ++i) {
    const char c = hash[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

WebConfig LoadWebConfig(const std::string& file) {
  WebConfig out;
  out.file = file;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw ConfigError(fmt::format("{}: cannot read the web config file: {}", file, std::strerror(errno)));
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.msg));
  }
  WebReader r(file);
  // An empty file would mean "no TLS, no authentication": for a security
  // setting that is far more likely a truncated deploy than a wish.
  if (root.IsNull()) throw ConfigError(fmt::format("{}: the web config file is empty", file));
  r.CheckKeys(root, "", {"tls_server_config", "basic_auth_users"}, kUnsupportedTop);
  const YAML::Node tls = root["tls_server_config"];
  const YAML::Node users = root["basic_auth_users"];
  if (!tls.IsDefined() && !users.IsDefined()) {
    r.Fail(root, "(top level)", "sets neither tls_server_config nor basic_auth_users");
  }
  if (tls.IsDefined()) ReadTls(r, tls, &out);
  if (users.IsDefined()) ReadUsers(r, users, &out);
  return out;
}

void LoadWebConfigInto(DaemonConfig* cfg) {
  if (cfg->http.web_config_file.empty()) return;
  auto web = std::make_shared<WebConfig>(LoadWebConfig(cfg->http.web_config_file));
  // Two sources of users would leave it unclear which password is asked for.
  if (!cfg->http.basic_auth_user.empty() && !web->basic_auth_users.empty()) {
    WebReader(cfg->file).Fail(
        cfg->root["http"]["basic_auth"], "http.basic_auth",
        "cannot be combined with basic_auth_users in " + cfg->http.web_config_file + ": keep one");
  }
  cfg->http.web = std::move(web);
}

}  // namespace slamon::daemon
