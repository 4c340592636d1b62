// The built-in webhook sources, one factory per kind. Each builds a source
// named `name` (the URL segment of POST /webhooks/<name>) from its YAML
// section; errors name the source and the field.
#pragma once

#include "daemon/bridge/source.h"

namespace slamon::bridge {

StatusOr<std::unique_ptr<WebhookSource>> MakeZendeskSource(const std::string& name, const YAML::Node& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeJiandaoyunSource(const std::string& name, const YAML::Node& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeJiraSource(const std::string& name, const YAML::Node& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeZohoSource(const std::string& name, const YAML::Node& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeGenericSource(const std::string& name, const YAML::Node& section);

}  // namespace slamon::bridge
