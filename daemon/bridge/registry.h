// Which factory builds a source of a given `kind:` in the bridge config.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/bridge/source.h"

namespace slamon::bridge {

/// The factory for `kind` ("zendesk", "jira", "jiandaoyun", "zoho",
/// "generic"); nullptr for an unknown kind.
SourceFactory FindFactory(std::string_view kind);

/// Every known kind, for error messages ("expected one of …").
std::vector<std::string> KnownKinds();

/// Every kind's keys as reference sections, in the order of KnownKinds.
std::vector<config::SectionInfo> KindsReference();

}  // namespace slamon::bridge
