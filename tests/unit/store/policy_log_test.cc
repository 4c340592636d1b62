// The policy log in a real RocksDB store (append, read back, read-only,
// fingerprints) and the canonical policy text: what changes a fingerprint and
// what does not.
#include "events/store/policy_log.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "events/store/event_store.h"
#include "projections/policy_history.h"
#include "tests/support/temp_dir.h"

namespace slamon {
namespace {

using events::PolicyVersion;
using testing::TempDir;

std::unique_ptr<events::EventStore> OpenStore(const std::string& path, bool read_only = false) {
  auto s = events::EventStore::Open({.path = path, .create_if_missing = !read_only, .read_only = read_only});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.take() : nullptr;
}

std::string Canonical(const std::string& yaml) { return projections::CanonicalPolicyText(YAML::Load(yaml)); }
std::string Fingerprint(const std::string& yaml) { return events::PolicyFingerprint(Canonical(yaml)); }

constexpr const char* kConfig = R"(
store: {path: /tmp/a}
kafka: {brokers: "127.0.0.1:9092", topics: [t]}
calendars:
  - name: cn-business
    timezone: Asia/Shanghai
    hours: {mon: ["09:00-18:00"], tue: ["09:00-18:00"]}
    holidays: ["2026-10-01"]
policies:
  - name: tier-a
    match: {tier: [A], priority: [high, urgent]}
    calendar: cn-business
    targets: {first_response: 1h, resolution: 8h}
  - name: default
    targets: {first_response: 4h}
health:
  weights: {csat: 0.35, sla: 0.30}
)";

TEST(PolicyLogTest, FingerprintIsSha256Hex) {
  EXPECT_EQ(events::PolicyFingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(events::PolicyFingerprint(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PolicyLogTest, AppendAndReadBackAcrossReopen) {
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    auto store = OpenStore(path);
    ASSERT_TRUE(store);
    auto empty = events::ReadPolicyLog(*store);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
    auto v1 = events::AppendPolicyVersion(store.get(), "policies: []\n", 1000);
    ASSERT_TRUE(v1.ok()) << v1.status().message();
    EXPECT_EQ(v1->version, 1u);
    EXPECT_EQ(v1->effective_from, 1000);
    EXPECT_EQ(v1->fingerprint, events::PolicyFingerprint("policies: []\n"));
    // A clock stepped back never makes a version take effect before its predecessor.
    auto v2 = events::AppendPolicyVersion(store.get(), "health: {}\n", 900);
    ASSERT_TRUE(v2.ok()) << v2.status().message();
    EXPECT_EQ(v2->version, 2u);
    EXPECT_EQ(v2->effective_from, 1000);
    auto v3 = events::AppendPolicyVersion(store.get(), "x", 2000);
    ASSERT_TRUE(v3.ok());
    EXPECT_EQ(v3->version, 3u);
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = OpenStore(path, /*read_only=*/true);
  ASSERT_TRUE(store);
  auto log = events::ReadPolicyLog(*store);
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0], (PolicyVersion{1, 1000, events::PolicyFingerprint("policies: []\n"), "policies: []\n"}));
  EXPECT_EQ((*log)[1], (PolicyVersion{2, 1000, events::PolicyFingerprint("health: {}\n"), "health: {}\n"}));
  EXPECT_EQ((*log)[2].text, "x");
  EXPECT_EQ((*log)[2].effective_from, 2000);
  // Read-only stores (the CLI) cannot append.
  EXPECT_FALSE(events::AppendPolicyVersion(store.get(), "y", 3000).ok());
}

TEST(PolicyLogTest, RecordIfChangedAppendsOnlyOnAChange) {
  TempDir dir;
  auto store = OpenStore(dir.Sub("store"));
  ASSERT_TRUE(store);
  const YAML::Node a = YAML::Load(kConfig);
  bool appended = false;
  auto v1 = projections::RecordPolicyVersion(store.get(), a, 100, &appended);
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_TRUE(appended);
  EXPECT_EQ(v1->version, 1u);
  // The same policy with other kafka settings and comments: no new version.
  std::string same = std::string(kConfig) + "# a comment\nhttp: {listen: 127.0.0.1:0}\n";
  auto again = projections::RecordPolicyVersion(store.get(), YAML::Load(same), 200, &appended);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(appended);
  EXPECT_EQ(again->version, 1u);
  EXPECT_EQ(again->effective_from, 100);
  // A changed target: version 2 from 300.
  std::string changed = kConfig;
  changed.replace(changed.find("first_response: 1h"), 18, "first_response: 30m");
  auto v2 = projections::RecordPolicyVersion(store.get(), YAML::Load(changed), 300, &appended);
  ASSERT_TRUE(v2.ok());
  EXPECT_TRUE(appended);
  EXPECT_EQ(v2->version, 2u);
  EXPECT_EQ(v2->effective_from, 300);
  // Back to the first config: a third version (history is not deduplicated).
  auto v3 = projections::RecordPolicyVersion(store.get(), a, 400, &appended);
  ASSERT_TRUE(v3.ok());
  EXPECT_TRUE(appended);
  EXPECT_EQ(v3->version, 3u);
  EXPECT_EQ(v3->fingerprint, v1->fingerprint);

  // The recorded texts parse back into the configs they came from.
  auto history = projections::PolicyHistory::FromStore(*store);
  ASSERT_TRUE(history.ok()) << history.status().message();
  ASSERT_EQ((*history)->size(), 3u);
  EXPECT_EQ(*(*history)->At(350).sla->policies[0].target(projections::Metric::kFirstResponse), 1800);
  EXPECT_EQ(*(*history)->At(100).sla->policies[0].target(projections::Metric::kFirstResponse), 3600);
  EXPECT_EQ((*history)->At(100).sla->policies[0].calendar->name(), "cn-business");
  EXPECT_EQ((*history)->At(100).sla->policies[0].match_priorities.size(), 2u);
  EXPECT_DOUBLE_EQ((*history)->At(100).health.weights[0], 0.35);
  EXPECT_DOUBLE_EQ((*history)->At(100).health.weights[2], 0.20);  // default kept
}

TEST(PolicyLogTest, FingerprintIgnoresLayoutKeyOrderCommentsAndOtherSections) {
  const std::string base = Fingerprint(kConfig);
  // Keys reordered at every level, block instead of flow style, quoting,
  // comments, other sections changed or removed.
  const std::string reordered = R"(
# the policy sections first this time
health:
  weights:
    sla: 0.30     # trailing comment
    csat: 0.35
policies:
  - targets:
      resolution: "8h"
      first_response: '1h'
    calendar: cn-business
    name: tier-a
    match:
      priority: [high, urgent]
      tier: [A]
  - {targets: {first_response: 4h}, name: default}
calendars:
  - hours:
      tue: ["09:00-18:00"]
      mon: ["09:00-18:00"]
    holidays: ["2026-10-01"]
    timezone: Asia/Shanghai
    name: cn-business
kafka: {brokers: "10.0.0.1:9092", topics: [other]}
log: {level: debug}
)";
  EXPECT_EQ(Fingerprint(reordered), base) << Canonical(kConfig) << "---\n" << Canonical(reordered);

  auto changed = [&](const std::string& from, const std::string& to) {
    std::string c = kConfig;
    c.replace(c.find(from), from.size(), to);
    return Fingerprint(c);
  };
  EXPECT_NE(changed("first_response: 1h", "first_response: 2h"), base);
  EXPECT_NE(changed("csat: 0.35", "csat: 0.5"), base);
  EXPECT_NE(changed("\"2026-10-01\"", "\"2026-10-02\""), base);
  EXPECT_NE(changed("Asia/Shanghai", "Asia/Tokyo"), base);
  EXPECT_NE(changed("[high, urgent]", "[urgent, high]"), base);  // list order is kept
  // Policy order matters (first match wins).
  std::string swapped = R"(
policies:
  - name: default
    targets: {first_response: 4h}
  - name: tier-a
    targets: {first_response: 1h}
)";
  std::string unswapped = R"(
policies:
  - name: tier-a
    targets: {first_response: 1h}
  - name: default
    targets: {first_response: 4h}
)";
  EXPECT_NE(Fingerprint(swapped), Fingerprint(unswapped));
  // No policy sections at all, or null ones: the same empty text.
  EXPECT_EQ(Canonical("kafka: {brokers: embedded}\n"), "");
  EXPECT_EQ(Canonical("policies:\nhealth: ~\n"), "");
}

}  // namespace
}  // namespace slamon
