// `slamon check-config FILE`: validates a daemon config as `slamon run` would
// before starting (all sections, the SLA, health and value settings, the
// Kafka consumer properties) without opening the store, and prints a
// one-screen summary. Then, when the cluster answers within --kafka-timeout
// (5 s), it says whether each topic keeps every event; a cluster that does
// not answer is "could not check", never a failure. Exit status 0 when
// valid, 2 when not.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "daemon/host/config_reload.h"

namespace slamon::daemon {

void AddCheckConfigCommand(CLI::App& app);

/// The summary check-config prints for a valid config (one line per
/// setting group, one per policy in match order).
std::string DescribeConfig(const CheckedConfig& config);

/// One line per topic of `kafka`: keeps every event, would lose history
/// (with the fix), does not exist yet; or one line saying why it was not
/// checked. Waits at most `timeout` per request to the cluster.
std::string DescribeTopics(const events::KafkaSettings& kafka, const std::string& file,
                           std::chrono::milliseconds timeout);

}  // namespace slamon::daemon
