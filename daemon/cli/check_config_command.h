// `slamon check-config FILE`: validates a daemon config as `slamon run` would
// before starting (all sections, the SLA, health and value settings, the
// Kafka consumer properties) without opening the store or connecting, and
// prints a one-screen summary. Exit status 0 when valid, 2 when not.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "daemon/host/config_reload.h"

namespace slamon::daemon {

void AddCheckConfigCommand(CLI::App& app);

/// The summary check-config prints for a valid config (one line per
/// setting group, one per policy in match order).
std::string DescribeConfig(const CheckedConfig& config);

}  // namespace slamon::daemon
