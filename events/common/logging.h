// One logging entry point: spdlog loggers with a component tag ([store],
// [kafka], [ingest], ...). librdkafka and RocksDB logs are routed here too.
// Lines are text ("2026-01-05T09:00:00.123Z warn [ingest] ...") or, for log
// collectors, one JSON object per line (SetLogFormat).
#pragma once

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

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

enum class LogFormat { kText, kJson };

/// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> ParseLogFormat(std::string_view name);

/// Sets the format of every log line, of existing and future loggers alike
/// (they share one sink). Thread-safe.
void SetLogFormat(LogFormat format);

/// The JSON line formatter: {"ts":"2026-01-05T09:00:00.123Z","level":"warn",
/// "logger":"ingest","msg":"...", ...fields} and a newline. The message and
/// every field are JSON-escaped (invalid UTF-8 becomes U+FFFD), so a line is
/// always one valid JSON object. The fields are those of the LogFields
/// scopes alive on the logging thread.
std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter();

/// Structured fields (topic, partition, offset, reason, ...) for the lines
/// logged on this thread while the object lives; scopes nest, an inner field
/// wins over an outer one of the same name. The JSON format writes them as
/// members of each line so that collectors can filter on them; the text
/// format leaves them out, as its messages already say them. Names ts, level,
/// logger and msg are reserved and ignored here.
class LogFields {
 public:
  /// One field: a string (copied) or an integer.
  struct Field {
    template <typename Int>
    requires std::is_integral_v<Int> Field(std::string_view n, Int v) : name(n), value(static_cast<int64_t>(v)) {}
    Field(std::string_view n, std::string_view v) : name(n), value(std::string(v)) {}
    std::string name;
    std::variant<std::string, int64_t> value;
  };

  explicit LogFields(std::initializer_list<Field> fields);
  ~LogFields();
  LogFields(const LogFields&) = delete;
  LogFields& operator=(const LogFields&) = delete;

  const std::vector<Field>& fields() const { return fields_; }
  const LogFields* outer() const { return outer_; }
  /// The innermost scope alive on this thread, or nullptr.
  static const LogFields* Current();

 private:
  std::vector<Field> fields_;
  const LogFields* outer_;
};

}  // namespace slamon
