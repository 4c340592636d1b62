// The built-in webhook sources, one factory per kind. Each builds a source
// named `name` (the URL segment of POST /webhooks/<name>) from its YAML
// section; errors name the key ("FILE:LINE: sources.<name>.<key>: problem").
#pragma once

#include <vector>

#include "daemon/bridge/source.h"

namespace slamon::bridge {

StatusOr<std::unique_ptr<WebhookSource>> MakeZendeskSource(const SourceSection& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeJiandaoyunSource(const SourceSection& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeJiraSource(const SourceSection& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeZohoSource(const SourceSection& section);
StatusOr<std::unique_ptr<WebhookSource>> MakeGenericSource(const SourceSection& section);

/// Each kind's keys as reference sections (its field tables, titled
/// "sources.<name>, kind <kind>").
std::vector<config::SectionInfo> ZendeskSourceReference();
std::vector<config::SectionInfo> JiandaoyunSourceReference();
std::vector<config::SectionInfo> JiraSourceReference();
std::vector<config::SectionInfo> ZohoSourceReference();
std::vector<config::SectionInfo> GenericSourceReference();

}  // namespace slamon::bridge
