// The daemon under test: its config for a real broker and the HTTP port it
// announces in its log.
#pragma once

#include <string>

namespace slamon::testing {

/// Writes `dir`/slamon.yaml for a real broker (store in `dir`/store, HTTP on
/// 127.0.0.1:0) and returns its path. `kafka_extra` continues the kafka:
/// section (or starts the next ones); the file ends with the http: section.
std::string WriteConfig(const std::string& dir, const std::string& brokers, const std::string& topic,
                        const std::string& group, const std::string& kafka_extra = "");
/// The calendars: and policies: sections of a daemon config file, as YAML text.
std::string SlaSectionsOf(const std::string& config_path);
/// The port of the first "metrics at http(s)://127.0.0.1:PORT/metrics" in `log_text`, 0 if none.
int PortIn(const std::string& log_text);
/// PortIn of (the last MiB of) a log file; 0 until the line appears.
int PortFromLog(const std::string& log_path);

}  // namespace slamon::testing
