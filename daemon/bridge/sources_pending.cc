// Placeholders for the sources built on another branch, so that this branch
// links. Deleted when the real jira_source.cc, zoho_source.cc and
// generic_source.cc are merged.
#include "daemon/bridge/sources.h"

namespace slamon::bridge {

StatusOr<std::unique_ptr<WebhookSource>> MakeJiraSource(const std::string& name, const YAML::Node&) {
  return Status::Invalid("source '" + name + "': kind jira is not built into this binary");
}
StatusOr<std::unique_ptr<WebhookSource>> MakeZohoSource(const std::string& name, const YAML::Node&) {
  return Status::Invalid("source '" + name + "': kind zoho is not built into this binary");
}
StatusOr<std::unique_ptr<WebhookSource>> MakeGenericSource(const std::string& name, const YAML::Node&) {
  return Status::Invalid("source '" + name + "': kind generic is not built into this binary");
}

}  // namespace slamon::bridge
