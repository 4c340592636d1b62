#include "daemon/config/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace slamon::config {
namespace {

// librdkafka property names contain dots: everything after one of these
// prefixes is a single key.
constexpr std::string_view kVerbatimAfter[] = {"kafka.properties."};

}  // namespace

YamlReader::YamlReader(const YAML::Node& root, std::string file)
    : file_(std::move(file)), root_(root), positions_(file_, root_) {}

namespace {

YAML::Node ParseDocument(const std::string& text, const std::string& file, std::string_view kind) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.msg));
  }
  // An empty file is a mistake (a truncated deploy, the wrong path), not a request for defaults.
  if (root.IsNull()) throw ConfigError(fmt::format("{}: the {} is empty", file, kind));
  return root;
}

}  // namespace

YamlReader::YamlReader(const std::string& text, std::string file, std::string_view kind)
    : file_(std::move(file)), root_(ParseDocument(text, file_, kind)), positions_(file_, root_) {}

YamlReader YamlReader::FromFile(const std::string& file, const std::vector<std::string>& overrides,
                                std::string_view kind) {
  std::ifstream in(file);
  if (!in) throw ConfigError(fmt::format("{}: cannot read the {}: {}", file, kind, std::strerror(errno)));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(fmt::format("{}: cannot read the {}: {}", file, kind, std::strerror(errno)));
  return FromText(text.str(), file, overrides, kind);
}

YamlReader YamlReader::FromText(const std::string& text, const std::string& file,
                                const std::vector<std::string>& overrides, std::string_view kind) {
  YamlReader reader(text, file, kind);
  if (!reader.root_.IsMap()) reader.Fail(reader.root_, "(top level)", "must be a mapping");
  for (size_t i = 0; i < overrides.size(); ++i) reader.ApplyOverride(overrides[i], i + 1);
  return reader;
}

void YamlReader::ApplyOverride(const std::string& assignment, size_t index) {
  const std::string where = fmt::format("--set:{}", index);
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    problems_.push_back(
        FormatConfigProblem(where, assignment, "expected section.key=value (e.g. kafka.brokers=127.0.0.1:9092)"));
    return;
  }
  const std::string path = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    problems_.push_back(FormatConfigProblem(where, path, "the value is not valid YAML: " + e.msg));
    return;
  }
  size_t verbatim = std::string::npos;
  for (std::string_view prefix : kVerbatimAfter) {
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) verbatim = prefix.size();
  }
  // Walk (and create) the mapping path: yaml-cpp nodes are handles, so
  // assigning through them edits the document.
  YAML::Node parent = root_;
  size_t start = 0;
  while (true) {
    const size_t dot = start == verbatim ? std::string::npos : path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const std::string so_far = path.substr(0, dot);
    if (part.empty()) {
      problems_.push_back(FormatConfigProblem(where, path, "empty key segment"));
      return;
    }
    if (dot == std::string::npos) {
      parent[part] = value;
      break;
    }
    YAML::Node child = parent[part];
    if (child.IsDefined() && !child.IsNull() && !child.IsMap()) {
      problems_.push_back(
          FormatConfigProblem(where, path, fmt::format("{} is {}, not a mapping", so_far, Describe(child))));
      return;
    }
    if (!child.IsDefined() || child.IsNull()) {
      // A mapping the override creates is the override's too: a problem
      // placed at it (a key it lacks) points at the --set option.
      const YAML::Node created(YAML::NodeType::Map);
      parent[part] = created;
      positions_.AddOverride(index, so_far, created);
    }
    // reset(), not operator=: assigning a node handle would overwrite the node it refers to.
    parent.reset(parent[part]);
    start = dot + 1;
  }
  positions_.AddOverride(index, path, value);
}

YAML::Node YamlReader::At(std::string_view path) const {
  YAML::Node node = root_;
  size_t start = 0;
  while (true) {
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const size_t dot = path.find('.', start);
    const std::string part(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    const YAML::Node& view = node;  // const lookup: a missing key is not added
    const YAML::Node next = view[part];
    // A missing key gives an invalid node that throws on most uses: hand out a plain undefined one.
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    node.reset(next);  // reset, not operator=, which would overwrite the document
    if (dot == std::string_view::npos) return node;
    start = dot + 1;
  }
}

std::string YamlReader::Format(const YAML::Node& node, std::string_view field, std::string_view problem) const {
  return positions_.Problem(node, field, problem);
}

void YamlReader::Problem(const YAML::Node& node, std::string_view field, std::string_view problem) {
  problems_.push_back(Format(node, field, problem));
}

void YamlReader::AddFormatted(const std::string& problems) {
  size_t start = 0;
  while (start < problems.size()) {
    size_t end = problems.find('\n', start);
    if (end == std::string::npos) end = problems.size();
    if (end > start) problems_.push_back(problems.substr(start, end - start));
    start = end + 1;
  }
}

void YamlReader::Fail(const YAML::Node& node, std::string_view field, std::string_view problem) {
  Problem(node, field, problem);
  throw ConfigError(problems_);
}

void YamlReader::ThrowIfProblems() const {
  if (!problems_.empty()) throw ConfigError(problems_);
}

std::optional<std::string> YamlReader::KeyName(const YAML::Node& key, std::string_view field) {
  if (!key.IsScalar()) {
    Problem(key, field.empty() ? "(top level)" : field, "a key must be a plain name, not a list or a mapping");
    return std::nullopt;
  }
  return key.Scalar();
}

bool YamlReader::CheckKeys(const YAML::Node& map, std::string_view field, const std::vector<std::string>& known,
                           const std::vector<std::string>& unsupported) {
  if (!map.IsDefined() || map.IsNull()) return true;
  if (!map.IsMap()) {
    Problem(map, field.empty() ? "(top level)" : field, "must be a mapping");
    return false;
  }
  bool clean = true;
  for (const auto& kv : map) {
    const auto key = KeyName(kv.first, field);
    if (!key) {
      clean = false;
    } else if (std::find(unsupported.begin(), unsupported.end(), *key) != unsupported.end()) {
      Problem(kv.first, Join(field, *key), "not supported by slamon (remove it)");
      clean = false;
    } else if (std::find(known.begin(), known.end(), *key) == known.end()) {
      Problem(kv.first, Join(field, *key), field.empty() ? "unknown section" : "unknown setting");
      clean = false;
    }
  }
  return clean;
}

std::string YamlReader::Describe(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (node.IsScalar()) return fmt::format("\"{}\"", node.Scalar().substr(0, 80));
  return "nothing";
}

std::string YamlReader::Join(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  std::string out(prefix);
  out += '.';
  out += key;
  return out;
}

}  // namespace slamon::config
