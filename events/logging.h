// One logging entry point: spdlog loggers with a component tag ([store],
// [kafka], [ingest], ...). librdkafka and RocksDB logs are routed here too.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace slamon {

/// The logger for a component, created on first use; all share one sink
/// (stderr) and the level set by SetLogLevel. Thread-safe.
std::shared_ptr<spdlog::logger> Log(const std::string& component);

/// Sets the level of every component logger ("trace".."off"). Returns false
/// for an unknown level name.
bool SetLogLevel(const std::string& level);

}  // namespace slamon
