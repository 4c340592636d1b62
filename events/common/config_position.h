// The one shape of a configuration problem, for every YAML file slamon reads
// (the daemon config and the projections' sections in it, the web config,
// the bridge config and its sources):
//
//   FILE:LINE: section.key: problem
//
// LINE is 1-based. A value given on the command line (`--set section.key=v`)
// has no line in the file and is placed as `--set:N` (the N-th --set option)
// instead of FILE:LINE. Problems with a file as a whole (unreadable, not
// YAML, empty) name only the file: there is no key to point at.
//
// Header-only so that every layer that reads YAML (the projections, the
// daemon's config module) shares it without linking each other; only code
// that already uses yaml-cpp includes it. Immutable once built: positions
// may be asked from several threads.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slamon {

/// "WHERE: FIELD: PROBLEM", WHERE being "FILE:LINE" or "--set:N".
inline std::string FormatConfigProblem(std::string_view where, std::string_view field, std::string_view problem) {
  std::string out;
  out.reserve(where.size() + field.size() + problem.size() + 4);
  out.append(where).append(": ").append(field).append(": ").append(problem);
  return out;
}

/// Knows where the nodes of one loaded document came from.
class ConfigPositions {
 public:
  ConfigPositions() = default;
  /// `root` places nodes that have no position of their own (at its first line).
  explicit ConfigPositions(std::string file, YAML::Node root = YAML::Node())
      : file_(std::move(file)), root_(std::move(root)) {}
  ConfigPositions(const ConfigPositions&) = default;
  ConfigPositions(ConfigPositions&&) = default;
  // No assignment: assigning a yaml-cpp node overwrites the node it referred
  // to, which here is part of a document.
  ConfigPositions& operator=(const ConfigPositions&) = delete;
  ConfigPositions& operator=(ConfigPositions&&) = delete;

  const std::string& file() const { return file_; }

  /// Records that the `index`-th --set option gave `path` the parsed `value`
  /// (a node the document now shares).
  void AddOverride(size_t index, std::string path, YAML::Node value) {
    overrides_.push_back({index, std::move(path), std::move(value)});
  }

  /// Where `node` came from: "--set:N" for a value an override parsed (or a
  /// node inside one), "FILE:LINE" for a node of the file. A node without a
  /// position (absent, or a mapping an override created) is placed by
  /// `field` when an override named it, and at the document's first line
  /// otherwise.
  std::string Where(const YAML::Node& node, std::string_view field = {}) const {
    if (node.IsDefined()) {
      for (size_t i = overrides_.size(); i-- > 0;) {
        if (Holds(overrides_[i].value, node, 0)) return "--set:" + std::to_string(overrides_[i].index);
      }
      if (node.Mark().line >= 0) return file_ + ":" + std::to_string(node.Mark().line + 1);
    }
    for (size_t i = overrides_.size(); i-- > 0;) {
      if (Names(overrides_[i].path, field)) return "--set:" + std::to_string(overrides_[i].index);
    }
    const int line = root_.IsDefined() && root_.Mark().line >= 0 ? root_.Mark().line + 1 : 1;
    return file_ + ":" + std::to_string(line);
  }

  /// "WHERE: FIELD: PROBLEM" for `node`.
  std::string Problem(const YAML::Node& node, std::string_view field, std::string_view problem) const {
    return FormatConfigProblem(Where(node, field), field, problem);
  }

 private:
  struct Override {
    size_t index;      ///< 1-based, among all --set options
    std::string path;  ///< "kafka.properties.client.rack"
    YAML::Node value;  ///< the parsed value, shared with the document
  };

  // Whether `node` is `tree` or lies inside it: assigning a parsed value into
  // the document shares its nodes, so identity survives.
  static bool Holds(const YAML::Node& tree, const YAML::Node& node, int depth) {
    if (tree.is(node)) return true;
    if (depth > 64) return false;  // override values are small; this bounds an alias cycle
    if (tree.IsSequence()) {
      for (const auto& item : tree) {
        if (Holds(item, node, depth + 1)) return true;
      }
    } else if (tree.IsMap()) {
      for (const auto& kv : tree) {
        if (Holds(kv.first, node, depth + 1) || Holds(kv.second, node, depth + 1)) return true;
      }
    }
    return false;
  }

  // Whether an override of `path` set `field`, something inside it, or a mapping holding it.
  static bool Names(std::string_view path, std::string_view field) {
    if (field.empty()) return false;
    auto covers = [](std::string_view outer, std::string_view inner) {
      return inner.size() > outer.size() && inner.substr(0, outer.size()) == outer && inner[outer.size()] == '.';
    };
    return path == field || covers(path, field) || covers(field, path);
  }

  std::string file_;
  YAML::Node root_;
  std::vector<Override> overrides_;
};

}  // namespace slamon
