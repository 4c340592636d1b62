// The one conversion from a RocksDB status to a slamon Status, used by every
// module of the store (and only there: RocksDB stays inside events/store/).
#pragma once

#include <rocksdb/status.h>

#include <string>
#include <string_view>

#include "events/common/status.h"

namespace slamon::events {

/// OK stays OK; corruption stays corruption (the operator must restore or
/// repair) and not-found stays not-found; everything else is an I/O error. `what` says what was being done.
inline Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  return Status::IoError(std::move(msg));
}

}  // namespace slamon::events
