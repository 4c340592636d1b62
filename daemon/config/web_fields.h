// The web config's field tables (web_fields.cc): the top level
// (basic_auth_users) and tls_server_config. Reading them checks shapes, names
// and bounds; the loader (daemon/http/web_config.h) then reads the
// certificate files and builds the TLS context.
#pragma once

#include "daemon/config/config_schema.h"
#include "daemon/config/web_settings.h"

namespace slamon::daemon {

const config::ConfigSchema<WebConfig>& WebConfigSchema();

}  // namespace slamon::daemon
