#include "daemon/config/access_scope.h"

namespace slamon::daemon {

std::optional<AccessScope> AccessScope::Parse(std::string_view text, std::string* why) {
  if (text == "all") return AccessScope();
  if (text == "metrics") return Metrics();
  for (const auto& [prefix, kind] :
       {std::pair{std::string_view("team:"), Kind::kTeam}, std::pair{std::string_view("owner:"), Kind::kOwner}}) {
    if (!text.starts_with(prefix)) continue;
    const std::string_view value = text.substr(prefix.size());
    const char* what = kind == Kind::kTeam ? "team" : "owner";
    if (value.empty()) {
      *why = "\"" + std::string(text) + "\" names no " + what;
      return std::nullopt;
    }
    // Team and owner ids are compared exactly: a stray space would match nobody.
    if (value.front() == ' ' || value.back() == ' ' || value.front() == '\t' || value.back() == '\t') {
      *why = "\"" + std::string(text) + "\": the " + what + " starts or ends with a space";
      return std::nullopt;
    }
    return AccessScope(kind, std::string(value));
  }
  *why = "\"" + std::string(text) + "\" is not a scope (all, team:<team>, owner:<owner id> or metrics)";
  return std::nullopt;
}

std::string AccessScope::ToString() const {
  switch (kind_) {
    case Kind::kAll:
      return "all";
    case Kind::kTeam:
      return "team:" + value_;
    case Kind::kOwner:
      return "owner:" + value_;
    case Kind::kMetrics:
      return "metrics";
  }
  return "all";
}

bool AccessScope::AllowsAccount(std::string_view owner, std::string_view team) const {
  switch (kind_) {
    case Kind::kAll:
      return true;
    case Kind::kTeam:
      return team == value_;
    case Kind::kOwner:
      return owner == value_;
    case Kind::kMetrics:
      return false;
  }
  return false;
}

}  // namespace slamon::daemon
