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

/// Loads and checks `file` through WebConfigSchema (known keys only, a known
/// client_auth_type with the client CA it needs, TLS versions, a well-formed
/// bcrypt hash per user), then reads the certificate and key files, which
/// OpenSSL must accept (and which must match). Throws ConfigError with every
/// problem ("FILE:LINE: section.key: problem").
WebConfig LoadWebConfig(const std::string& file);

/// Loads the web config file named by cfg->http.web_config_file (TLS
/// certificates and keys read, bcrypt hashes checked) into cfg->http.web.
/// Only the daemon calls it: the offline commands share the config file but
/// serve nothing and may lack the right to read the key. Throws ConfigError.
void LoadWebConfigInto(DaemonConfig* cfg);

}  // namespace slamon::daemon
