#include "daemon/bridge/mapping_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "events/codec.h"
#include "events/common/json_writer.h"

namespace slamon::bridge {
namespace {

constexpr size_t kMaxIdBytes = 256;

std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out, &len);
  return {reinterpret_cast<const char*>(out), len};
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return {reinterpret_cast<const char*>(out), len};
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Lower-cases and folds ' ', '-' and '_' into '_' so that "On-Hold", "on hold"
// and "on_hold" compare equal.
std::string Folded(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '-' || c == '_') {
      if (!out.empty() && out.back() != '_') out.push_back('_');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) { return Hmac(EVP_sha256(), key, data); }
std::string HmacSha1(std::string_view key, std::string_view data) { return Hmac(EVP_sha1(), key, data); }
std::string Sha1(std::string_view data) { return Digest(EVP_sha1(), data); }
std::string Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string EpochMillisToRfc3339(int64_t epoch_ms) {
  // Floor division: a negative millisecond count belongs to the earlier second.
  int64_t s = epoch_ms / 1000;
  if (epoch_ms % 1000 < 0) --s;
  return events::FormatRfc3339(s);
}

std::optional<std::string> NormalizeTimestamp(std::string_view raw) {
  const std::string text = Trimmed(raw);
  std::string out;
  if (AllDigits(text)) {
    if (text.size() > 15) return std::nullopt;
    const int64_t n = std::strtoll(text.c_str(), nullptr, 10);
    // 12+ digits cannot be seconds in slamon's year range (1000-8999 needs at
    // most 11 digits, and 10^11 s is year 5138): treat them as milliseconds.
    out = text.size() >= 12 ? EpochMillisToRfc3339(n) : events::FormatRfc3339(n);
  } else {
    // YYYY-MM-DD(T| )HH:MM[:SS][.fraction](Z|±HH:MM|±HHMM|±HH)
    if (text.size() < 16 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const char sep = text[10];
    if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
    out = text.substr(0, 10) + "T" + text.substr(11, 5);
    size_t i = 16;
    if (i < text.size() && text[i] == ':') {
      out += text.substr(i, 3);
      i += 3;
    } else {
      out += ":00";
    }
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      ++i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    }
    const std::string_view zone = std::string_view(text).substr(std::min(i, text.size()));
    if (zone == "Z" || zone == "z") {
      out += "Z";
    } else if (zone.size() >= 3 && (zone[0] == '+' || zone[0] == '-')) {
      std::string hh(zone.substr(1, 2)), mm;
      if (zone.size() == 3) {
        mm = "00";
      } else if (zone.size() == 5) {
        mm = zone.substr(3, 2);
      } else if (zone.size() == 6 && zone[3] == ':') {
        mm = zone.substr(4, 2);
      } else {
        return std::nullopt;
      }
      if (!AllDigits(hh) || !AllDigits(mm)) return std::nullopt;
      // "-00:00" means "offset unknown" in RFC 3339; "+00:00" is written as Z.
      out += (hh == "00" && mm == "00") ? std::string("Z") : std::string(1, zone[0]) + hh + ":" + mm;
    } else {
      return std::nullopt;  // no offset: the instant would be a guess
    }
  }
  int64_t unused = 0;
  if (!events::ParseRfc3339(out, &unused)) return std::nullopt;
  return out;
}

std::optional<std::string> NormalizeJsonTimestamp(const nlohmann::json& value) {
  if (value.is_string()) return NormalizeTimestamp(value.get<std::string>());
  if (value.is_number_integer() || value.is_number_unsigned()) {
    const int64_t n = value.get<int64_t>();
    return NormalizeTimestamp(std::to_string(n));
  }
  return std::nullopt;
}

std::optional<std::string> NormalizeStatus(std::string_view vendor_status) {
  const std::string s = Folded(vendor_status);
  if (s == "new" || s == "open" || s == "reopened" || s == "in_progress" || s == "to_do" || s == "todo") return "open";
  if (s == "pending" || s == "waiting_on_customer" || s == "waiting_for_customer") return "pending";
  if (s == "hold" || s == "on_hold") return "on_hold";
  if (s == "solved" || s == "resolved" || s == "done") return "solved";
  if (s == "closed") return "closed";
  return std::nullopt;
}

std::optional<std::string> NormalizePriority(std::string_view vendor_priority) {
  const std::string s = Folded(vendor_priority);
  if (s == "urgent" || s == "highest" || s == "critical" || s == "blocker") return "urgent";
  if (s == "high") return "high";
  if (s == "normal" || s == "medium") return "normal";
  if (s == "low" || s == "lowest" || s == "minor" || s == "trivial") return "low";
  return std::nullopt;
}

std::vector<std::string> StatusTransitionTypes(std::string_view previous, std::string_view current) {
  std::vector<std::string> types{"ticket.status_changed"};
  const bool was_done = previous == "solved" || previous == "closed";
  if (current == "solved" && !was_done) types.emplace_back("ticket.resolved");
  if (current == "closed" && !previous.empty() && !was_done) types.emplace_back("ticket.resolved");
  if (previous == "solved" && (current == "open" || current == "pending" || current == "on_hold")) {
    types.emplace_back("ticket.reopened");
  }
  return types;
}

std::string DeriveEventId(std::string_view source, std::string_view delivery_id, int n) {
  std::string id = std::string(source) + ":" + std::string(delivery_id) + ":" + std::to_string(n);
  if (id.size() <= kMaxIdBytes) return id;
  return std::string(source.substr(0, 100)) + ":" + HexEncode(Sha256(delivery_id)) + ":" + std::to_string(n);
}

EventBuilder::EventBuilder(std::string id, std::string type, std::string occurred_at, std::string account_id)
    : id_(std::move(id)),
      type_(std::move(type)),
      occurred_at_(std::move(occurred_at)),
      account_id_(std::move(account_id)) {}

EventBuilder& EventBuilder::Set(std::string key, FieldValue value) {
  for (auto& [k, v] : fields_) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  fields_.emplace_back(std::move(key), std::move(value));
  return *this;
}

MappedEvent EventBuilder::Build() const {
  MappedEvent event;
  event.key = account_id_;
  events::JsonWriter w(&event.json);
  w.BeginObject();
  w.Field("id", id_).Field("type", type_).Field("occurred_at", occurred_at_).Field("account_id", account_id_);
  for (const auto& [key, value] : fields_) {
    w.Key(key);
    std::visit(
        [&w](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            w.String(v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            w.Int(v);
          } else if constexpr (std::is_same_v<T, double>) {
            w.Double(v);
          } else {
            w.Bool(v);
          }
        },
        value);
  }
  w.EndObject();
  return event;
}

bool ParseJsonObject(std::string_view body, nlohmann::json* out, SourceError* error) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    *error = {Rejection::kBadPayload, "body is not JSON"};
    return false;
  }
  if (!parsed.is_object()) {
    *error = {Rejection::kBadPayload, "body is not a JSON object"};
    return false;
  }
  *out = std::move(parsed);
  return true;
}

std::string JsonText(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(std::string(key));
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  return {};
}

std::string JsonTextAt(const nlohmann::json& root, std::string_view pointer) {
  try {
    const nlohmann::json::json_pointer ptr{std::string(pointer)};
    if (!root.contains(ptr)) return {};
    const nlohmann::json& v = root.at(ptr);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return {};
  } catch (const nlohmann::json::exception&) {
    return {};
  }
}

namespace {

// The secret named by environment variable `var`; the problem at `at` when unset.
StatusOr<std::string> SecretFromEnv(const SourceSection& section, const YAML::Node& at, const std::string& key) {
  if (!at.IsScalar() || at.Scalar().empty()) return section.Error(at, key, "must name a variable");
  const char* value = std::getenv(at.Scalar().c_str());
  if (value == nullptr || *value == '\0') {
    return section.Error(at, key, "environment variable " + at.Scalar() + " is not set");
  }
  return std::string(value);
}

// `secrets:` or `secret_envs:`: 1..kMaxSecrets entries, each a secret (or a set variable).
StatusOr<Secrets> SecretList(const SourceSection& section, const std::string& key, bool env) {
  const YAML::Node list = section.At(key);
  if (!list.IsSequence() || list.size() == 0 || list.size() > kMaxSecrets) {
    return section.Error(list, key, "must be a list of 1 to " + std::to_string(kMaxSecrets) + " entries");
  }
  Secrets out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = key + "[" + std::to_string(i) + "]";
    if (env) {
      GET_OR_RET(std::string value, SecretFromEnv(section, list[i], at));
      out.push_back(std::move(value));
    } else if (!list[i].IsScalar() || list[i].Scalar().empty()) {
      return section.Error(list[i], at, "must be a non-empty string");
    } else {
      out.push_back(list[i].Scalar());
    }
  }
  return out;
}

}  // namespace

StatusOr<Secrets> LoadSecrets(const SourceSection& section) {
  static const std::vector<std::string> kKeys = {"secret", "secret_env", "secrets", "secret_envs"};
  std::vector<std::string> given;
  for (const std::string& key : kKeys) {
    if (section.At(key).IsDefined()) given.push_back(key);
  }
  if (given.empty()) {
    return section.Error(section.node(), "secret", "is required (give secret, secret_env, secrets or secret_envs)");
  }
  if (given.size() > 1) {
    return section.Error(section.At(given[1]), given[1],
                         "give one of secret, secret_env, secrets and secret_envs, not " + given[0] + " too");
  }
  const std::string& key = given.front();
  if (key == "secrets" || key == "secret_envs") return SecretList(section, key, key == "secret_envs");
  const YAML::Node node = section.At(key);
  if (key == "secret_env") {
    GET_OR_RET(std::string value, SecretFromEnv(section, node, key));
    return Secrets{std::move(value)};
  }
  if (!node.IsScalar() || node.Scalar().empty()) return section.Error(node, key, "must be a non-empty string");
  return Secrets{node.Scalar()};
}

std::optional<size_t> MatchSecret(const Secrets& secrets, std::string_view presented,
                                  const std::function<std::string(const std::string& secret)>& expected) {
  std::optional<size_t> matched;
  for (size_t i = 0; i < secrets.size(); ++i) {
    // Every secret is tried, even after a match.
    if (ConstantTimeEquals(presented, expected(secrets[i])) && !matched) matched = i;
  }
  return matched;
}

const std::vector<std::string>& TicketStatuses() {
  static const std::vector<std::string> kStatuses = {"open", "pending", "on_hold", "solved", "closed"};
  return kStatuses;
}

const std::vector<std::string>& TicketPriorities() {
  static const std::vector<std::string> kPriorities = {"urgent", "high", "normal", "low"};
  return kPriorities;
}

}  // namespace slamon::bridge
