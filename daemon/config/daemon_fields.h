// The daemon config's field tables: every key `slamon run` reads, one row
// each (daemon_fields.cc). Loading, --set, unknown-key rejection, the
// reload's restart-needed list, check-config's summary and the reference in
// docs/configuration.md come from them.
#pragma once

#include "daemon/config/config_schema.h"
#include "daemon/config/daemon_config.h"

namespace slamon::daemon {

/// Every section the daemon reads, and (as other sections) the ones the
/// projections read: calendars, policies, health and the value sections.
const config::ConfigSchema<DaemonConfig>& DaemonSchema();

}  // namespace slamon::daemon
