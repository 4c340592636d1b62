// The web config (exporter-toolkit's `--web.config.file` format) as field
// tables: the keys slamon implements, one row each; the keys of that format
// slamon does not implement are refused as unsupported rather than ignored.
#include "daemon/config/web_fields.h"

#include "daemon/config/access_scope.h"

namespace slamon::daemon {
namespace {

using config::Apply;
using config::At;
using config::Choice;
using config::FieldTable;
using config::Map;
using config::SectionCheck;
using config::Str;
using C = WebConfig;

// A reload re-reads the web config (certificates too) and hands it to the
// server, which serves its users, scopes and TLS context from then on; only
// turning TLS on or off waits for a restart (the listening socket's protocol).
constexpr Apply kLive = Apply::kLive;

// A user entry: the hash is never echoed (it may be a plaintext password
// pasted by mistake).
std::string UserProblem(const std::string& user, const std::string& hash) {
  if (user.empty()) return "needs a user name";
  // Basic authentication splits "user:password" at the first colon.
  if (user.find(':') != std::string::npos) return "a user name cannot contain ':'";
  if (!IsBcryptHash(hash)) {
    return "is not a bcrypt hash ($2y$, $2b$ or $2a$ with a cost of 04..31); make one with: htpasswd -nBC 10 " + user;
  }
  return "";
}

std::string ScopeProblem(const std::string& user, const std::string& scope) {
  if (user.empty()) return "needs a user name";
  std::string why;
  return AccessScope::Parse(scope, &why) ? "" : why;
}

FieldTable<C> TopLevel() {
  return FieldTable<C>("", "",
                       {
                           Map("basic_auth_users", At(&C::basic_auth_users), kLive,
                               "User name -> bcrypt hash; every endpoint but /healthz then needs the credentials. "
                               "Absent or empty: no basic auth.",
                               {{}, "bcrypt hashes; no ':' in a user name", UserProblem}),
                           Map("scopes", At(&C::scopes), kLive,
                               "User name -> what the user sees: `all` (every route and account), `team:<team>` or "
                               "`owner:<owner id>` (the console and API, only the accounts of that team or owner), "
                               "`metrics` (only /metrics). Every user named must be in basic_auth_users; a user "
                               "without an entry has `all`.",
                               {{}, "all, team:<team>, owner:<owner id> or metrics", ScopeProblem}),
                       },
                       {[](const C& c, SectionCheck& k) {
                         // Scopes restrict authenticated users: without users nobody would be restricted.
                         if (!c.scopes.empty() && c.basic_auth_users.empty()) {
                           k.Fail("scopes", "needs basic_auth_users: without users every request sees everything");
                         }
                         // An empty file would mean "no TLS, no authentication": for a security
                         // setting that is far more likely a mistake than a wish.
                         if (!k.Has("tls_server_config") && !k.Has("basic_auth_users")) {
                           k.FailSection("sets neither tls_server_config nor basic_auth_users");
                         }
                       }})
      .Unsupported({"http_server_config", "rate_limit"});
}

FieldTable<C> Tls() {
  const std::vector<std::pair<std::string, int>> versions = {
      {"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", 0x0303}, {"TLS13", 0x0304}};
  return FieldTable<C>(
             "tls_server_config",
             "TLS for the endpoints. The certificate, key and client CA files are read again when they change "
             "(looked at, at most every 5 s, when a client connects) and on a reload; turning TLS on or off takes a "
             "restart.",
             {
                 Str("cert_file", At(&C::tls, &TlsServerSettings::cert_file), "", kLive,
                     "PEM certificate (leaf first, then intermediates), relative to the web config's folder.")
                     .Required(),
                 Str("key_file", At(&C::tls, &TlsServerSettings::key_file), "", kLive, "PEM private key.").Required(),
                 Str("client_ca_file", At(&C::tls, &TlsServerSettings::client_ca_file), "", kLive,
                     "CA bundle client certificates are verified against."),
                 Choice("client_auth_type", At(&C::tls, &TlsServerSettings::client_auth), ClientAuth::kNoClientCert,
                        {{"NoClientCert", ClientAuth::kNoClientCert},
                         {"RequestClientCert", ClientAuth::kRequestClientCert},
                         {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
                         {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
                         {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert}},
                        kLive,
                        "Who must show a client certificate; the two Verify ones need client_ca_file, and only "
                        "RequireAndVerifyClientCert authenticates clients."),
                 Choice("min_version", At(&C::tls, &TlsServerSettings::min_version), 0x0303, versions, kLive,
                        "Oldest TLS version accepted."),
                 Choice("max_version", At(&C::tls, &TlsServerSettings::max_version), 0x0304, versions, kLive,
                        "Newest TLS version accepted."),
             },
             {[](const C& c, SectionCheck& k) {
               const TlsServerSettings& s = c.tls;
               if (s.max_version < s.min_version) k.Fail("max_version", "is below min_version");
               const bool verifies = s.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                                     s.client_auth == ClientAuth::kRequireAndVerifyClientCert;
               if (verifies && s.client_ca_file.empty()) {
                 k.Fail("client_ca_file", "is required to verify client certificates", "client_auth_type");
               }
               if (!s.client_ca_file.empty() && s.client_auth == ClientAuth::kNoClientCert) {
                 // A CA with no policy looks like client authentication but is none.
                 k.Fail("client_auth_type",
                        "client_ca_file is set but no client certificate is asked for: set client_auth_type: "
                        "RequireAndVerifyClientCert",
                        "client_ca_file");
               }
             }})
      .Unsupported({"cert", "key", "client_ca", "client_allowed_sans", "cipher_suites", "prefer_server_cipher_suites",
                    "curve_preferences"});
}

}  // namespace

const config::ConfigSchema<WebConfig>& WebConfigSchema() {
  static const config::ConfigSchema<WebConfig> kSchema({TopLevel(), Tls()});
  return kSchema;
}

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

}  // namespace slamon::daemon
