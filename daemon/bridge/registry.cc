#include "daemon/bridge/registry.h"

#include <array>
#include <utility>

#include "daemon/bridge/sources.h"

namespace slamon::bridge {
namespace {

struct Kind {
  std::string_view name;
  SourceFactory make;
  std::vector<config::SectionInfo> (*reference)();
};

constexpr std::array<Kind, 5> kKinds = {{
    {"zendesk", &MakeZendeskSource, &ZendeskSourceReference},
    {"jira", &MakeJiraSource, &JiraSourceReference},
    {"jiandaoyun", &MakeJiandaoyunSource, &JiandaoyunSourceReference},
    {"zoho", &MakeZohoSource, &ZohoSourceReference},
    {"generic", &MakeGenericSource, &GenericSourceReference},
}};

}  // namespace

SourceFactory FindFactory(std::string_view kind) {
  for (const Kind& k : kKinds) {
    if (k.name == kind) return k.make;
  }
  return nullptr;
}

std::vector<std::string> KnownKinds() {
  std::vector<std::string> kinds;
  kinds.reserve(kKinds.size());
  for (const Kind& k : kKinds) kinds.emplace_back(k.name);
  return kinds;
}

std::vector<config::SectionInfo> KindsReference() {
  std::vector<config::SectionInfo> out;
  for (const Kind& k : kKinds) {
    for (auto& section : k.reference()) out.push_back(std::move(section));
  }
  return out;
}

}  // namespace slamon::bridge
