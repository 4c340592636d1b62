// The web configuration's settings: TLS for the HTTP endpoints, basic-auth
// users with bcrypt-hashed passwords and what each user may see (their field tables are web_fields.h;
// the loader, which reads the certificates and builds the TLS context, is
// daemon/http/web_config.h). Plain data, so that the daemon and bridge
// settings can hold a loaded web config without depending on the HTTP server.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace slamon::daemon {

/// The OpenSSL server context (daemon/http/tls_context.h); opaque here, so
/// that the settings link no OpenSSL.
class TlsContext;

/// Who must show a client certificate (the names of Go's tls.ClientAuthType).
enum class ClientAuth {
  kNoClientCert,                ///< none asked for
  kRequestClientCert,           ///< asked for, not required, not verified
  kRequireAnyClientCert,        ///< required, not verified
  kVerifyClientCertIfGiven,     ///< not required; verified against client_ca_file when given
  kRequireAndVerifyClientCert,  ///< required and verified against client_ca_file
};

struct TlsServerSettings {
  std::string cert_file;       ///< PEM certificate (chain), resolved against the web config's folder
  std::string key_file;        ///< PEM private key
  std::string client_ca_file;  ///< PEM CA bundle for client certificates; empty: none
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  int min_version = 0x0303;  ///< TLS1_2_VERSION
  int max_version = 0x0304;  ///< TLS1_3_VERSION
};

struct WebConfig {
  std::string file;                     ///< where it was loaded from
  bool tls_enabled = false;             ///< tls_server_config present
  TlsServerSettings tls;                ///< when tls_enabled
  std::shared_ptr<TlsContext> context;  ///< built from `tls` at load time (certificates read), when tls_enabled
  /// User name -> bcrypt hash ($2a$/$2b$/$2y$). Empty: no authentication.
  std::map<std::string, std::string> basic_auth_users;
  /// User name -> scope as written ("all", "team:<team>", "owner:<owner id>",
  /// "metrics"; AccessScope::Parse accepts every value). A user of
  /// basic_auth_users without an entry has `all`.
  std::map<std::string, std::string> scopes;
};

/// True when `hash` looks like a bcrypt hash libcrypt verifies:
/// $2a$, $2b$ or $2y$, a cost of 04..31, 53 characters of salt and hash.
bool IsBcryptHash(const std::string& hash);

}  // namespace slamon::daemon
