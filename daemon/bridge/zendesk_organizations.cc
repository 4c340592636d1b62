#include "daemon/bridge/zendesk_organizations.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source_config.h"

namespace slamon::bridge {
namespace {

bool Contains(const std::vector<std::string>& items, std::string_view value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The value a field takes when what set it goes away: no tier is `unknown`
// (account.updated refuses an empty tier), the other text fields clear.
std::string Cleared(const std::string& field) { return field == "tier" ? "unknown" : ""; }

// A custom field's value as text: a lookup field (a user) gives its id, other
// fields their scalar; null is "" (the field was emptied).
bool FieldValueText(const nlohmann::json& value, std::string* out) {
  if (value.is_null()) {
    out->clear();
    return true;
  }
  if (value.is_object()) {
    *out = JsonText(value, "id");
    return true;
  }
  if (value.is_array()) return false;  // a multi-select: no one value to set
  *out = ScalarText(&value);
  return true;
}

}  // namespace

const std::vector<std::string>& OrganizationFieldTargets() {
  static const std::vector<std::string> kFields = {"name", "tier",     "owner",          "owner_email",
                                                   "team", "calendar", "contract_value", "renewal_date"};
  return kFields;
}

const std::vector<std::string>& OrganizationTagTargets() {
  static const std::vector<std::string> kFields = {"tier", "owner", "owner_email", "team", "calendar"};
  return kFields;
}

std::string CheckAccountValue(std::string_view field, std::string_view value) {
  if (value.empty()) return "must not be empty";
  if (value.size() > 256) return "is longer than 256 bytes";
  if (std::isspace(static_cast<unsigned char>(value.front())) != 0 ||
      std::isspace(static_cast<unsigned char>(value.back())) != 0) {
    return "must not start or end with a blank";
  }
  if (field == "tier" && (value == "unknown" || value == "other")) {
    return "tier \"" + std::string(value) + "\" is reserved (`unknown` is no tier, `other` the label overflow)";
  }
  if (field == "owner_email" && value.find('@') == std::string_view::npos) return "is not an e-mail address";
  return "";
}

Status ReadOrganizationTags(const SourceSection& section,
                            std::map<std::string, std::map<std::string, std::string>>* tags) {
  const YAML::Node node = section.At("organization_tags");
  if (!node.IsDefined() || node.IsNull()) return Status::OK();
  if (!node.IsMap()) return section.Error(node, "organization_tags", "must be a mapping of tag to account fields");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return section.Error(entry.first, "organization_tags", "a tag must be a plain name");
    const std::string tag = entry.first.Scalar();
    const std::string where = "organization_tags." + tag;
    // Zendesk stores tags in lower case, without blanks: any other spelling never matches.
    const bool plain = !tag.empty() && std::none_of(tag.begin(), tag.end(), [](unsigned char c) {
      return std::isspace(c) != 0 || std::isupper(c) != 0;
    });
    if (!plain) return section.Error(entry.first, where, "Zendesk tags are lower case without blanks");
    if (!entry.second.IsMap() || entry.second.size() == 0) {
      return section.Error(entry.second, where, "must map account fields to values ({tier: A})");
    }
    std::map<std::string, std::string>& fields = (*tags)[tag];
    for (const auto& kv : entry.second) {
      const std::string field = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!Contains(OrganizationTagTargets(), field)) {
        return section.Error(kv.first, where + "." + field,
                             "a tag sets one of " + Join(OrganizationTagTargets()) + ", not \"" + field + "\"");
      }
      if (!kv.second.IsScalar()) return section.Error(kv.second, where + "." + field, "must be a plain value");
      if (std::string problem = CheckAccountValue(field, kv.second.Scalar()); !problem.empty()) {
        return section.Error(kv.second, where + "." + field, problem);
      }
      fields[field] = kv.second.Scalar();
    }
  }
  return Status::OK();
}

ZendeskOrganizations::ZendeskOrganizations(std::string source, ZendeskOrganizationSettings settings,
                                           std::map<std::string, std::string> organizations)
    : source_(std::move(source)), settings_(std::move(settings)), organizations_(std::move(organizations)) {}

std::string ZendeskOrganizations::AccountOf(const std::string& id) const {
  auto it = organizations_.find(id);
  return it == organizations_.end() ? id : it->second;
}

bool ZendeskOrganizations::Map(std::string_view kind, const nlohmann::json& body, std::vector<MappedEvent>* out,
                               SourceError* error) const {
  const nlohmann::json& detail = body["detail"];
  const nlohmann::json event = body.contains("event") && body["event"].is_object() ? body["event"] : nlohmann::json();
  const std::string org = JsonText(detail, "id");
  if (org.empty() || org == "0") return Unmappable(error, "detail.id (the organization id) is missing");
  auto when = NormalizeTimestamp(JsonText(body, "time"));
  if (!when) return Unmappable(error, "time is missing or not a timestamp");
  const std::string account = AccountOf(org);
  if (!CheckIdentifier("account_id", account, error)) return false;
  const std::string id = DeriveEventId(source_, JsonText(body, "id"), 0);

  if (kind == "deleted") {
    if (settings_.on_deleted != "churn") return true;
    out->push_back(EventBuilder(id, "account.churned", *when, account).Set("reason", "organization_deleted").Build());
    return true;
  }
  Fields set;
  if (kind == "created" || kind == "name_changed") {
    std::string name = JsonText(event, "current");
    if (name.empty()) name = JsonText(detail, "name");
    if (!name.empty()) set["name"] = name;
  } else if (kind == "tags_changed") {
    if (!MapTags(event, &set)) return Unmappable(error, "event.added.tags / event.removed.tags must be lists of tags");
  } else if (kind == "custom_field_changed") {
    if (!MapCustomField(event, &set, error)) return false;
  }
  // external_id_changed, and everything the settings do not map: nothing.
  if (set.empty()) return true;
  EventBuilder b(id, "account.updated", *when, account);
  for (const auto& [field, value] : set) {
    if (field != "contract_value") {
      b.Set(field, value);
      continue;
    }
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || number < 0) {
      return Unmappable(error, "contract_value: \"" + value + "\" is not a number >= 0");
    }
    b.Set(field, number);
  }
  out->push_back(b.Build());
  return true;
}

// Removed tags clear what they set, then added tags set theirs, so a tier
// moved from one tag to another in one change ends at the new tag's tier.
bool ZendeskOrganizations::MapTags(const nlohmann::json& event, Fields* set) const {
  auto tags_of = [&](const char* key, std::vector<std::string>* tags) {
    if (!event.contains(key) || event[key].is_null()) return true;
    const nlohmann::json& side = event[key];
    if (!side.is_object()) return false;
    if (!side.contains("tags") || side["tags"].is_null()) return true;
    if (!side["tags"].is_array()) return false;
    for (const auto& t : side["tags"]) {
      if (!t.is_string()) return false;
      tags->push_back(t.get<std::string>());
    }
    return true;
  };
  std::vector<std::string> added, removed;
  if (!tags_of("added", &added) || !tags_of("removed", &removed)) return false;
  for (const std::string& tag : removed) {
    auto it = settings_.tags.find(tag);
    if (it == settings_.tags.end()) continue;
    for (const auto& entry : it->second) (*set)[entry.first] = Cleared(entry.first);
  }
  for (const std::string& tag : added) {
    auto it = settings_.tags.find(tag);
    if (it == settings_.tags.end()) continue;
    for (const auto& [field, value] : it->second) (*set)[field] = value;
  }
  return true;
}

bool ZendeskOrganizations::MapCustomField(const nlohmann::json& event, Fields* set, SourceError* error) const {
  const nlohmann::json field =
      event.contains("custom_field") && event["custom_field"].is_object() ? event["custom_field"] : nlohmann::json();
  if (!field.is_object()) return Unmappable(error, "event.custom_field is missing");
  // By id first: a title can be renamed in Zendesk, an id cannot.
  auto it = settings_.fields.find(JsonText(field, "id"));
  if (it == settings_.fields.end()) it = settings_.fields.find(JsonText(field, "title"));
  if (it == settings_.fields.end()) return true;
  const std::string& target = it->second;
  std::string value;
  if (!FieldValueText(event.contains("current") ? event["current"] : nlohmann::json(), &value)) {
    return Unmappable(error, "custom field '" + it->first + "': a list of values cannot set " + target);
  }
  if (value.empty()) {
    // A number cannot be cleared by account.updated: an emptied contract value keeps the last one.
    if (target != "contract_value") (*set)[target] = Cleared(target);
    return true;
  }
  if (target == "owner") {
    if (auto owner = settings_.owners.find(value); owner != settings_.owners.end()) value = owner->second;
  }
  // A date field may carry a time ("2027-03-31T00:00:00+00:00"): the date is what renews.
  if (target == "renewal_date" && value.size() > 10 && value[10] == 'T') value.resize(10);
  (*set)[target] = value;
  return true;
}

}  // namespace slamon::bridge
