// Config as data: every setting of a section is one row of a field table,
// in the manner of kvrocks' src/config/config.cc. A row holds the key, its
// type and parser, the default, the bounds, whether a reload applies it or
// only a restart does, and one line of documentation:
//
//   Int("batch_max_messages", At(&C::kafka, &KafkaSettings::batch_max_messages), 20000, {1, 100000},
//       Apply::kRestart, "Messages stored per batch at most."),
//
// Loading (defaults, parsing, bounds, unknown-key rejection), the
// restart-needed diff of a reload, check-config's summary and the generated
// configuration reference all come from the rows, so a new setting is one
// row plus the code that uses it.
//
// Rows bind to the loaded config type C through an Accessor (a member path
// or a getter/setter pair), so two loaded configs can be compared row by row.
// Tables are immutable after construction and may be shared between threads;
// reading goes through one YamlReader, which is not thread-safe.
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
  std::string name;  ///< "kafka", "http.basic_auth", "sources.<name> (kind: zendesk)"
  std::string doc;
  std::vector<FieldInfo> fields;
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

/// What a section's cross-field checks see: where to report, and what the
/// file gave.
class SectionCheck {
 public:
  SectionCheck(YamlReader& reader, YAML::Node section, std::string name)
      : reader_(reader), section_(std::move(section)), name_(std::move(name)) {}

  /// Reports `problem` for "section.key", at the key's line when the file
  /// gives the key and at the section's otherwise.
  void Fail(std::string_view key, std::string_view problem) {
    reader_.Problem(Has(key) ? Node(key) : section_, YamlReader::Join(name_, key), problem);
  }
  /// Reports `problem` for the section as a whole, at its line.
  void FailSection(std::string_view problem) {
    reader_.Problem(section_, name_.empty() ? "(top level)" : name_, problem);
  }
  /// Whether the file (or an override) gives `key` in this section.
  bool Has(std::string_view key) const {
    const YAML::Node n = Node(key);
    return n.IsDefined() && !n.IsNull();
  }
  /// Whether the section itself is given.
  bool present() const { return section_.IsDefined() && !section_.IsNull(); }
  const std::string& name() const { return name_; }

 private:
  YAML::Node Node(std::string_view key) const {
    if (!section_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& view = section_;  // const lookup: a missing key is not added
    return view[std::string(key)];
  }

  YamlReader& reader_;
  YAML::Node section_;
  std::string name_;
};

/// The rows of one section, and its cross-field checks.
template <typename C>
class FieldTable {
 public:
  /// Runs after the rows were read without a problem; reports through the SectionCheck.
  using Check = std::function<void(const C&, SectionCheck&)>;

  FieldTable(std::string name, std::string doc, std::vector<Field<C>> fields, std::vector<Check> checks = {})
      : name_(std::move(name)), doc_(std::move(doc)), fields_(std::move(fields)), checks_(std::move(checks)) {}

  const std::string& name() const { return name_; }
  const std::vector<Field<C>>& fields() const { return fields_; }

  /// Keys of a format slamon shares but does not implement: reported as
  /// "not supported by slamon (remove it)" rather than as unknown.
  FieldTable Unsupported(std::vector<std::string> keys) && {
    unsupported_ = std::move(keys);
    return std::move(*this);
  }

  void ApplyDefaults(C& c) const {
    for (const auto& f : fields_) f.set_default(c);
  }

  /// Reads the section at this table's name in the document (the top level
  /// for a table named "").
  void Read(YamlReader& r, C& c, const std::vector<std::string>& subsections = {}) const {
    Read(r, name_.empty() ? r.root() : r.At(name_), name_, c, subsections);
  }

  /// Reads `section` (a mapping, null or absent), naming it `name` in
  /// messages ("sources.zd" for a section whose name is data). Keys that are
  /// neither rows nor `subsections` are reported; values keep their
  /// defaults where the file gives none or gives a bad one (then reported).
  void Read(YamlReader& r, const YAML::Node& section, const std::string& name, C& c,
            const std::vector<std::string>& subsections = {}) const {
    const size_t before = r.problems().size();
    std::vector<std::string> known = subsections;
    for (const auto& f : fields_) known.push_back(f.info.key);
    r.CheckKeys(section, name, known, unsupported_);
    if (section.IsMap()) {
      const YAML::Node& view = section;  // const lookup: a missing key is not added
      for (const auto& f : fields_) {
        const std::string field = YamlReader::Join(name, f.info.key);
        const YAML::Node value = view[f.info.key];
        if (value.IsDefined() && !value.IsNull()) {
          f.read(r, value, field, c);
        } else if (f.info.required) {
          r.Problem(section, field, "is required");
        }
      }
    }
    if (r.problems().size() != before) return;  // checks would only repeat a problem in other words
    SectionCheck check(r, section, name);
    for (const auto& k : checks_) k(c, check);
  }

  /// The keys ("section.key") whose values differ between `a` and `b` among
  /// the rows that `apply` applies.
  std::vector<std::string> Changed(const C& a, const C& b, Apply apply) const {
    std::vector<std::string> out;
    for (const auto& f : fields_) {
      if (f.info.apply == apply && !f.same(a, b)) out.push_back(YamlReader::Join(name_, f.info.key));
    }
    return out;
  }

  /// "key value; key value" in row order, secrets as "(set)" or "(not set)".
  std::string Summary(const C& c, const C& defaults) const {
    std::string out;
    for (const auto& f : fields_) {
      std::string value = f.show(c);
      if (f.info.secret) value = f.same(c, defaults) ? "(not set)" : "(set)";
      if (value.empty()) value = "\"\"";
      out += (out.empty() ? "" : "; ") + f.info.key + " " + value;
    }
    return out;
  }

  SectionInfo Describe() const {
    SectionInfo info{name_, doc_, {}};
    for (const auto& f : fields_) info.fields.push_back(f.info);
    return info;
  }

 private:
  std::string name_;
  std::string doc_;
  std::vector<Field<C>> fields_;
  std::vector<Check> checks_;
  std::vector<std::string> unsupported_;
};

}  // namespace slamon::config
