// Shared by the offline CLI commands (replay, accounts, report): stdout
// writing, aligned tables, config loading, replaying a store (or one account).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "events/store/event_store.h"
#include "projections/accounts/health_config.h"
#include "projections/sla/sla_config.h"

namespace slamon::daemon {

/// Writes `s` to stdout as is.
void WriteStdout(const std::string& s);

/// Prints rows (the first is the header) as left-aligned columns two spaces apart.
void PrintAligned(const std::vector<std::vector<std::string>>& rows);

/// Appends one line per record with `append(record, &buffer)` and writes it
/// out in chunks, so memory stays bounded by the records, not the text.
template <typename Record, typename AppendFn>
void PrintJsonl(const std::vector<Record>& records, AppendFn append) {
  std::string out;
  for (const auto& r : records) {
    append(r, &out);
    if (out.size() > (1u << 16)) {
      WriteStdout(out);
      out.clear();
    }
  }
  WriteStdout(out);
}

/// Opens the store read-only and feeds every event (or one account's, from
/// a scan that decodes only that account's events) to `apply`.
Status ReplayStore(const std::string& store_path, const std::string& account,
                   const std::function<void(const events::Event&)>& apply);

/// Loads the SLA and health sections of one config file (one parse, so both
/// report the same file and line numbers). A refusal is an invalid-argument
/// Status "file:line: field: reason".
Status LoadProjectionConfigs(const std::string& path, std::shared_ptr<const projections::SlaConfig>* sla,
                             projections::HealthConfig* health);

/// Parses an --as-of style option: an RFC 3339 timestamp with offset.
StatusOr<int64_t> ParseInstantOption(const std::string& option, const std::string& value);

}  // namespace slamon::daemon
