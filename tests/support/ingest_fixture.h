// Shared checks for the ingest integration tests: what a topic holds, and
// whether a store holds it exactly once.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "events/codec.h"
#include "events/store/event_store.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {

/// What a topic holds: the ids of its valid events and its malformed messages.
struct TopicTruth {
  std::set<std::string> valid_ids;
  std::map<std::pair<int32_t, int64_t>, events::RejectReason> malformed;  // (partition, offset) -> reason
  size_t messages = 0;
};

inline TopicTruth ReadTruth(const std::string& brokers, const std::string& topic, int partitions) {
  TopicTruth t;
  events::Decoder decoder;
  for (const auto& m : ReadTopic(brokers, topic, partitions)) {
    ++t.messages;
    auto r = decoder.Decode(m.value);
    if (auto* e = std::get_if<events::Event>(&r)) {
      t.valid_ids.insert(e->id);
    } else {
      t.malformed[{m.partition, m.offset}] = std::get<events::Rejection>(r).reason;
    }
  }
  return t;
}

/// Asserts that `store` holds each of `ids` exactly once and nothing else.
inline void ExpectEachIdStoredOnce(const events::EventStore& store, const std::set<std::string>& ids) {
  std::map<std::string, int> seen;
  ASSERT_TRUE(store
                  .ScanEvents([&](const events::StoredEvent& se) {
                    ++seen[se.event.id];
                    return true;
                  })
                  .ok());
  size_t twice = 0, unknown = 0;
  for (const auto& [id, n] : seen) {
    if (n != 1) ++twice;
    if (!ids.count(id)) ++unknown;
  }
  EXPECT_EQ(twice, 0u) << "ids stored more than once";
  EXPECT_EQ(unknown, 0u) << "stored ids that were never produced";
  EXPECT_EQ(seen.size(), ids.size()) << "produced ids missing from the store";
  EXPECT_EQ(store.EventCount(), static_cast<int64_t>(ids.size()));
}

/// Asserts: every valid id stored exactly once, nothing else stored, every
/// malformed message quarantined with its reason, offsets equal partition ends.
inline void ExpectStoreMatches(const std::string& store_path, const std::string& brokers, const std::string& topic,
                               int partitions, const TopicTruth& truth) {
  auto store_or = events::EventStore::Open({.path = store_path, .create_if_missing = false, .read_only = true});
  ASSERT_TRUE(store_or.ok()) << store_or.status().message();
  auto& store = *store_or;
  ExpectEachIdStoredOnce(*store, truth.valid_ids);

  std::map<std::pair<int32_t, int64_t>, events::RejectReason> quarantined;
  ASSERT_TRUE(store
                  ->ScanQuarantine([&](const events::QuarantinedMessage& q) {
                    quarantined[{q.pos.partition, q.pos.offset}] = q.rejection.reason;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(quarantined, truth.malformed) << "quarantine differs from the malformed messages of the topic";

  auto ends = EndOffsets(brokers, topic, partitions);
  for (const auto& [p, end] : ends) {
    int64_t next = store->NextOffset(topic, p);
    EXPECT_EQ(end == 0 ? -1 : end, next) << "partition " << p;
  }
}

}  // namespace slamon::testing
