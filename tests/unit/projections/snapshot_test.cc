// Projection snapshots: as-of results from a snapshot plus the tail
// equal a full replay, for several snapshot positions and as-of times;
// corrupt snapshots fall back to a full replay; LoadState(SaveState()) keeps
// live-mode aggregation; corrupt or truncated state never loads; states of
// the formats before account.updated still load.
#include "projections/snapshot.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/demo/generator.h"
#include "events/store/event_store.h"
#include "events/store/raw_access.h"
#include "projections/accounts/health_projection.h"
#include "projections/core/state_codec.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_projection.h"
#include "tests/support/temp_dir.h"

namespace slamon::projections {
namespace {

constexpr int kPartitions = 4;
constexpr int kBatches = 20;

std::shared_ptr<const SlaConfig> Config() {
  auto config = LoadSlaConfigFile(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  if (!config.ok()) throw std::runtime_error(config.status().message());
  return std::make_shared<const SlaConfig>(config.take());
}

// The projections one replay builds, applied together as the daemon does.
struct Built {
  explicit Built(std::shared_ptr<const SlaConfig> config, bool live = false)
      : sla(std::move(config), SlaProjection::Options{.live = live}) {}
  SlaProjection sla;
  HealthProjection health;
  CsatResponseCounts csat;
  int64_t events = 0;
  int64_t max_occurred_at = 0;

  ReplayTargets targets() { return {&sla, &health, &csat}; }
  std::function<void(const events::Event&)> apply() {
    return [this](const events::Event& e) {
      sla.Apply(e);
      health.Apply(e);
      if (e.IsCsatAnswer()) ++csat[{"t", e.account_id, e.score >= 4}];
      ++events;
      max_occurred_at = std::max(max_occurred_at, e.occurred_at);
    };
  }
};

class SnapshotTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    config_ = new std::shared_ptr<const SlaConfig>(Config());
    events::GeneratorOptions options;
    options.accounts = 40;
    options.seed = 23;
    options.seconds_per_event = 1200;  // about 80 days: windows and deadlines matter
    options.lifecycle_scale = 1;
    options.malformed_fraction = 0.01;
    options.duplicate_fraction = 0.02;
    events::Generator gen(options);
    events::Decoder decoder;
    batches_ = new std::vector<std::vector<events::BatchItem>>(kBatches);
    std::vector<int64_t> next(kPartitions, 0);
    for (int i = 0; i < 6000; ++i) {
      const events::GeneratedMessage m = gen.Next();
      const auto partition = static_cast<int32_t>(std::hash<std::string>{}(m.key) % kPartitions);
      events::BatchItem item;
      item.pos = {"events", partition, next[static_cast<size_t>(partition)]++};
      auto decoded = decoder.Decode(m.value);
      if (auto* e = std::get_if<events::Event>(&decoded)) {
        min_time_ = std::min(min_time_, e->occurred_at);
        max_time_ = std::max(max_time_, e->occurred_at);
        item.event = std::move(*e);
      } else {
        item.rejection = std::get<events::Rejection>(decoded);
      }
      (*batches_)[static_cast<size_t>(i * kBatches / 6000)].push_back(std::move(item));
    }
  }
  static void TearDownTestSuite() {
    delete batches_;
    delete config_;
  }

  std::unique_ptr<events::EventStore> OpenStore(const std::string& path) {
    auto store = events::EventStore::Open({.path = path, .sync = false});
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? store.take() : nullptr;
  }

  static void Append(events::EventStore* store, int first, int last) {
    for (int b = first; b < last; ++b) {
      events::AppendResult r;
      ASSERT_TRUE(store->AppendBatch((*batches_)[static_cast<size_t>(b)], &r).ok());
    }
  }

  static std::unique_ptr<Built> FullReplay(const events::EventStore& store) {
    auto built = std::make_unique<Built>(*config_);
    auto apply = built->apply();
    EXPECT_TRUE(store
                    .ScanEvents([&](const events::StoredEvent& se) {
                      apply(se.event);
                      return true;
                    })
                    .ok());
    return built;
  }

  // A snapshot of the store as it is now, built the daemon's way: the latest
  // snapshot plus the tail (so snapshots chain), then serialized.
  static SnapshotInfo TakeSnapshot(const events::EventStore& store) {
    Built built(*config_);
    RestoreResult result;
    EXPECT_TRUE(Restore(store, true, built.targets(), built.apply(), &result).ok());
    Snapshot snap = MakeSnapshot(built.targets(), store.AllOffsets(), result.snapshot_events + result.tail_events,
                                 result.max_occurred_at, 1);
    EXPECT_TRUE(WriteSnapshot(store, &snap, 100).ok());
    return snap.info;
  }

  std::vector<int64_t> AsOfs() const {
    const int64_t span = max_time_ - min_time_;
    return {min_time_ - 1,     min_time_ + span / 4,   min_time_ + span / 2, min_time_ + span * 3 / 4,
            max_time_ + 86400, max_time_ + 100 * 86400};
  }

  // Every as-of answer of `got` equals `want`'s.
  void ExpectSameAnswers(const Built& want, const Built& got) {
    EXPECT_EQ(got.sla.ticket_count(), want.sla.ticket_count());
    EXPECT_EQ(got.sla.account_count(), want.sla.account_count());
    EXPECT_EQ(got.csat, want.csat);
    for (int64_t as_of : AsOfs()) {
      SCOPED_TRACE("as_of " + events::FormatRfc3339(as_of));
      const auto want_sla = want.sla.Evaluate(as_of);
      const auto got_sla = got.sla.Evaluate(as_of);
      ASSERT_EQ(got_sla.size(), want_sla.size());
      for (size_t i = 0; i < want_sla.size(); ++i) ASSERT_EQ(got_sla[i], want_sla[i]) << "record " << i;
      EXPECT_EQ(got.health.EvaluateAccounts(as_of, got_sla), want.health.EvaluateAccounts(as_of, want_sla));
      const auto churn_want = want.health.Churn(as_of), churn_got = got.health.Churn(as_of);
      EXPECT_EQ(churn_got.churned, churn_want.churned);
      EXPECT_EQ(churn_got.live, churn_want.live);
      EXPECT_EQ(got.health.csat().ByTier(as_of, kCsatWindow30d, got.health.accounts()),
                want.health.csat().ByTier(as_of, kCsatWindow30d, want.health.accounts()));
      EXPECT_EQ(got.health.csat().ByOwner(as_of, kCsatWindow90d, got.health.accounts()),
                want.health.csat().ByOwner(as_of, kCsatWindow90d, want.health.accounts()));
      // One account, through the account filters.
      const std::string account = "acct-0007";
      EXPECT_EQ(got.sla.Evaluate(as_of, account), want.sla.Evaluate(as_of, account));
      EXPECT_EQ(got.health.EvaluateAccounts(as_of, got.sla.Evaluate(as_of, account), account),
                want.health.EvaluateAccounts(as_of, want.sla.Evaluate(as_of, account), account));
    }
  }

  static std::shared_ptr<const SlaConfig>* config_;
  static std::vector<std::vector<events::BatchItem>>* batches_;
  static int64_t min_time_, max_time_;
  ::slamon::testing::TempDir dir_;
};

std::shared_ptr<const SlaConfig>* SnapshotTest::config_ = nullptr;
std::vector<std::vector<events::BatchItem>>* SnapshotTest::batches_ = nullptr;
int64_t SnapshotTest::min_time_ = INT64_MAX;
int64_t SnapshotTest::max_time_ = INT64_MIN;

TEST_F(SnapshotTest, SnapshotPlusTailEqualsFullReplayAtSeveralPositions) {
  auto store = OpenStore(dir_.Sub("store"));
  ASSERT_NE(store, nullptr);
  // Snapshots after 0 %, 30 %, 70 % and 100 % of the batches.
  std::vector<SnapshotInfo> taken;
  int appended = 0;
  for (int upto : {0, kBatches * 3 / 10, kBatches * 7 / 10, kBatches}) {
    Append(store.get(), appended, upto);
    appended = upto;
    taken.push_back(TakeSnapshot(*store));
    EXPECT_EQ(taken.back().events, store->EventCount());
    EXPECT_EQ(taken.back().offsets, store->AllOffsets());
  }
  ASSERT_GT(store->EventCount(), 5000);
  const auto full = FullReplay(*store);
  ASSERT_GT(full->sla.ticket_count(), 100u);
  ASSERT_FALSE(full->csat.empty());

  for (const SnapshotInfo& info : taken) {
    SCOPED_TRACE("snapshot of " + std::to_string(info.events) + " events");
    auto snap = ReadSnapshot(*store, info.seq);
    ASSERT_TRUE(snap.ok()) << snap.status().message();
    Built built(*config_);
    ASSERT_TRUE(built.sla.LoadState(snap->sections.at("sla")).ok());
    ASSERT_TRUE(built.health.LoadState(snap->sections.at("health")).ok());
    ASSERT_TRUE(LoadCsatResponses(snap->sections.at("csat_responses"), &built.csat).ok());
    int64_t tail = 0;
    auto apply = built.apply();
    ASSERT_TRUE(ScanTail(
                    *store, snap->info.offsets, [&](const events::StoredEvent& se) { apply(se.event); }, &tail)
                    .ok());
    EXPECT_EQ(info.events + tail, store->EventCount());
    ExpectSameAnswers(*full, built);
  }

  // Restore() starts from the newest snapshot (an empty tail here); without
  // snapshots it rebuilds from zero; both equal the full replay.
  for (bool use_snapshot : {true, false}) {
    Built built(*config_);
    RestoreResult result;
    ASSERT_TRUE(Restore(*store, use_snapshot, built.targets(), built.apply(), &result).ok());
    EXPECT_EQ(result.snapshot.has_value(), use_snapshot);
    EXPECT_EQ(result.tail_events, use_snapshot ? 0 : store->EventCount());
    EXPECT_EQ(result.max_occurred_at, full->max_occurred_at);
    ExpectSameAnswers(*full, built);
  }
}

TEST_F(SnapshotTest, KeepsTheNewestAndRestoresFromThemWithATail) {
  auto store = OpenStore(dir_.Sub("store"));
  ASSERT_NE(store, nullptr);
  Append(store.get(), 0, 5);
  ASSERT_GT(TakeSnapshot(*store).seq, 0u);
  Append(store.get(), 5, 9);
  const SnapshotInfo mid = TakeSnapshot(*store);
  Append(store.get(), 9, 12);

  // The newest snapshot plus a real tail.
  {
    const auto full = FullReplay(*store);
    Built built(*config_);
    RestoreResult result;
    ASSERT_TRUE(Restore(*store, true, built.targets(), built.apply(), &result).ok());
    ASSERT_TRUE(result.snapshot.has_value());
    EXPECT_EQ(result.snapshot->seq, mid.seq);
    EXPECT_GT(result.tail_events, 0);
    EXPECT_EQ(result.snapshot_events + result.tail_events, store->EventCount());
    ExpectSameAnswers(*full, built);
  }

  // keep = 2 deletes the oldest; an empty snapshot covers no partition.
  Built empty(*config_);
  Snapshot snap = MakeSnapshot(empty.targets(), {}, 0, 0, 1);
  ASSERT_TRUE(WriteSnapshot(*store, &snap, 2).ok());
  auto list = ListSnapshots(*store);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(list->front().seq, mid.seq);
  EXPECT_EQ(list->back().seq, snap.info.seq);

  Append(store.get(), 12, kBatches);
  const auto full = FullReplay(*store);
  Built from_empty(*config_);
  RestoreResult result;
  ASSERT_TRUE(Restore(*store, true, from_empty.targets(), from_empty.apply(), &result).ok());
  ASSERT_TRUE(result.snapshot.has_value());
  EXPECT_EQ(result.snapshot->seq, snap.info.seq);
  EXPECT_EQ(result.tail_events, store->EventCount());  // all of it is tail
  ExpectSameAnswers(*full, from_empty);

  const SnapshotInfo last = TakeSnapshot(*store);
  EXPECT_EQ(last.events, store->EventCount());
  Built from_last(*config_);
  ASSERT_TRUE(Restore(*store, true, from_last.targets(), from_last.apply(), &result).ok());
  EXPECT_EQ(result.snapshot->seq, last.seq);
  EXPECT_EQ(result.tail_events, 0);
  ExpectSameAnswers(*full, from_last);
}

TEST_F(SnapshotTest, CorruptSnapshotFallsBackToFullReplay) {
  auto store = OpenStore(dir_.Sub("store"));
  ASSERT_NE(store, nullptr);
  Append(store.get(), 0, kBatches / 2);
  const SnapshotInfo info = TakeSnapshot(*store);
  Append(store.get(), kBatches / 2, kBatches);
  const auto full = FullReplay(*store);
  rocksdb::ColumnFamilyHandle* cf = events::RawStoreAccess::Family(*store, events::Cf::kSnapshot);

  // Flip one byte in the middle of the first data chunk, then in the header.
  std::string key(12, '\0');
  key[7] = static_cast<char>(info.seq);
  for (char part : {1, 0}) {
    key[11] = part;
    std::string value;
    ASSERT_TRUE(events::RawStoreAccess::Db(*store)->Get(rocksdb::ReadOptions(), cf, key, &value).ok());
    value[value.size() / 2] = static_cast<char>(value[value.size() / 2] ^ 0x5a);
    ASSERT_TRUE(events::RawStoreAccess::Db(*store)->Put(rocksdb::WriteOptions(), cf, key, value).ok());
    EXPECT_FALSE(ReadSnapshot(*store, info.seq).ok());

    Built built(*config_);
    RestoreResult result;
    ASSERT_TRUE(Restore(*store, true, built.targets(), built.apply(), &result).ok());
    EXPECT_FALSE(result.snapshot.has_value());
    EXPECT_EQ(result.tail_events, store->EventCount());
    ExpectSameAnswers(*full, built);
  }
}

TEST_F(SnapshotTest, LiveModeAggregationSurvivesARoundTrip) {
  auto store = OpenStore(dir_.Sub("store"));
  ASSERT_NE(store, nullptr);
  Append(store.get(), 0, kBatches);
  Built original(*config_, true);
  auto apply = original.apply();
  ASSERT_TRUE(store->ScanEvents([&](const events::StoredEvent& se) { return apply(se.event), true; }).ok());
  std::string sla_state, health_state;
  original.sla.SaveState(&sla_state);
  original.health.SaveState(&health_state);

  Built restored(*config_, true);
  ASSERT_TRUE(restored.sla.LoadState(sla_state).ok());
  ASSERT_TRUE(restored.health.LoadState(health_state).ok());
  // Saving the restored state gives the same bytes.
  std::string again;
  restored.sla.SaveState(&again);
  EXPECT_EQ(again, sla_state);
  again.clear();
  restored.health.SaveState(&again);
  EXPECT_EQ(again, health_state);

  for (int64_t now : AsOfs()) {
    if (now < min_time_) continue;
    original.sla.AdvanceTo(now);
    restored.sla.AdvanceTo(now);
    EXPECT_EQ(restored.sla.Snapshot(), original.sla.Snapshot()) << events::FormatRfc3339(now);
  }
  EXPECT_FALSE(original.sla.Snapshot().completed.empty());
  // Live mode keeps working after the restore: the same new events move both alike.
  events::Event late;
  late.id = "late-1";
  late.type = events::EventType::kTicketOpened;
  late.occurred_at = max_time_ + 100 * 86400 + 1;
  late.account_id = "acct-0001";
  late.ticket_id = "T-late";
  late.priority = events::Priority::kUrgent;
  original.sla.Apply(late);
  restored.sla.Apply(late);
  original.sla.AdvanceTo(late.occurred_at + 86400);
  restored.sla.AdvanceTo(late.occurred_at + 86400);
  EXPECT_EQ(restored.sla.Snapshot(), original.sla.Snapshot());
}

TEST_F(SnapshotTest, CorruptOrTruncatedStateNeverLoads) {
  auto store = OpenStore(dir_.Sub("store"));
  ASSERT_NE(store, nullptr);
  Append(store.get(), 0, 3);
  const auto full = FullReplay(*store);
  std::string sla_state, health_state, csat_state;
  full->sla.SaveState(&sla_state);
  full->health.SaveState(&health_state);
  SaveCsatResponses(full->csat, &csat_state);

  // Every truncation is rejected and leaves the projection empty.
  for (size_t len = 0; len < sla_state.size(); len += 1 + len / 16) {
    SlaProjection sla(*config_);
    EXPECT_FALSE(sla.LoadState(std::string_view(sla_state).substr(0, len)).ok()) << len;
    EXPECT_EQ(sla.ticket_count(), 0u);
    EXPECT_EQ(sla.account_count(), 0u);
  }
  for (size_t len = 0; len < health_state.size(); len += 1 + len / 16) {
    HealthProjection health;
    EXPECT_FALSE(health.LoadState(std::string_view(health_state).substr(0, len)).ok()) << len;
    EXPECT_EQ(health.accounts().size(), 0u);
  }
  for (size_t len = 0; len < csat_state.size(); ++len) {
    CsatResponseCounts counts;
    EXPECT_FALSE(LoadCsatResponses(std::string_view(csat_state).substr(0, len), &counts).ok()) << len;
  }
  // Flipped bytes either fail cleanly or load something self-consistent; never a crash.
  int rejected = 0;
  for (size_t i = 0; i < sla_state.size(); i += 7) {
    std::string bad = sla_state;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    SlaProjection sla(*config_);
    if (!sla.LoadState(bad).ok()) {
      ++rejected;
      continue;
    }
    (void)sla.Evaluate(max_time_);
  }
  EXPECT_GT(rejected, 0);
  rejected = 0;
  for (size_t i = 0; i < health_state.size(); i += 7) {
    std::string bad = health_state;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    HealthProjection health;
    if (!health.LoadState(bad).ok()) {
      ++rejected;
      continue;
    }
    (void)health.EvaluateAccounts(max_time_, {});
    (void)health.Churn(max_time_);
  }
  EXPECT_GT(rejected, 0);
  // Trailing garbage and a second load are refused.
  SlaProjection sla(*config_);
  EXPECT_FALSE(sla.LoadState(sla_state + "x").ok());
  ASSERT_TRUE(sla.LoadState(sla_state).ok());
  EXPECT_FALSE(sla.LoadState(sla_state).ok());
  EXPECT_EQ(sla.Evaluate(max_time_), full->sla.Evaluate(max_time_));
}

// Snapshots written before account.updated existed (SLA state format 2,
// health state format 2) load: every change in them is an upsert, whose time
// becomes the time of each field.
TEST(SnapshotFormatTest, StatesWithoutUpdatesStillLoad) {
  const int64_t t0 = 1793491200;  // 2026-11-01T00:00:00Z
  auto config = std::make_shared<const SlaConfig>(
      LoadSlaConfigText("policies:\n  - name: tier-a\n    match: {tier: [A]}\n    targets: {first_response: 1h}\n",
                        "t.yaml")
          .take());
  // SLA format 2, written field by field: tiers, owners, names, one account
  // with one upsert (tier A, owner li), one ticket opened after it.
  std::string sla_state;
  detail::StateWriter w(&sla_state);
  w.Header("SLAP", 2);
  for (const std::vector<std::string>& table :
       std::vector<std::vector<std::string>>{{"unknown", "A"}, {"", "li"}, {""}}) {
    w.Varint(table.size());
    for (const std::string& entry : table) w.String(entry);
  }
  std::string_view prev_account, prev_upsert, prev_ticket, prev_event;
  w.Varint(1);  // accounts
  w.Prefixed("acme", &prev_account);
  w.Varint(1);  // upserts: Δt, id, tier, owner, team, calendar
  w.Signed(t0);
  w.Prefixed("e-1", &prev_upsert);
  for (uint64_t v : {1, 1, 0, 0}) w.Varint(v);
  w.Varint(1);  // tickets
  w.Prefixed("T-1", &prev_ticket);
  w.Varint(1);  // events: Δt, type, value, account + 1, name, id
  w.Signed(3600);
  w.Byte(static_cast<uint8_t>(events::EventType::kTicketOpened));
  w.Byte(static_cast<uint8_t>(events::Priority::kHigh));
  w.Varint(1);
  w.Varint(0);
  w.Prefixed("e-2", &prev_event);
  SlaProjection sla(config);
  ASSERT_TRUE(sla.LoadState(sla_state).ok());
  const auto records = sla.Evaluate(t0 + 86400);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].tier, "A");
  EXPECT_EQ(records[0].policy, "tier-a");
  EXPECT_EQ(sla.OwnerOf("acme"), "li");
  // An update after the snapshot applies on top of the loaded upsert.
  events::Event update;
  update.id = "e-3";
  update.type = events::EventType::kAccountUpdated;
  update.occurred_at = t0 + 7200;
  update.account_id = "acme";
  update.owner = "maria";
  update.fields = events::FieldBit(events::AccountField::kOwner);
  sla.Apply(update);
  EXPECT_EQ(sla.OwnerOf("acme"), "maria");

  // Health format 2 equals format 3 without update entries, but for the version byte.
  HealthProjection health;
  events::Event upsert;
  upsert.id = "e-1";
  upsert.type = events::EventType::kAccountUpserted;
  upsert.occurred_at = t0;
  upsert.account_id = "acme";
  upsert.tier = "A";
  upsert.owner = "li";
  upsert.renewal_date = "2027-01-31";
  health.Apply(upsert);
  std::string health_state;
  health.SaveState(&health_state);
  ASSERT_EQ(health_state.substr(0, 4), "SLAH");
  health_state[4] = 2;
  HealthProjection old;
  ASSERT_TRUE(old.LoadState(health_state).ok());
  auto state = old.accounts().At("acme", t0 + 86400);
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->known);
  EXPECT_EQ(state->attributes.owner, "li");
  for (const auto& t : state->set_at) EXPECT_EQ(t, t0);
  old.Apply(update);
  EXPECT_EQ(old.accounts().At("acme", t0 + 86400)->attributes.owner, "maria");
  EXPECT_EQ(old.accounts().At("acme", t0 + 86400)->attributes.renewal_date, "2027-01-31");
  // A format-2 state cannot hold an update entry; format 1 is not read.
  health.Apply(update);
  health_state.clear();
  health.SaveState(&health_state);
  health_state[4] = 2;
  EXPECT_FALSE(HealthProjection().LoadState(health_state).ok());
  health_state[4] = 1;
  EXPECT_FALSE(HealthProjection().LoadState(health_state).ok());
}

}  // namespace
}  // namespace slamon::projections
