#include "daemon/bridge/source_config.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "daemon/bridge/mapping_util.h"

namespace slamon::bridge {

namespace {

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool Contains(const std::vector<std::string>& items, const std::string& value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

}  // namespace

StatusOr<JsonPointer> JsonPointer::Parse(std::string_view text) {
  JsonPointer pointer;
  pointer.text_ = std::string(text);
  if (text.empty()) return pointer;
  if (text.front() != '/') return Status::Invalid("JSON pointer '" + std::string(text) + "' must start with '/'");
  size_t start = 1;
  while (true) {
    const size_t slash = text.find('/', start);
    const std::string_view raw = text.substr(start, slash == std::string_view::npos ? slash : slash - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
        continue;
      }
      // RFC 6901: "~1" is '/', "~0" is '~'; any other escape is malformed.
      if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        return Status::Invalid("JSON pointer '" + std::string(text) + "' has a '~' not followed by 0 or 1");
      }
    }
    pointer.tokens_.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return pointer;
}

const nlohmann::json* JsonPointer::Resolve(const nlohmann::json& root) const {
  const nlohmann::json* at = &root;
  for (const std::string& token : tokens_) {
    if (at->is_object()) {
      auto it = at->find(token);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      if (token.empty() || token.size() > 9 ||
          !std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return nullptr;
      }
      const size_t index = std::stoul(token);
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

std::string ScalarText(const nlohmann::json* value) {
  if (value == nullptr) return {};
  if (value->is_string()) return value->get<std::string>();
  if (value->is_boolean()) return value->get<bool>() ? "true" : "false";
  if (value->is_number()) return value->dump();
  return {};
}

std::string FoldKey(std::string_view text) {
  std::string out;
  bool pending_sep = false;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '_' || c == '\t') {
      pending_sep = !out.empty();
      continue;
    }
    if (pending_sep) out += '_';
    pending_sep = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

ValueMap::ValueMap(std::initializer_list<std::pair<const std::string, std::string>> entries) {
  for (const auto& [vendor, value] : entries) Set(vendor, value);
}

void ValueMap::Set(std::string_view vendor, std::string slamon_value) {
  entries_[FoldKey(vendor)] = std::move(slamon_value);
}

std::optional<std::string> ValueMap::Find(std::string_view vendor) const {
  auto it = entries_.find(FoldKey(vendor));
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

Status CheckKnownKeys(const SourceSection& section, const std::string& where, const YAML::Node& node,
                      const std::vector<std::string>& known) {
  if (!node || !node.IsMap()) return Status::OK();
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      return section.Error(entry.first, where, "a key must be a plain name, not a list or a mapping");
    }
    const std::string key = entry.first.Scalar();
    if (!Contains(known, key)) {
      return section.Error(entry.first, where.empty() ? key : where + "." + key,
                           "unknown setting (expected one of " + JoinList(known) + ")");
    }
  }
  return Status::OK();
}

StatusOr<std::unique_ptr<WebhookSource>> BuildSource(SourceFactory factory, const std::string& name,
                                                     const YAML::Node& section, const std::string& file) {
  const config::YamlReader reader(section, file);
  return factory(SourceSection(reader, name, section));
}

const std::vector<std::string>& SourceSection::CommonKeys() {
  static const std::vector<std::string> kKeys = {"kind", "secret", "secret_env", "secrets", "secret_envs"};
  return kKeys;
}

YAML::Node SourceSection::At(std::string_view key) const { return config::YamlReader(node_, reader_.file()).At(key); }

Status SourceSection::Error(const YAML::Node& at, std::string_view key, std::string_view problem) const {
  const std::string field = key.empty() ? field_ : field_ + "." + std::string(key);
  // A node built while parsing (a condition's subject) has no line: the section's is the nearest.
  const bool placed = at.IsDefined() && at.Mark().line >= 0;
  return Status::Invalid(reader_.positions().Problem(placed ? at : node_, field, problem));
}

Status SourceSection::Problems(const config::YamlReader& reader, size_t from) {
  std::string joined;
  for (size_t i = from; i < reader.problems().size(); ++i) {
    if (!joined.empty()) joined += '\n';
    joined += reader.problems()[i];
  }
  return joined.empty() ? Status::OK() : Status::Invalid(joined);
}

bool VerifySharedToken(const WebhookRequest& request, const TokenLocation& where,
                       const std::vector<std::string>& secrets, SourceError* error, size_t* matched) {
  std::string presented;
  bool present = false;
  if (!where.header.empty()) {
    auto it = request.headers.find(where.header);
    present = it != request.headers.end();
    if (present) presented = it->second;
    if (!present) *error = {Rejection::kBadSignature, "missing header " + where.header};
  } else {
    auto it = request.query.find(where.query);
    present = it != request.query.end();
    if (present) presented = it->second;
    if (!present) *error = {Rejection::kBadSignature, "missing query parameter " + where.query};
  }
  if (!present) return false;
  const auto match = MatchSecret(secrets, presented, [](const std::string& secret) { return secret; });
  if (!match) {
    *error = {Rejection::kBadSignature, "shared token does not match"};
    return false;
  }
  *matched = *match;
  return true;
}

bool CheckIdentifier(std::string_view field, std::string_view value, SourceError* error) {
  if (value.empty()) return Unmappable(error, std::string(field) + " is missing or empty");
  if (value.size() > 256) return Unmappable(error, std::string(field) + " is longer than 256 bytes");
  return true;
}

bool Unmappable(SourceError* error, std::string reason) {
  *error = {Rejection::kUnmappable, std::move(reason)};
  return false;
}

const std::vector<std::string>& StatusVocabulary() {
  static const std::vector<std::string> kValues = {"open", "pending", "on_hold", "solved", "closed"};
  return kValues;
}

const std::vector<std::string>& PriorityVocabulary() {
  static const std::vector<std::string> kValues = {"urgent", "high", "normal", "low"};
  return kValues;
}

const std::vector<std::string>& RoleVocabulary() {
  static const std::vector<std::string> kValues = {"agent", "customer", "ignore"};
  return kValues;
}

}  // namespace slamon::bridge
