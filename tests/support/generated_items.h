// The demo generator's messages as the store receives them from the ingest
// loop, for tests that fill a store without Kafka.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"

namespace slamon::testing {

/// Generator messages as batch items: each at the next offset of its
/// partition of `topic`, decoded into an event or a rejection (which the
/// store quarantines). Deterministic for given options.
class GeneratedItems {
 public:
  /// How messages are spread over the partitions.
  enum class Spread {
    kByKey,       ///< by the hash of the message key (the account), as a Kafka producer would
    kRoundRobin,  ///< message i to partition i % partitions
  };
  GeneratedItems(const events::GeneratorOptions& options, int partitions, std::string topic = "events",
                 Spread spread = Spread::kByKey);

  /// The next `count` messages. With `valid_only`, messages that do not
  /// decode are left out and take no offset.
  std::vector<events::BatchItem> Take(int64_t count, bool valid_only = false);

 private:
  events::Generator gen_;
  events::Decoder decoder_;
  std::string topic_;
  Spread spread_;
  std::vector<int64_t> next_;  // per partition
  int64_t taken_ = 0;
};

/// Appends `items` in batches of `batch_size` (duplicates then cross batch
/// boundaries too); fails the test on an error.
void AppendInBatches(events::EventStore& store, const std::vector<events::BatchItem>& items, size_t batch_size);

}  // namespace slamon::testing
