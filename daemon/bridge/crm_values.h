// The values CRM records carry into account, order and interaction events,
// shared by the Jiandaoyun record forms and the Generic source's CRM rules:
// account attributes (account.upserted / account.updated), order amounts and
// currencies, local dates, interaction kinds and directions. Each check turns
// a vendor's text into the value slamon's decoder accepts, or fails with a
// kUnmappable error naming the field, so a bad record is answered 422
// instead of reaching the topic. Pure functions, thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/bridge/mapping_util.h"

namespace slamon::bridge {

/// The account attributes, in the order of the event schema: name, tier,
/// owner, owner_email, team, calendar, contract_value, renewal_date.
const std::vector<std::string>& AccountFieldNames();

/// Sets the account attributes `given` (field name -> text, only the fields
/// the sender gave) on an account.upserted (`upsert`) or account.updated.
/// An upsert needs name, tier and owner and leaves out the other fields it
/// got empty (absent means empty in an upsert); an update carries every
/// given field, an empty one clearing it, and needs at least one. A tier is
/// never empty, contract_value is a number (see ParseAmount), renewal_date a
/// real YYYY-MM-DD date. False with `error` (prefixed by `what`) otherwise.
bool SetAccountFields(EventBuilder& event, const std::map<std::string, std::string>& given, bool upsert,
                      const std::string& what, SourceError* error);

/// A decimal number as CRMs write it: optional sign, digits with optional
/// ',' thousands separators, optional fraction ("12,000.50"); nullopt for
/// anything else, including exponents, NaN and a value above 1e15.
std::optional<double> ParseAmount(std::string_view text);

/// An ISO 4217 code: three letters, upper-cased ("cny" -> "CNY"); nullopt otherwise.
std::optional<std::string> NormalizeCurrency(std::string_view text);

/// A calendar date as YYYY-MM-DD from a date ("2027-03-31") or an instant.
/// An instant with an offset ("2027-03-31T00:00:00+08:00") gives its local
/// date; one in UTC (`Z`, epoch seconds or milliseconds: how date widgets
/// send the local midnight) gives the date at `utc_offset_minutes`.
/// nullopt when the text is neither or not a real date.
std::optional<std::string> NormalizeDate(std::string_view text, int utc_offset_minutes);

/// "+08:00" / "-05:30" / "Z" as minutes east of UTC; nullopt when malformed.
std::optional<int> ParseUtcOffset(std::string_view text);

/// interaction.logged vocabularies.
const std::vector<std::string>& InteractionKinds();  ///< call, meeting, email, qbr
const std::vector<std::string>& Directions();        ///< inbound, outbound

}  // namespace slamon::bridge
