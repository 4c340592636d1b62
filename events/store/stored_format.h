// The byte layout of a stored event value: a compact binary header holding
// the decoded fields (so replay never re-parses JSON) followed by the
// minified JSON message as received. These bytes are the event's canonical
// bytes for the audit hash chain; changing the layout needs a new version.
#pragma once

#include <string>
#include <string_view>

#include "events/common/status.h"
#include "events/event.h"

namespace slamon::events {

/// Version 3 adds the field set of account.updated; version 2 added the
/// fields of ticket.assigned, order.placed, the survey kind and the ticket
/// category. Values of versions 1 and 2 (stores written before) are still
/// read: the fields they lack take their defaults, and they hold no
/// account.updated (a value claiming one is corrupt).
inline constexpr uint8_t kStoredFormatVersion = 3;
inline constexpr uint8_t kStoredFormatVersionV2 = 2;
inline constexpr uint8_t kStoredFormatVersionV1 = 1;

/// Appends the stored encoding of `event` to `out`.
void EncodeStoredEvent(const Event& event, std::string* out);

/// Decodes a stored value into `event` (reusing its string capacity).
Status DecodeStoredEvent(std::string_view value, Event* event);

/// The event id and account id of a stored value without decoding the rest
/// (views into `value`): for the dedupe table and account filters.
Status PeekStoredIds(std::string_view value, std::string_view* id, std::string_view* account_id);

}  // namespace slamon::events
