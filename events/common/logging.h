// One logging entry point: spdlog loggers with a component tag ([store],
// [kafka], [ingest], ...). librdkafka and RocksDB logs are routed here too.
#pragma once

#include <spdlog/spdlog.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace slamon {

/// The logger for a component, created on first use; all share one sink
/// (stderr) and the level set by SetLogLevel. Thread-safe.
std::shared_ptr<spdlog::logger> Log(const std::string& component);

/// Sets the level of every component logger ("trace".."off"). Returns false
/// for an unknown level name.
bool SetLogLevel(const std::string& level);

/// Renders data that came from outside (event ids, reject details, topic
/// names) safe for a log line: control bytes, DEL, backslash and bytes of
/// invalid UTF-8 become \xNN, so a value can neither forge a log line nor
/// confuse a terminal, and the result is cut to about `max_bytes` with a
/// note of how many bytes were dropped.
std::string EscapeForLog(std::string_view s, size_t max_bytes = 256);

}  // namespace slamon
