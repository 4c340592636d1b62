// The rows of the field tables (field_table.h): what one setting is (key,
// type and parser, default, bounds, live or restart, one doc line) and how
// it is bound to the loaded config type C. One factory per value kind:
// Str, Bool, Int, Real, Duration, Choice/OneOf, List, Map, and Structured for
// a key a structure-specific reader parses. The parsers report through the
// YamlReader in the one problem shape.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "daemon/config/yaml_reader.h"

namespace slamon::config {

/// When a changed value takes effect.
enum class Apply {
  kLive,     ///< a reload applies it
  kRestart,  ///< read once at start-up; a reload reports that a restart is needed
};

/// A row as documentation: what the reference and check-config show.
struct FieldInfo {
  std::string key;            ///< within its section ("batch_max_messages")
  std::string type;           ///< "integer", "duration", "one of", ...
  std::string default_value;  ///< as it would be written in the file ("" for an empty string)
  std::string default_doc;    ///< replaces default_value in the reference when the default is computed
  std::string bounds;         ///< "1..100000", "trace, debug, ...", "" when any value of the type goes
  Apply apply = Apply::kRestart;
  std::string doc;        ///< one line
  bool required = false;  ///< must be given when its section is
  bool secret = false;    ///< never shown (check-config prints "(set)")
};

/// A section as documentation.
struct SectionInfo {
  std::string name;  ///< "kafka", "http.basic_auth", "sources.<name>": the keys' prefix
  std::string doc;
  std::vector<FieldInfo> fields;
  std::string title;  ///< the heading when it is not the name ("sources.<name>, kind zendesk")
};

/// Reads and writes one setting of a config C whose value has type V.
template <typename C, typename V>
struct Accessor {
  std::function<V(const C&)> get;
  std::function<void(C&, V)> set;
};

/// A member of C (`At(&C::log_level)`), or a member of a member
/// (`At(&C::kafka, &KafkaSettings::brokers)`).
template <typename C, typename V>
Accessor<C, V> At(V C::*member) {
  return {[member](const C& c) { return c.*member; }, [member](C& c, V v) { c.*member = std::move(v); }};
}
template <typename C, typename S, typename V>
Accessor<C, V> At(S C::*section, V S::*member) {
  return {[section, member](const C& c) { return (c.*section).*member; },
          [section, member](C& c, V v) { (c.*section).*member = std::move(v); }};
}
/// A setting stored some other way (e.g. one librdkafka property).
template <typename C, typename V>
Accessor<C, V> Via(std::function<V(const C&)> get, std::function<void(C&, V)> set) {
  return {std::move(get), std::move(set)};
}

/// Integer bounds, both inclusive; `unit` and `note` end the message and the
/// reference ("must be 100..3600000 (milliseconds)", "(0 = never)").
struct IntRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  std::string unit{};
  std::string note{};
};
/// Number bounds; an open end excludes its value ("(0, 1e6]").
struct RealRange {
  double min = -std::numeric_limits<double>::max();
  double max = std::numeric_limits<double>::max();
  bool min_open = false;
  bool max_open = false;
};
/// Duration bounds in seconds, both inclusive.
struct DurationRange {
  int64_t min_seconds = 0;
  int64_t max_seconds = std::numeric_limits<int64_t>::max();
};
/// What a string must satisfy beyond being one: `check` returns the problem,
/// or "" when the value is fine; `doc` states the rule in the reference.
struct StringRule {
  std::function<std::string(const std::string&)> check{};
  std::string doc{};
};
/// A list of strings: at least `min_items`, each passing `item_check` (its
/// problem, or "").
struct ListRule {
  size_t min_items = 0;
  std::string item_name = "item";  ///< "needs at least 1 topic"
  std::function<std::string(const std::string&)> item_check{};
  std::string doc{};
};
/// A mapping of string to string; when `values` is not empty every value
/// must be one of them, and `check` returns the problem of an entry (or "").
struct MapRule {
  std::vector<std::string> values{};
  std::string doc{};
  std::function<std::string(const std::string& key, const std::string& value)> check{};
};

namespace detail {

// The parsers behind the rows (field_table.cc). Each reports its problem to
// the reader under `field` and returns nullopt, or returns the value.
std::optional<std::string> ReadString(YamlReader& r, const YAML::Node& n, const std::string& field,
                                      const StringRule& rule);
std::optional<bool> ReadBool(YamlReader& r, const YAML::Node& n, const std::string& field);
std::optional<int64_t> ReadInt(YamlReader& r, const YAML::Node& n, const std::string& field, const IntRange& range);
std::optional<double> ReadReal(YamlReader& r, const YAML::Node& n, const std::string& field, const RealRange& range);
std::optional<int64_t> ReadDuration(YamlReader& r, const YAML::Node& n, const std::string& field,
                                    const DurationRange& range);
/// The index of the choice `n` names.
std::optional<size_t> ReadChoice(YamlReader& r, const YAML::Node& n, const std::string& field,
                                 const std::vector<std::string>& names);
std::optional<std::vector<std::string>> ReadList(YamlReader& r, const YAML::Node& n, const std::string& field,
                                                 const ListRule& rule);
std::optional<std::map<std::string, std::string>> ReadMap(YamlReader& r, const YAML::Node& n, const std::string& field,
                                                          const MapRule& rule);

/// "90s", "15m", "6h", "1d" or plain seconds, as seconds; nullopt when malformed.
std::optional<int64_t> ParseDuration(std::string_view text);
/// Seconds in that syntax, largest units first ("1d2h", "90s" -> "1m30s", "0s").
std::string FormatDuration(int64_t seconds);
std::string FormatReal(double v);
std::string FormatList(const std::vector<std::string>& items);
std::string FormatMap(const std::map<std::string, std::string>& items);
std::string IntBounds(const IntRange& range);
std::string RealBounds(const RealRange& range);
std::string JoinNames(const std::vector<std::string>& names, std::string_view separator = ", ");

template <typename V>
inline constexpr bool kIsDuration = false;
template <typename R, typename P>
inline constexpr bool kIsDuration<std::chrono::duration<R, P>> = true;

// Integer settings may be stored as any integer type or as a duration
// counted in its own unit (http.header_timeout_ms -> milliseconds).
template <typename V>
V FromInt(int64_t n) {
  if constexpr (kIsDuration<V>) {
    return V(n);
  } else {
    return static_cast<V>(n);
  }
}
template <typename V>
int64_t ToInt(const V& v) {
  if constexpr (kIsDuration<V>) {
    return static_cast<int64_t>(v.count());
  } else {
    return static_cast<int64_t>(v);
  }
}

}  // namespace detail

/// One row, type-erased: the factories below build them.
template <typename C>
struct Field {
  FieldInfo info;
  std::function<void(C&)> set_default;
  /// Parses a present, non-null value and stores it; reports a problem otherwise.
  std::function<void(YamlReader&, const YAML::Node&, const std::string& field, C&)> read;
  std::function<bool(const C&, const C&)> same;
  std::function<std::string(const C&)> show;
  /// Sets this setting of the first config to its value in the second.
  std::function<void(C&, const C&)> copy;

  /// The key must be given whenever its section is.
  Field Required() && {
    info.required = true;
    return std::move(*this);
  }
  /// The reference states the default in words (it is computed at run time).
  Field DefaultDoc(std::string text) && {
    info.default_doc = std::move(text);
    return std::move(*this);
  }
  /// The value is never shown (passwords, tokens).
  Field Secret() && {
    info.secret = true;
    return std::move(*this);
  }
};

namespace detail {

// The common part of every factory: `parse` reads a node into an optional V,
// `show` writes a V as the file would.
template <typename C, typename V, typename Parse, typename Show>
Field<C> MakeField(std::string key, std::string type, std::string bounds, Accessor<C, V> at, V def, Apply apply,
                   std::string doc, Parse parse, Show show) {
  Field<C> f;
  f.info.key = std::move(key);
  f.info.type = std::move(type);
  f.info.default_value = show(def);
  f.info.bounds = std::move(bounds);
  f.info.apply = apply;
  f.info.doc = std::move(doc);
  f.set_default = [set = at.set, def](C& c) { set(c, def); };
  f.read = [set = at.set, parse](YamlReader& r, const YAML::Node& n, const std::string& field, C& c) {
    if (std::optional<V> v = parse(r, n, field)) set(c, std::move(*v));
  };
  f.same = [get = at.get](const C& a, const C& b) { return get(a) == get(b); };
  f.show = [get = at.get, show](const C& c) { return show(get(c)); };
  f.copy = [get = at.get, set = at.set](C& to, const C& from) { set(to, get(from)); };
  return f;
}

}  // namespace detail

template <typename C>
Field<C> Str(std::string key, Accessor<C, std::string> at, std::string def, Apply apply, std::string doc,
             StringRule rule = {}) {
  std::string bounds = rule.doc;
  auto parse = [rule = std::move(rule)](YamlReader& r, const YAML::Node& n, const std::string& field) {
    return detail::ReadString(r, n, field, rule);
  };
  return detail::MakeField(std::move(key), "string", std::move(bounds), std::move(at), std::move(def), apply,
                           std::move(doc), parse, [](const std::string& v) { return v; });
}

template <typename C>
Field<C> Bool(std::string key, Accessor<C, bool> at, bool def, Apply apply, std::string doc) {
  return detail::MakeField(std::move(key), "boolean", "", std::move(at), def, apply, std::move(doc), detail::ReadBool,
                           [](bool v) { return std::string(v ? "true" : "false"); });
}

/// An integer; V may be any integer type or a std::chrono::duration counted
/// in its own unit.
template <typename C, typename V>
Field<C> Int(std::string key, Accessor<C, V> at, int64_t def, IntRange range, Apply apply, std::string doc) {
  std::string bounds = detail::IntBounds(range);
  auto parse = [range = std::move(range)](YamlReader& r, const YAML::Node& n,
                                          const std::string& field) -> std::optional<V> {
    if (auto v = detail::ReadInt(r, n, field, range)) return detail::FromInt<V>(*v);
    return std::nullopt;
  };
  return detail::MakeField(std::move(key), "integer", std::move(bounds), std::move(at), detail::FromInt<V>(def), apply,
                           std::move(doc), parse, [](const V& v) { return std::to_string(detail::ToInt<V>(v)); });
}

template <typename C>
Field<C> Real(std::string key, Accessor<C, double> at, double def, RealRange range, Apply apply, std::string doc) {
  auto parse = [range](YamlReader& r, const YAML::Node& n, const std::string& field) {
    return detail::ReadReal(r, n, field, range);
  };
  return detail::MakeField(std::move(key), "number", detail::RealBounds(range), std::move(at), def, apply,
                           std::move(doc), parse, detail::FormatReal);
}

/// A duration written "90s", "15m", "6h", "1d" or as plain seconds; V is a
/// std::chrono::duration (whole seconds are kept).
template <typename C, typename V>
Field<C> Duration(std::string key, Accessor<C, V> at, std::chrono::seconds def, DurationRange range, Apply apply,
                  std::string doc) {
  static_assert(detail::kIsDuration<V>, "Duration rows store a std::chrono::duration");
  std::string bounds = detail::FormatDuration(range.min_seconds) + ".." + detail::FormatDuration(range.max_seconds);
  auto parse = [range](YamlReader& r, const YAML::Node& n, const std::string& field) -> std::optional<V> {
    if (auto s = detail::ReadDuration(r, n, field, range))
      return std::chrono::duration_cast<V>(std::chrono::seconds(*s));
    return std::nullopt;
  };
  auto show = [](const V& v) {
    return detail::FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(v).count());
  };
  return detail::MakeField(std::move(key), "duration", std::move(bounds), std::move(at),
                           std::chrono::duration_cast<V>(def), apply, std::move(doc), parse, show);
}

/// One of named choices, stored as the value each name stands for.
template <typename C, typename V>
Field<C> Choice(std::string key, Accessor<C, V> at, V def, std::vector<std::pair<std::string, V>> choices, Apply apply,
                std::string doc) {
  std::vector<std::string> names;
  for (const auto& c : choices) names.push_back(c.first);
  std::string bounds = detail::JoinNames(names);
  auto parse = [names, choices](YamlReader& r, const YAML::Node& n, const std::string& field) -> std::optional<V> {
    if (auto i = detail::ReadChoice(r, n, field, names)) return choices[*i].second;
    return std::nullopt;
  };
  auto show = [choices](const V& v) {
    for (const auto& c : choices) {
      if (c.second == v) return c.first;
    }
    return std::string("?");
  };
  return detail::MakeField(std::move(key), "one of", std::move(bounds), std::move(at), std::move(def), apply,
                           std::move(doc), parse, show);
}

/// One of `names`, stored as the name.
template <typename C>
Field<C> OneOf(std::string key, Accessor<C, std::string> at, std::string def, const std::vector<std::string>& names,
               Apply apply, std::string doc) {
  std::vector<std::pair<std::string, std::string>> choices;
  for (const auto& n : names) choices.emplace_back(n, n);
  return Choice(std::move(key), std::move(at), std::move(def), std::move(choices), apply, std::move(doc));
}

template <typename C>
Field<C> List(std::string key, Accessor<C, std::vector<std::string>> at, std::vector<std::string> def, ListRule rule,
              Apply apply, std::string doc) {
  std::string bounds = rule.min_items > 0 ? "at least " + std::to_string(rule.min_items) + " " + rule.item_name : "";
  if (!rule.doc.empty()) bounds += (bounds.empty() ? "" : "; ") + rule.doc;
  auto parse = [rule = std::move(rule)](YamlReader& r, const YAML::Node& n, const std::string& field) {
    return detail::ReadList(r, n, field, rule);
  };
  return detail::MakeField(std::move(key), "list of strings", std::move(bounds), std::move(at), std::move(def), apply,
                           std::move(doc), parse, detail::FormatList);
}

template <typename C>
Field<C> Map(std::string key, Accessor<C, std::map<std::string, std::string>> at, Apply apply, std::string doc,
             MapRule rule = {}) {
  std::string bounds = rule.values.empty() ? rule.doc : "values: " + detail::JoinNames(rule.values);
  auto parse = [rule = std::move(rule)](YamlReader& r, const YAML::Node& n, const std::string& field) {
    return detail::ReadMap(r, n, field, rule);
  };
  return detail::MakeField(std::move(key), "mapping", std::move(bounds), std::move(at),
                           std::map<std::string, std::string>{}, apply, std::move(doc), parse, detail::FormatMap);
}

/// A key read by a structure-specific reader (a list of mapping rules, a
/// calendar): accepted and documented here, parsed by its own code.
template <typename C>
Field<C> Structured(std::string key, std::string type, std::string doc) {
  Field<C> f;
  f.info.key = std::move(key);
  f.info.type = std::move(type);
  f.info.doc = std::move(doc);
  f.set_default = [](C&) {};
  f.read = [](YamlReader&, const YAML::Node&, const std::string&, C&) {};
  f.same = [](const C&, const C&) { return true; };
  f.show = [](const C&) { return std::string(); };
  f.copy = [](C&, const C&) {};
  return f;
}

}  // namespace slamon::config
