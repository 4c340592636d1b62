#include "events/common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string_view>

#include "events/common/json_writer.h"

namespace slamon {
namespace {

// %L is the level under the config's names (LevelFlag below), not spdlog's %l.
constexpr char kTextPattern[] = "%Y-%m-%dT%H:%M:%S.%eZ %^%L%$ [%n] %v";

thread_local const LogFields* t_log_fields = nullptr;

// The level names of the config's log.level (spdlog says "warning").
std::string_view LevelName(spdlog::level::level_enum level) {
  static constexpr std::array<std::string_view, 7> kNames = {"trace", "debug",    "info", "warn",
                                                             "error", "critical", "off"};
  const auto i = static_cast<size_t>(level);
  return i < kNames.size() ? kNames[i] : "unknown";
}

// Text lines name the level as log.level and the JSON lines do ("warn").
class LevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/, spdlog::memory_buf_t& dest) override {
    const std::string_view name = LevelName(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<LevelFlag>(); }
};

std::unique_ptr<spdlog::formatter> MakeTextFormatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<LevelFlag>('L').set_pattern(kTextPattern);
  return formatter;
}

// RFC 3339 in UTC with milliseconds: 2026-01-05T09:00:00.123Z.
std::string Rfc3339Millis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  const int64_t frac = ((ms % 1000) + 1000) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(msg.payload.size() + 96);
    events::JsonWriter w(&line);
    w.BeginObject();
    w.Field("ts", Rfc3339Millis(msg.time));
    w.Field("level", LevelName(msg.level));
    w.Field("logger", std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    w.Field("msg", std::string_view(msg.payload.data(), msg.payload.size()));
    // Formatting runs on the logging thread (synchronous sink), so its
    // LogFields scopes are the ones of this line.
    std::vector<std::string_view> written = {"ts", "level", "logger", "msg"};
    for (const LogFields* scope = t_log_fields; scope != nullptr; scope = scope->outer()) {
      for (const LogFields::Field& f : scope->fields()) {
        if (std::find(written.begin(), written.end(), f.name) != written.end()) continue;
        written.emplace_back(f.name);
        w.Key(f.name);
        if (const auto* i = std::get_if<int64_t>(&f.value)) {
          w.Int(*i);
        } else {
          w.String(std::get<std::string>(f.value));
        }
      }
    }
    w.EndObject();
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }
};

std::mutex& Mutex() {
  static std::mutex mu;
  return mu;
}

spdlog::sink_ptr Sink() {
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    s->set_formatter(MakeTextFormatter());
    return s;
  }();
  return sink;
}

spdlog::level::level_enum& Level() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

// Length of the valid UTF-8 multi-byte sequence at s[i] (lead byte >= 0x80), or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string EscapeForLog(std::string_view s, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(s.size(), max_bytes) + 16);
  size_t i = 0;
  while (i < s.size() && out.size() < max_bytes) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : Utf8Length(s, i);
    if (c < 0x20 || c == 0x7F || c == '\\' || n == 0) {
      out.append({'\\', 'x', kHex[c >> 4], kHex[c & 0xF]});
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  if (i < s.size()) out.append("...(" + std::to_string(s.size() - i) + " more bytes)");
  return out;
}

std::shared_ptr<spdlog::logger> Log(const std::string& component) {
  std::lock_guard<std::mutex> lock(Mutex());
  if (auto existing = spdlog::get(component)) return existing;
  // The format is the shared sink's (SetLogFormat), not set per logger.
  auto logger = std::make_shared<spdlog::logger>(component, Sink());
  logger->set_level(Level());
  spdlog::register_logger(logger);
  return logger;
}

bool SetLogLevel(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  std::lock_guard<std::mutex> lock(Mutex());
  Level() = parsed;
  spdlog::apply_all([parsed](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
  return true;
}

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

void SetLogFormat(LogFormat format) {
  std::lock_guard<std::mutex> lock(Mutex());
  Sink()->set_formatter(format == LogFormat::kJson ? MakeJsonLogFormatter() : MakeTextFormatter());
}

std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter() { return std::make_unique<JsonLineFormatter>(); }

LogFields::LogFields(std::initializer_list<Field> fields) : fields_(fields), outer_(t_log_fields) {
  t_log_fields = this;
}

LogFields::~LogFields() { t_log_fields = outer_; }

const LogFields* LogFields::Current() { return t_log_fields; }

}  // namespace slamon
