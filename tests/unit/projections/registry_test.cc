// The registered projections (projections/registry.h): the set the daemon's
// host drives writes snapshots byte for byte like the per-projection code
// path (so snapshots of either load in the other), restores all or nothing,
// and re-judging under the same configs keeps every state.
#include "projections/registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "projections/snapshot.h"
#include "tests/support/generated_items.h"
#include "tests/support/temp_dir.h"

namespace slamon::projections {
namespace {

using testing::TempDir;

ProjectionConfigs Configs(bool live = true) {
  auto sla = LoadSlaConfigFile(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  if (!sla.ok()) throw std::runtime_error(sla.status().message());
  return {.sla = std::make_shared<const SlaConfig>(sla.take()),
          .health = std::make_shared<const HealthConfig>(),
          .live = live};
}

// A store with generated events (some malformed, some duplicates) in two partitions.
std::unique_ptr<events::EventStore> FilledStore(const std::string& path) {
  auto store = events::EventStore::Open({.path = path, .sync = false});
  if (!store.ok()) throw std::runtime_error(store.status().message());
  events::GeneratorOptions options;
  options.accounts = 20;
  options.seed = 7;
  options.seconds_per_event = 900;
  options.lifecycle_scale = 1;
  const std::vector<events::BatchItem> batch = testing::GeneratedItems(options, 2).Take(2000);
  events::AppendResult r;
  if (Status s = (*store)->AppendBatch(batch, &r); !s.ok()) throw std::runtime_error(s.message());
  return store.take();
}

// The projections as the daemon held them one by one, before the registry.
struct Separate {
  explicit Separate(const ProjectionConfigs& c)
      : sla(c.sla, SlaProjection::Options{.live = c.live}), health(*c.health) {}
  void Apply(const events::Event& e) {
    sla.Apply(e);
    health.Apply(e);
    if (e.IsCsatAnswer()) {
      auto state = health.accounts().At(e.account_id, e.occurred_at);
      ++csat[{state ? state->attributes.tier : "unknown", state ? state->attributes.owner : "", e.score >= 4}];
    }
  }
  ReplayTargets targets() { return {&sla, &health, &csat}; }
  SlaProjection sla;
  HealthProjection health;
  CsatResponseCounts csat;
};

TEST(RegistryTest, RegistersTheSnapshotSectionsInApplyOrder) {
  ProjectionSet set(Configs());
  std::vector<std::string> names;
  for (const auto& p : set.all()) names.emplace_back(p->name());
  EXPECT_EQ(names, (std::vector<std::string>{"sla", "health", "csat_responses", "trends"}));
  EXPECT_EQ(set.Find("health"), set.all()[1].get());
  EXPECT_EQ(set.Find("nope"), nullptr);
}

TEST(RegistryTest, SnapshotsAreByteForByteThoseOfTheSeparateProjections) {
  TempDir dir;
  auto store = FilledStore(dir.path() + "/store");
  const ProjectionConfigs configs = Configs();
  ProjectionSet set(configs);
  Separate separate(configs);
  int64_t csat_answers = 0;
  ASSERT_TRUE(store
                  ->ScanEvents([&](const events::StoredEvent& se) {
                    set.Apply(se.event);
                    separate.Apply(se.event);
                    csat_answers += se.event.IsCsatAnswer() ? 1 : 0;
                    return true;
                  })
                  .ok());
  ASSERT_GT(csat_answers, 0) << "the generator should answer surveys";
  const Snapshot a = MakeSnapshot(set, store->AllOffsets(), 1, 2, 3);
  const Snapshot b = MakeSnapshot(separate.targets(), store->AllOffsets(), 1, 2, 3);
  ASSERT_EQ(a.sections.size(), 4u);
  // The trends are derived from the others: their section is a header only.
  EXPECT_EQ(a.sections.at("trends"), std::string("SLTR\x01", 5));
  Snapshot without_trends = a;
  without_trends.sections.erase("trends");
  EXPECT_TRUE(without_trends.sections == b.sections);
  EXPECT_EQ(set.csat_responses(), separate.csat);
}

TEST(RegistryTest, RestoresASnapshotOfTheSeparateProjectionsAndTheReverse) {
  TempDir dir;
  auto store = FilledStore(dir.path() + "/store");
  const ProjectionConfigs configs = Configs();
  Separate written(configs);
  RestoreResult result;
  ASSERT_TRUE(Restore(
                  *store, true, written.targets(), [&](const events::Event& e) { written.Apply(e); }, &result)
                  .ok());
  Snapshot snap = MakeSnapshot(written.targets(), store->AllOffsets(), result.tail_events, result.max_occurred_at, 1);
  ASSERT_TRUE(WriteSnapshot(*store, &snap, 3).ok());

  // Without the trends section (a snapshot written before it existed) the
  // set cannot start from it: it replays the store once.
  ProjectionSet replayed(configs);
  ASSERT_TRUE(Restore(
                  *store, true, &replayed, [&](const events::Event& e) { replayed.Apply(e); }, &result)
                  .ok());
  EXPECT_FALSE(result.snapshot.has_value());
  EXPECT_EQ(result.tail_events, static_cast<int64_t>(store->EventCount()));

  // With it (a header: the trends are derived) the set starts from it.
  snap.sections["trends"] = std::string("SLTR\x01", 5);
  ASSERT_TRUE(WriteSnapshot(*store, &snap, 3).ok());
  ProjectionSet set(configs);
  ASSERT_TRUE(Restore(
                  *store, true, &set, [&](const events::Event& e) { set.Apply(e); }, &result)
                  .ok());
  ASSERT_TRUE(result.snapshot.has_value());
  EXPECT_EQ(result.tail_events, 0);
  const int64_t as_of = result.max_occurred_at + 3600;
  replayed.AdvanceTo(as_of);
  set.AdvanceTo(as_of);
  EXPECT_EQ(set.sla().Snapshot(), replayed.sla().Snapshot());
  EXPECT_TRUE(set.trends().Aggregates() == replayed.trends().Aggregates());
  EXPECT_FALSE(set.trends().Aggregates().empty());
  EXPECT_EQ(set.sla().Evaluate(as_of), written.sla.Evaluate(as_of));
  EXPECT_EQ(set.health().EvaluateAccounts(as_of, set.sla().Evaluate(as_of)),
            written.health.EvaluateAccounts(as_of, written.sla.Evaluate(as_of)));
  EXPECT_EQ(set.csat_responses(), written.csat);

  Snapshot again = MakeSnapshot(set, store->AllOffsets(), 0, 0, 1);
  Separate read(configs);
  ASSERT_TRUE(WriteSnapshot(*store, &again, 3).ok());
  ASSERT_TRUE(Restore(
                  *store, true, read.targets(), [&](const events::Event& e) { read.Apply(e); }, &result)
                  .ok());
  ASSERT_TRUE(result.snapshot.has_value());
  EXPECT_EQ(result.snapshot->seq, again.info.seq);
  EXPECT_EQ(read.csat, written.csat);
  EXPECT_EQ(read.sla.Evaluate(as_of), written.sla.Evaluate(as_of));
}

TEST(RegistryTest, ACorruptSectionLeavesTheSetEmptyAndReplaysEverything) {
  TempDir dir;
  auto store = FilledStore(dir.path() + "/store");
  const ProjectionConfigs configs = Configs();
  ProjectionSet full(configs);
  ASSERT_TRUE(store
                  ->ScanEvents([&](const events::StoredEvent& se) {
                    full.Apply(se.event);
                    return true;
                  })
                  .ok());
  Snapshot snap = MakeSnapshot(full, store->AllOffsets(), 1, 0, 1);
  // The last section loaded is damaged: the ones before it must not stay loaded.
  snap.sections["csat_responses"] = "garbage";
  ASSERT_TRUE(WriteSnapshot(*store, &snap, 3).ok());

  ProjectionSet set(configs);
  RestoreResult result;
  ASSERT_TRUE(Restore(
                  *store, true, &set, [&](const events::Event& e) { set.Apply(e); }, &result)
                  .ok());
  EXPECT_FALSE(result.snapshot.has_value());
  EXPECT_EQ(result.tail_events, static_cast<int64_t>(store->EventCount()));
  const int64_t as_of = result.max_occurred_at;
  EXPECT_EQ(set.sla().Evaluate(as_of), full.sla().Evaluate(as_of)) << "applied once, not on top of the snapshot";
  EXPECT_EQ(set.csat_responses(), full.csat_responses());
}

TEST(RegistryTest, RejudgedUnderTheSameConfigsKeepsEveryState) {
  TempDir dir;
  auto store = FilledStore(dir.path() + "/store");
  ProjectionSet set(Configs());
  ASSERT_TRUE(store
                  ->ScanEvents([&](const events::StoredEvent& se) {
                    set.Apply(se.event);
                    return true;
                  })
                  .ok());
  auto rejudged = set.Rejudged(set.configs());
  ASSERT_TRUE(rejudged.ok()) << rejudged.status().message();
  EXPECT_TRUE(MakeSnapshot(**rejudged, {}, 0, 0, 1).sections == MakeSnapshot(set, {}, 0, 0, 1).sections);
}

}  // namespace
}  // namespace slamon::projections
