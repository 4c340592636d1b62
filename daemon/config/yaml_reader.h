// The one YAML reader behind every slamon config file: it loads the file,
// applies `--set section.key=value` overrides, knows where every node came
// from, and collects problems in the one message shape of
// events/common/config_position.h ("FILE:LINE: section.key: problem"). Typed settings are read through field
// tables (field_table.h); structure-specific readers (calendars, policies,
// webhook mappings) use the same position and problem helpers, so every
// message reads the same.
//
// Not thread-safe: one reader belongs to one load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config_error.h"
#include "events/common/config_position.h"

namespace slamon::config {

class YamlReader {
 public:
  /// Reads `file` and applies `overrides` ("kafka.brokers=h:9092"; see
  /// ApplyOverride). `kind` names the file in file-level errors ("config
  /// file", "web config file"). Throws ConfigError when the file cannot be
  /// read, is not YAML, is empty or is not a mapping; a malformed override is
  /// a collected problem, not a throw.
  static YamlReader FromFile(const std::string& file, const std::vector<std::string>& overrides = {},
                             std::string_view kind = "config file");
  /// As FromFile, from text already read (`file` only names it in messages).
  static YamlReader FromText(const std::string& text, const std::string& file,
                             const std::vector<std::string>& overrides = {}, std::string_view kind = "config file");
  /// Over a document parsed elsewhere (no overrides of its own; the root may be
  /// null or not a mapping: each section reader decides what that means).
  YamlReader(const YAML::Node& root, std::string file);
  YamlReader(const YamlReader&) = default;
  YamlReader(YamlReader&&) = default;
  // No assignment: assigning a yaml-cpp node overwrites the node it referred
  // to, which would rewrite the document another reader holds.
  YamlReader& operator=(const YamlReader&) = delete;
  YamlReader& operator=(YamlReader&&) = delete;

  const std::string& file() const { return file_; }
  /// The whole document, overrides applied.
  const YAML::Node& root() const { return root_; }

  /// The node at a dotted path of mapping keys ("http.basic_auth"); an
  /// undefined node when any step is missing or not a mapping.
  YAML::Node At(std::string_view path) const;

  /// Where `node` came from: "FILE:LINE", or "--set:N" for a value (or a
  /// mapping) an override made; see ConfigPositions::Where.
  std::string Where(const YAML::Node& node, std::string_view field = {}) const { return positions_.Where(node, field); }
  /// The same, for structure-specific readers (the projections' sections).
  const ConfigPositions& positions() const { return positions_; }
  /// "WHERE: FIELD: PROBLEM" for `node`.
  std::string Format(const YAML::Node& node, std::string_view field, std::string_view problem) const;

  /// Records a problem; loading goes on, so that one run reports them all.
  void Problem(const YAML::Node& node, std::string_view field, std::string_view problem);
  /// Records a problem a structure-specific reader already formatted (from a
  /// Status it returned); several lines are several problems.
  void AddFormatted(const std::string& problems);
  /// Records a problem and throws every problem recorded so far.
  [[noreturn]] void Fail(const YAML::Node& node, std::string_view field, std::string_view problem);
  bool ok() const { return problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }
  /// Throws ConfigError with every problem, if there is one.
  void ThrowIfProblems() const;

  /// A mapping key as a name; a complex key (`? [a, b] : 1`) is a problem
  /// (reported under `field`, the mapping's name) and gives nullopt.
  std::optional<std::string> KeyName(const YAML::Node& key, std::string_view field);
  /// Reports every key of the mapping `map` (named `field`; "" for the top
  /// level) that is not in `known` as "unknown setting" ("unknown section" at
  /// the top level), so that a typo never falls back to a default, and a key
  /// in `unsupported` as "not supported by slamon (remove it)". Null or
  /// absent: fine. Anything but a mapping: "must be a mapping". True when
  /// nothing was reported.
  bool CheckKeys(const YAML::Node& map, std::string_view field, const std::vector<std::string>& known,
                 const std::vector<std::string>& unsupported = {});

  /// How a node looks, for messages: "a list", "a mapping", "\"text\"" (80
  /// characters at most) or "nothing".
  static std::string Describe(const YAML::Node& node);
  /// "prefix.key", or "key" when `prefix` is empty.
  static std::string Join(std::string_view prefix, std::string_view key);

 private:
  /// Parses `text`; throws ConfigError when it is not YAML or empty.
  YamlReader(const std::string& text, std::string file, std::string_view kind);
  /// Applies "a.b.c=value" (index: its position among the --set options, from 1).
  void ApplyOverride(const std::string& assignment, size_t index);

  std::string file_;
  YAML::Node root_;
  ConfigPositions positions_;
  std::vector<std::string> problems_;
};

}  // namespace slamon::config
