// What every Jiandaoyun (简道云) form's data push shares, whatever the form
// holds (tickets, accounts, orders, follow-ups): the signature check, the
// envelope {"op", "data": the whole record}, and reading a widget's value.
// Pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/bridge/source.h"

namespace slamon::bridge::jiandaoyun {

/// Checks X-JDY-Signature = hex SHA-1 of "nonce:body:secret:timestamp", with
/// nonce and timestamp from the query string, in constant time, for each of
/// `secrets`: true with the position of the one that verified in `*matched`.
bool Verify(const WebhookRequest& request, const std::vector<std::string>& secrets, SourceError* error,
            size_t* matched);

/// One data push of a record.
struct Push {
  std::string op;          ///< data_create, data_update, data_remove, data_recover
  nlohmann::json data;     ///< the whole record
  std::string record;      ///< data._id
  std::string delivery;    ///< X-JDY-DeliverId
  std::string created_at;  ///< data.createTime, normalised
  std::string changed_at;  ///< data.updateTime, else createTime
};

/// Parses the envelope. False with kBadPayload when the body is not a data
/// push; true with `*mapped` false for ops that carry nothing to map
/// (data_remove and the like); for data_create and data_update, false with
/// kUnmappable when the delivery id, the record id or createTime is missing.
bool ParsePush(const WebhookRequest& request, Push* push, bool* mapped, SourceError* error);

/// A widget's value as text: a string as it is, a number in its JSON
/// spelling (decimals too), a member or department widget (an object) by
/// its `name`; "" when absent, null, a list (a multi-select) or another shape.
std::string WidgetText(const nlohmann::json& data, const std::string& widget);

/// A member widget's `username` (the member's stable id; its `name` is a
/// display name that may repeat); a plain text widget as it is.
std::string MemberId(const nlohmann::json& data, const std::string& widget);

/// The form kinds a `jiandaoyun` source's `form:` names.
const std::vector<std::string>& FormKinds();  ///< tickets, accounts, orders, followups

}  // namespace slamon::bridge::jiandaoyun
