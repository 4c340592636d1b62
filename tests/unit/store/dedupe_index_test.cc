// The in-memory dedupe table: packed positions round-trip, and ids whose
// position does not pack or whose fingerprint is taken are kept exactly.
#include "events/store/dedupe_index.h"

#include <gtest/gtest.h>

namespace slamon::events::detail {
namespace {

TEST(DedupeIndex, PackedPositionsRoundTrip) {
  DedupeIndex index;
  const EventRef ref{3, 4095, (int64_t{1} << 40) - 1};
  index.Insert("a", DedupeIndex::Fingerprint("a"), ref);
  auto got = index.Candidate(DedupeIndex::Fingerprint("a"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->topic, 3);
  EXPECT_EQ(got->partition, 4095);
  EXPECT_EQ(got->offset, (int64_t{1} << 40) - 1);
  EXPECT_FALSE(index.ContainsExact("a"));
  EXPECT_FALSE(index.Candidate(DedupeIndex::Fingerprint("b")).has_value());
}

TEST(DedupeIndex, UnpackablePositionsAndTakenFingerprintsAreKeptExactly) {
  DedupeIndex index;
  index.Insert("far", DedupeIndex::Fingerprint("far"), {0, 5000, 7});  // partition beyond 12 bits
  EXPECT_TRUE(index.ContainsExact("far"));
  EXPECT_FALSE(index.Candidate(DedupeIndex::Fingerprint("far")).has_value());
  // Two ids under one fingerprint (forced): the second goes to the side table.
  index.Insert("first", 42, {0, 1, 1});
  index.Insert("second", 42, {0, 1, 2});
  EXPECT_EQ(index.Candidate(42)->offset, 1);
  EXPECT_TRUE(index.ContainsExact("second"));
  EXPECT_FALSE(index.ContainsExact("first"));
  EXPECT_EQ(index.size(), 3u);
  EXPECT_GT(index.MemoryBytes(), 0u);
}

TEST(DedupeIndex, EventRefOfAKey) {
  const EventRef ref = EventRef::OfKey(EventKey(2, 9, 123456789));
  EXPECT_EQ(ref.topic, 2);
  EXPECT_EQ(ref.partition, 9);
  EXPECT_EQ(ref.offset, 123456789);
}

}  // namespace
}  // namespace slamon::events::detail
