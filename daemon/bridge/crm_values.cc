#include "daemon/bridge/crm_values.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "daemon/bridge/source_config.h"
#include "events/codec.h"

namespace slamon::bridge {

namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// "YYYY-MM-DD" naming a real day (the round trip through Unix time rejects 2027-02-30).
bool IsRealDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int64_t t = 0;
  if (!events::ParseRfc3339(std::string(text) + "T00:00:00Z", &t)) return false;
  return events::FormatRfc3339(t).substr(0, 10) == text;
}

}  // namespace

const std::vector<std::string>& AccountFieldNames() {
  static const std::vector<std::string> kNames = {"name", "tier",     "owner",          "owner_email",
                                                  "team", "calendar", "contract_value", "renewal_date"};
  return kNames;
}

bool SetAccountFields(EventBuilder& event, const std::map<std::string, std::string>& given, bool upsert,
                      const std::string& what, SourceError* error) {
  if (upsert) {
    for (const char* required : {"name", "tier", "owner"}) {
      if (given.count(required) == 0) return Unmappable(error, what + required + " is missing");
    }
  }
  bool any = false;
  for (const std::string& field : AccountFieldNames()) {
    auto it = given.find(field);
    if (it == given.end()) continue;
    const std::string& value = it->second;
    const bool required = field == "name" || field == "tier" || field == "owner";
    if (upsert && !required && value.empty()) continue;  // an upsert without the field sets it empty anyway
    if (field == "tier" && value.empty()) return Unmappable(error, what + "tier is empty");
    if (field == "contract_value" && !value.empty()) {
      const auto amount = ParseAmount(value);
      if (!amount) return Unmappable(error, what + "contract_value '" + value.substr(0, 32) + "' is not a number");
      event.Set(field, *amount);
    } else if (field == "renewal_date" && !value.empty() && !IsRealDate(value)) {
      return Unmappable(error, what + "renewal_date '" + value.substr(0, 32) + "' is not a date YYYY-MM-DD");
    } else {
      event.Set(field, value);
    }
    any = true;
  }
  if (!any) return Unmappable(error, what + "none of the account fields is present");
  return true;
}

std::optional<double> ParseAmount(std::string_view text) {
  std::string plain;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) plain += text[i++];
  bool digits = false, point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (IsDigit(c)) {
      plain += c;
      digits = true;
    } else if (c == ',' && digits && !point) {
      continue;  // a thousands separator
    } else if (c == '.' && !point) {
      plain += c;
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits || plain.size() > 40) return std::nullopt;
  const double value = std::strtod(plain.c_str(), nullptr);
  if (!(value <= 1e15 && value >= -1e15)) return std::nullopt;
  return value;
}

std::optional<std::string> NormalizeCurrency(std::string_view text) {
  if (text.size() != 3) return std::nullopt;
  std::string code;
  for (char c : text) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;
    code += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return code;
}

std::optional<std::string> NormalizeDate(std::string_view text, int utc_offset_minutes) {
  if (text.size() == 10 && text[4] == '-') {  // (ten digits are epoch seconds)
    if (!IsRealDate(text)) return std::nullopt;
    return std::string(text);
  }
  const auto instant = NormalizeTimestamp(text);
  if (!instant) return std::nullopt;
  if (instant->back() != 'Z') return instant->substr(0, 10);  // the sender's own offset: its local date
  int64_t t = 0;
  if (!events::ParseRfc3339(*instant, &t)) return std::nullopt;
  return events::FormatRfc3339(t + int64_t{utc_offset_minutes} * 60).substr(0, 10);
}

std::optional<int> ParseUtcOffset(std::string_view text) {
  if (text == "Z") return 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' || !IsDigit(text[1]) ||
      !IsDigit(text[2]) || !IsDigit(text[4]) || !IsDigit(text[5])) {
    return std::nullopt;
  }
  const int hours = (text[1] - '0') * 10 + (text[2] - '0');
  const int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  if (hours > 14 || minutes > 59) return std::nullopt;
  return (text[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
}

const std::vector<std::string>& InteractionKinds() {
  static const std::vector<std::string> kKinds = {"call", "meeting", "email", "qbr"};
  return kKinds;
}

const std::vector<std::string>& Directions() {
  static const std::vector<std::string> kDirections = {"inbound", "outbound"};
  return kDirections;
}

}  // namespace slamon::bridge
