// Zendesk organization event webhooks (`zen:event-type:organization.*`, as
// in Zendesk's "Webhook event types / Organization events" reference) mapped
// to account.updated, so that a Zendesk shop's tickets meet a tier, an owner
// and a team without a hand-written account import. Tags and custom fields
// say which account fields an organization sets; a deleted organization may
// count as churned. Pure and thread-safe once built, like every source.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/bridge/source.h"

namespace slamon::bridge {

/// The zendesk source's organization keys, as loaded.
struct ZendeskOrganizationSettings {
  /// organization_tags: tag -> account field -> value the tag sets.
  std::map<std::string, std::map<std::string, std::string>> tags;
  /// organization_fields: custom field id or title -> account field.
  std::map<std::string, std::string> fields;
  /// owners: Zendesk user id (a lookup field's value) -> owner id.
  std::map<std::string, std::string> owners;
  /// on_organization_deleted: "ignore" or "churn".
  std::string on_deleted = "ignore";
};

/// The account fields a custom field may set (organization_fields values).
const std::vector<std::string>& OrganizationFieldTargets();
/// The account fields a tag may set: tier, owner, owner_email, team, calendar.
const std::vector<std::string>& OrganizationTagTargets();

/// The problem of a configured value for account field `field`, or "": a
/// tier is non-empty, not `unknown` (no tier) nor `other` (the overflow
/// label) and not blank-padded; an owner_email has an '@'; every value is
/// non-empty and at most 256 bytes.
std::string CheckAccountValue(std::string_view field, std::string_view value);

/// Reads `organization_tags` from the section (absent: none). Problems name
/// the tag and field at their line ("sources.zd.organization_tags.vip.tier").
Status ReadOrganizationTags(const SourceSection& section,
                            std::map<std::string, std::map<std::string, std::string>>* tags);

/// Maps organization events of one zendesk source.
class ZendeskOrganizations {
 public:
  /// `organizations` is the source's Zendesk organization id -> account id
  /// table, the one its ticket mapping uses, so tickets and organizations meet.
  ZendeskOrganizations(std::string source, ZendeskOrganizationSettings settings,
                       std::map<std::string, std::string> organizations);

  /// Maps the organization event `kind` ("created", "tags_changed"…) of
  /// the delivery `body` (already checked to have type, id and detail):
  /// at most one event, none for what the settings do not map.
  bool Map(std::string_view kind, const nlohmann::json& body, std::vector<MappedEvent>* out, SourceError* error) const;

  /// The account id of Zendesk organization `id`.
  std::string AccountOf(const std::string& id) const;

 private:
  using Fields = std::map<std::string, std::string>;
  bool MapTags(const nlohmann::json& event, Fields* set) const;
  bool MapCustomField(const nlohmann::json& event, Fields* set, SourceError* error) const;

  std::string source_;
  ZendeskOrganizationSettings settings_;
  std::map<std::string, std::string> organizations_;
};

}  // namespace slamon::bridge
