// Jiandaoyun forms whose records are not tickets: customers (`form:
// accounts`), orders or contracts (`form: orders`) and follow-up visits
// (`form: followups`). Like a ticket form, each push carries the whole
// record; see jiandaoyun_records.cc for what each form maps to.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/bridge/source.h"

namespace slamon::bridge::jiandaoyun {

/// Builds the source of a record form (`form` is accounts, orders or
/// followups) from its section; errors name the key as every source's do.
StatusOr<std::unique_ptr<WebhookSource>> MakeRecordSource(const SourceSection& section, const std::string& form);

/// The record forms' keys as reference sections.
std::vector<config::SectionInfo> RecordReference();

}  // namespace slamon::bridge::jiandaoyun
