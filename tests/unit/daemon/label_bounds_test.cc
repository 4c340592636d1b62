// Label values from event data are bounded: 3000 accounts with 3000
// distinct tiers and owners (half of the owners set by account.updated) give
// a bounded number of series, the rest is reported as "other" and counted by
// slamon_label_overflow_total; the owner's address (account_owner_email) goes
// with the owner label.
#include "daemon/metrics/label_bounds.h"

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>

#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/host/projection_host.h"
#include "daemon/metrics/business_metrics.h"
#include "daemon/views/owner_emails.h"
#include "events/codec.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_config.h"
#include "projections/sla/sla_config.h"
#include "projections/sla/sla_types.h"
#include "tests/support/temp_dir.h"

namespace slamon::daemon {
namespace {

constexpr int kAccounts = 3000;
constexpr int kHealthLevels = 4;
constexpr size_t kMaxOwners = 10;

constexpr const char* kSlaYaml = R"(
policies:
  - name: tier-a
    match: {tier: [A]}
    calendar: 24x7
    targets: {first_response: 1h, resolution: 8h}
  - name: default
    calendar: 24x7
    targets: {first_response: 1h, resolution: 8h}
)";

events::Event Upsert(int a, int64_t t) {
  events::Event e;
  e.id = "up-" + std::to_string(a);
  e.type = events::EventType::kAccountUpserted;
  e.occurred_at = t;
  e.account_id = "acct-" + std::to_string(a);
  e.name = "Account";
  e.tier = "tier-" + std::to_string(a);                                           // every account its own tier
  e.owner = a % 2 == 1 ? "" : "owner-" + std::to_string(a);                       // odd accounts: see Update()
  if (a % 2 == 0) e.owner_email = "owner-" + std::to_string(a) + "@example.com";  // odd owners: no address
  e.json = "{}";
  return e;
}

// The owner of an odd account, handed over after its upsert.
events::Event Update(int a, int64_t t) {
  events::Event e;
  e.id = "ud-" + std::to_string(a);
  e.type = events::EventType::kAccountUpdated;
  e.occurred_at = t;
  e.account_id = "acct-" + std::to_string(a);
  e.owner = "owner-" + std::to_string(a);
  e.fields = events::FieldBit(events::AccountField::kOwner);
  e.json = "{}";
  return e;
}

events::Event Opened(int a, int64_t t) {
  events::Event e;
  e.id = "op-" + std::to_string(a);
  e.type = events::EventType::kTicketOpened;
  e.occurred_at = t;
  e.account_id = "acct-" + std::to_string(a);
  e.ticket_id = "T-" + std::to_string(a);
  e.priority = events::Priority::kHigh;
  e.json = "{}";
  return e;
}

// Samples per metric name, and label values seen per (metric, label).
struct Exposition {
  std::map<std::string, int> samples;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> values;
  std::map<std::string, double> overflow;  // label -> slamon_label_overflow_total
  double accounts_total = 0;
};

Exposition Scrape(const BusinessMetrics& metrics) {
  Exposition x;
  for (const auto& family : metrics.Collect()) {
    for (const auto& m : family.metric) {
      ++x.samples[family.name];
      for (const auto& l : m.label) x.values[{family.name, l.name}].insert(l.value);
      if (family.name == "slamon_label_overflow_total") x.overflow[m.label.at(0).value] = m.counter.value;
      if (family.name == "slamon_accounts") x.accounts_total += m.gauge.value;
    }
  }
  return x;
}

TEST(LabelBoundsTest, TiersAndOwnersBeyondTheBoundAreOtherAndCounted) {
  testing::TempDir dir;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  {
    auto store = events::EventStore::Open({.path = dir.Sub("store"), .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().message();
    std::vector<events::BatchItem> batch;
    int64_t offset = 0;
    for (int a = 0; a < kAccounts; ++a) {
      batch.push_back({.pos = {"t", 0, offset++}, .event = Upsert(a, now - 86400), .rejection = std::nullopt});
      if (a % 2 == 1) {
        batch.push_back({.pos = {"t", 0, offset++}, .event = Update(a, now - 3600), .rejection = std::nullopt});
      }
    }
    // Two hours open against a one-hour target: breached, so owners become labels too.
    for (int a = 0; a < kAccounts; ++a) {
      batch.push_back({.pos = {"t", 0, offset++}, .event = Opened(a, now - 7200), .rejection = std::nullopt});
    }
    events::AppendResult r;
    ASSERT_TRUE((*store)->AppendBatch(batch, &r).ok());
    ASSERT_EQ(r.stored, 2 * kAccounts + kAccounts / 2);
  }
  auto sla = projections::LoadSlaConfigText(kSlaYaml, "test.yaml");
  ASSERT_TRUE(sla.ok()) << sla.status().message();
  auto health = projections::LoadHealthConfigText("{}", "test.yaml");
  ASSERT_TRUE(health.ok()) << health.status().message();
  ProjectionHost host(std::make_shared<const projections::SlaConfig>(sla.take()), health.take());
  {
    auto store = events::EventStore::Open({.path = dir.Sub("store"), .create_if_missing = false, .read_only = true});
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE(host.Replay(**store).ok());
  }
  BusinessMetrics metrics(&host, LabelBoundSettings{.tiers = {"A", "B", "C"}, .max_account_owners = kMaxOwners});
  const Exposition x = Scrape(metrics);

  const std::set<std::string> expected_tiers = {"A", "B", "C", "unknown", "other"};
  EXPECT_EQ(x.values.at({"slamon_accounts", "tier"}), expected_tiers);
  EXPECT_LE(x.samples.at("slamon_accounts"), static_cast<int>(expected_tiers.size()) * kHealthLevels);
  EXPECT_EQ(x.accounts_total, kAccounts) << "folding must not lose accounts";
  // tiers x priorities x metrics x levels
  EXPECT_LE(x.samples.at("slamon_sla_open"), static_cast<int>(expected_tiers.size()) * events::kPriorityCount *
                                                 projections::kMetricCount * projections::kRiskLevelCount);
  for (const auto& [key, values] : x.values) {
    if (key.second == "tier") {
      for (const auto& v : values) EXPECT_TRUE(expected_tiers.count(v)) << key.first << " has tier " << v;
    }
    if (key.second == "account_owner") {
      EXPECT_LE(values.size(), kMaxOwners + 1) << key.first;
    }
  }
  ASSERT_TRUE(x.values.count({"slamon_sla_open_by_owner", "account_owner"}));
  EXPECT_TRUE(x.values.at({"slamon_sla_open_by_owner", "account_owner"}).count("other"));
  EXPECT_EQ(x.overflow.at("tier"), kAccounts);
  EXPECT_EQ(x.overflow.at("account_owner"), kAccounts - static_cast<double>(kMaxOwners));

  // account_owner_email goes with account_owner: the owner's address, "" for
  // "other" and for an owner without one; so no series of its own.
  int with_address = 0;
  for (const auto& family : metrics.Collect()) {
    if (family.name != "slamon_sla_open_by_owner") continue;
    for (const auto& m : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& l : m.label) labels[l.name] = l.value;
      ASSERT_TRUE(labels.count("account_owner_email")) << family.name;
      const std::string& owner = labels.at("account_owner");
      const int n = owner == "other" ? -1 : std::stoi(owner.substr(6));
      const std::string want = n >= 0 && n % 2 == 0 ? owner + "@example.com" : "";
      EXPECT_EQ(labels.at("account_owner_email"), want) << owner;
      if (!want.empty()) ++with_address;
    }
  }
  EXPECT_GT(with_address, 0);
  EXPECT_LE(x.values.at({"slamon_sla_open_by_owner", "account_owner_email"}).size(), kMaxOwners + 1);
  EXPECT_EQ(x.samples.at("slamon_sla_open_by_owner"),
            static_cast<int>(x.values.at({"slamon_sla_open_by_owner", "account_owner"}).size()))
      << "one series per owner (all breached first responses of tier other)";

  // Stable across scrapes: the same owners keep their own series, the counter does not grow.
  const Exposition again = Scrape(metrics);
  EXPECT_EQ(again.values, x.values);
  EXPECT_EQ(again.overflow, x.overflow);
}

TEST(LabelBoundsTest, DefaultTiersComeFromThePolicies) {
  LabelBounds bounds(LabelBoundSettings{}, {"gold", "silver"});
  EXPECT_EQ(bounds.tiers(), (std::set<std::string>{"A", "B", "C", "gold", "silver", "unknown"}));
  EXPECT_EQ(bounds.Tier("gold"), "gold");
  EXPECT_EQ(bounds.Tier("unknown"), "unknown");
  EXPECT_EQ(bounds.Tier("bronze"), "other");
  EXPECT_EQ(bounds.Tier("bronze"), "other");
  EXPECT_EQ(bounds.tier_overflow(), 1);
  LabelBounds one_owner(LabelBoundSettings{.tiers = {}, .max_account_owners = 1}, {});
  EXPECT_EQ(one_owner.Owner("ann"), "ann");
  EXPECT_EQ(one_owner.Owner("bob"), "other");
  EXPECT_EQ(one_owner.Owner("ann"), "ann");
  EXPECT_EQ(one_owner.owner_overflow(), 1);
}

events::Event OwnedBy(const std::string& account, const std::string& owner, const std::string& email, int64_t t) {
  events::Event e;
  e.id = "up-" + account + "-" + std::to_string(t);
  e.type = events::EventType::kAccountUpserted;
  e.occurred_at = t;
  e.account_id = account;
  e.tier = "A";
  e.owner = owner;
  e.owner_email = email;
  e.json = "{}";
  return e;
}

TEST(OwnerEmailsTest, TheAddressOnMostOfAnOwnersAccountsWins) {
  projections::AccountProjection accounts;
  // ann: two accounts say ann@new, one still ann@old, one has none.
  accounts.Apply(OwnedBy("a1", "ann", "ann@new.example", 100));
  accounts.Apply(OwnedBy("a2", "ann", "ann@new.example", 100));
  accounts.Apply(OwnedBy("a3", "ann", "ann@old.example", 100));
  accounts.Apply(OwnedBy("a4", "ann", "", 100));
  // bob: a tie goes to the smaller address; cy: no address anywhere.
  accounts.Apply(OwnedBy("b1", "bob", "bob@z.example", 100));
  accounts.Apply(OwnedBy("b2", "bob", "bob@a.example", 100));
  accounts.Apply(OwnedBy("c1", "cy", "", 100));
  // A later upsert moves a3 to dan with dan's address.
  accounts.Apply(OwnedBy("a3", "dan", "dan@example.com", 200));
  EXPECT_EQ(OwnerEmailsOf(accounts, 150), (OwnerEmails{{"ann", "ann@new.example"}, {"bob", "bob@a.example"}}));
  EXPECT_EQ(OwnerEmailsOf(accounts, 250),
            (OwnerEmails{{"ann", "ann@new.example"}, {"bob", "bob@a.example"}, {"dan", "dan@example.com"}}));
  EXPECT_TRUE(OwnerEmailsOf(accounts, 50).empty());  // before any upsert

  const OwnerEmails emails = OwnerEmailsOf(accounts, 250);
  EXPECT_EQ(OwnerEmailLabel("ann", &emails), "ann@new.example");
  EXPECT_EQ(OwnerEmailLabel("cy", &emails), "");
  EXPECT_EQ(OwnerEmailLabel("other", &emails), "");  // folded owners have no one address
  EXPECT_EQ(OwnerEmailLabel("", &emails), "");
  EXPECT_EQ(OwnerEmailLabel("ann", nullptr), "");
}

}  // namespace
}  // namespace slamon::daemon
