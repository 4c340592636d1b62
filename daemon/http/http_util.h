// Small pieces of HTTP parsing used by the server, separated from the
// networking so that they are unit-tested directly: request targets, query
// strings, and basic authentication.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace slamon::daemon {

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query
/// strings). Empty when an escape is malformed.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space);

/// Splits an origin-form request target ("/path?a=1&b=x%20y") into the decoded
/// path and query parameters. False when the target is not origin-form or an
/// escape is malformed.
bool ParseTarget(std::string_view target, std::string* path, std::multimap<std::string, std::string>* params);

/// Standard base64 (RFC 4648, padding optional); empty on invalid input.
std::optional<std::string> Base64Decode(std::string_view in);

/// Compares in time that depends only on the lengths, not on where the
/// strings differ, so that a credential cannot be guessed byte by byte.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

/// The decoded "user:password" of an Authorization header value in the basic
/// scheme (scheme name in any case, RFC 7617); empty when it is not one.
std::optional<std::string> BasicCredentials(std::string_view authorization);

/// True when `authorization` (the header value) carries exactly `user` and
/// `password` in the basic scheme; the scheme name is case-insensitive
/// (RFC 7617), the credentials are compared in constant time.
bool BasicAuthMatches(std::string_view authorization, std::string_view user, std::string_view password);

/// `s` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view s);

}  // namespace slamon::daemon
