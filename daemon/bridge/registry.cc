#include "daemon/bridge/registry.h"

#include <array>
#include <utility>

#include "daemon/bridge/sources.h"

namespace slamon::bridge {
namespace {

constexpr std::array<std::pair<std::string_view, SourceFactory>, 5> kFactories = {{
    {"zendesk", &MakeZendeskSource},
    {"jira", &MakeJiraSource},
    {"jiandaoyun", &MakeJiandaoyunSource},
    {"zoho", &MakeZohoSource},
    {"generic", &MakeGenericSource},
}};

}  // namespace

SourceFactory FindFactory(std::string_view kind) {
  for (const auto& [name, factory] : kFactories) {
    if (name == kind) return factory;
  }
  return nullptr;
}

std::vector<std::string> KnownKinds() {
  std::vector<std::string> kinds;
  kinds.reserve(kFactories.size());
  for (const auto& entry : kFactories) kinds.emplace_back(entry.first);
  return kinds;
}

}  // namespace slamon::bridge
