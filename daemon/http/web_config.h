// The web configuration file: TLS for the HTTP endpoints and basic-auth users
// with bcrypt-hashed passwords, in the format Prometheus exporters share
// (exporter-toolkit's `--web.config.file`), so one file and one habit serve
// slamon and the node exporter alike. Only the fields slamon implements are
// accepted; any other key is an error, never silently ignored.
#pragma once

#include <string>

#include "daemon/config/daemon_config.h"
#include "daemon/config/web_settings.h"

namespace slamon::daemon {

/// Loads and checks `file`: known keys only, readable certificate and key
/// files that OpenSSL accepts (and that match), a known client_auth_type with
/// the client CA it needs, TLS versions, and a well-formed bcrypt hash per
/// user. Throws ConfigError ("FILE:LINE: field F: reason").
WebConfig LoadWebConfig(const std::string& file);

/// Loads the web config file named by cfg->http.web_config_file (TLS
/// certificates and keys read, bcrypt hashes checked) into cfg->http.web.
/// Only the daemon calls it: the offline commands share the config file but
/// serve nothing and may lack the right to read the key. Throws ConfigError.
void LoadWebConfigInto(DaemonConfig* cfg);

/// True when `hash` looks like a bcrypt hash libcrypt verifies:
/// $2a$, $2b$ or $2y$, a cost of 04..31, 53 characters of salt and hash.
bool IsBcryptHash(const std::string& hash);

}  // namespace slamon::daemon
