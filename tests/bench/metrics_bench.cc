// Scrape benchmark (label bench): a store with 10 000 accounts (tiers A/B/C,
// 200 owners) and N open tickets without replies, opened within the last 12
// hours so that first-response and resolution instances are spread over ok,
// warning and breached; a ProjectionHost replays it, then every scrape is
// BusinessMetrics::Collect() + the Prometheus text serialisation. Prints
// p50/p99/max per scrape against the 50 ms target, and the number of exposed
// series for N and 2N tickets: docs/metrics.md allows no per-ticket or
// per-account series, so the count must not grow with tickets (asserted; the
// tier × owner × level combinations are saturated at both sizes by
// construction). Every account also has orders, an NPS answer and (every
// other one) an outbound call, so the key-account aggregates are computed at
// each health refresh and only copied by a scrape.
// Size: SLAMON_BENCH_OPEN_TICKETS (default 100000).
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/host/projection_host.h"
#include "daemon/metrics/business_metrics.h"
#include "events/codec.h"
#include "events/store/event_store.h"
#include "projections/accounts/health_config.h"
#include "projections/sla/sla_config.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kAccounts = 10000;
constexpr int kOwners = 200;
constexpr int kScrapes = 100;
constexpr double kTargetMs = 50;
constexpr int64_t kBucketSeconds = 2 * 3600;  // six 2-hour buckets over the last 12 hours

// 24x7 so that the level depends only on the ticket's age: first_response is
// ok below 2 h, warning 2–4 h, breached above; resolution ok below 4 h,
// warning 4–8 h, breached above.
constexpr const char* kSlaYaml = R"(
policies:
  - name: tier-a
    match: {tier: [A]}
    calendar: 24x7
    targets: {first_response: 4h, next_response: 4h, resolution: 8h}
    warn_at: 0.5
  - name: tier-b
    match: {tier: [B]}
    calendar: 24x7
    targets: {first_response: 4h, resolution: 8h}
    warn_at: 0.5
  - name: default
    calendar: 24x7
    targets: {first_response: 4h, resolution: 8h}
    warn_at: 0.5
)";

int64_t OpenTickets() {
  const char* v = std::getenv("SLAMON_BENCH_OPEN_TICKETS");
  const int64_t n = v != nullptr ? std::atoll(v) : 0;
  return n > 0 ? n : 100000;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser: deterministic jitter
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string AccountId(int a) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "acct-%05d", a);
  return buf;
}

events::Event Upsert(int a, int64_t t) {
  static const char* kTiers[] = {"A", "B", "C"};
  char owner[32];
  std::snprintf(owner, sizeof(owner), "owner-%03d", a % kOwners);
  events::Event e;
  e.id = "up-" + std::to_string(a);
  e.type = events::EventType::kAccountUpserted;
  e.occurred_at = t;
  e.account_id = AccountId(a);
  e.name = "Account " + std::to_string(a);
  e.tier = kTiers[a % 3];
  e.owner = owner;
  e.json = "{\"id\":\"" + e.id + "\",\"type\":\"account.upserted\",\"occurred_at\":\"" + events::FormatRfc3339(t) +
           "\",\"account_id\":\"" + e.account_id + "\",\"name\":\"" + e.name + "\",\"tier\":\"" + e.tier +
           "\",\"owner\":\"" + e.owner + "\"}";
  return e;
}

// Ticket j belongs to account j % kAccounts and is that account's k-th ticket
// (k = j / kAccounts). Its age bucket (k + a / 600) % 6 makes every
// (tier, owner) pair — the accounts a ≡ x (mod 600) — cover all six buckets
// even with one ticket per account, so every (tier, owner, metric, level)
// combination has instances at any N >= kAccounts.
events::Event Opened(int64_t j, int64_t now) {
  static const events::Priority kPriorities[] = {events::Priority::kUrgent, events::Priority::kHigh,
                                                 events::Priority::kNormal, events::Priority::kLow};
  const int a = static_cast<int>(j % kAccounts);
  const int64_t k = j / kAccounts;
  const int64_t bucket = (k + a / 600) % 6;
  // Keep 10 minutes away from bucket edges: levels stay put while the bench runs.
  const int64_t age = bucket * kBucketSeconds + 600 + static_cast<int64_t>(Mix(j) % (kBucketSeconds - 1200));
  events::Event e;
  e.id = "op-" + std::to_string(j);
  e.type = events::EventType::kTicketOpened;
  e.occurred_at = now - age;
  e.account_id = AccountId(a);
  e.ticket_id = "T-" + std::to_string(j);
  e.priority = kPriorities[j % 4];
  e.channel = "email";
  e.json = "{\"id\":\"" + e.id + "\",\"type\":\"ticket.opened\",\"occurred_at\":\"" +
           events::FormatRfc3339(e.occurred_at) + "\",\"account_id\":\"" + e.account_id + "\",\"ticket_id\":\"" +
           e.ticket_id + "\",\"priority\":\"" + std::string(events::Name(e.priority)) + "\",\"channel\":\"email\"}";
  return e;
}

// Key-account events of account a: three orders (every fifth account's last
// one in USD), an NPS answer and an outbound call (every other account), so
// that the value, RFM, NPS and follow-up aggregates have data.
std::vector<events::Event> ValueEvents(int a, int64_t now) {
  std::vector<events::Event> out;
  auto make = [&](const std::string& id, events::EventType type, int64_t t, const std::string& fields) {
    events::Event e;
    e.id = id;
    e.type = type;
    e.occurred_at = t;
    e.account_id = AccountId(a);
    e.json = "{\"id\":\"" + id + "\",\"type\":\"" + std::string(events::Name(type)) + "\",\"occurred_at\":\"" +
             events::FormatRfc3339(t) + "\",\"account_id\":\"" + e.account_id + "\"" + fields + "}";
    out.push_back(std::move(e));
    return &out.back();
  };
  for (int k = 0; k < 3; ++k) {
    const bool usd = k == 2 && a % 5 == 0;
    auto* e = make("ord-" + std::to_string(a) + "-" + std::to_string(k), events::EventType::kOrderPlaced,
                   now - (a % 300 + 100 * k) * 86400, "");
    e->order_id = "O-" + std::to_string(a) + "-" + std::to_string(k);
    e->amount = 1000.0 * (1 + (a * 7 + k) % 500);
    if (usd) e->currency = "USD";
    e->json.pop_back();
    e->json += ",\"order_id\":\"" + e->order_id + "\",\"amount\":" + std::to_string(static_cast<int64_t>(e->amount)) +
               (usd ? ",\"currency\":\"USD\"}" : "}");
  }
  auto* nps = make("nps-" + std::to_string(a), events::EventType::kSurveyAnswered, now - (a % 80) * 86400,
                   ",\"score\":" + std::to_string(a % 11) + ",\"kind\":\"nps\"");
  nps->score = a % 11;
  nps->survey_kind = events::SurveyKind::kNps;
  if (a % 2 == 0) {
    auto* call = make("call-" + std::to_string(a), events::EventType::kInteractionLogged, now - (a % 120) * 86400,
                      ",\"kind\":\"call\",\"direction\":\"outbound\"");
    call->kind = events::InteractionKind::kCall;
    call->direction = events::Direction::kOutbound;
  }
  return out;
}

void BuildStore(const std::string& path, int64_t tickets, int64_t now) {
  auto opened = events::EventStore::Open({.path = path, .sync = false});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto store = opened.take();
  int64_t offset = 0;
  std::vector<events::BatchItem> batch;
  auto flush = [&] {
    events::AppendResult r;
    Status s = store->AppendBatch(batch, &r);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(r.stored, static_cast<int64_t>(batch.size()));
    batch.clear();
  };
  for (int a = 0; a < kAccounts; ++a) {
    batch.push_back({.pos = {"bench", 0, offset++}, .event = Upsert(a, now - 40 * 86400), .rejection = std::nullopt});
    for (auto& e : ValueEvents(a, now)) {
      batch.push_back({.pos = {"bench", 0, offset++}, .event = std::move(e), .rejection = std::nullopt});
    }
    if (batch.size() >= 20000) flush();
  }
  flush();
  for (int64_t j = 0; j < tickets; ++j) {
    batch.push_back(
        {.pos = {"bench", static_cast<int32_t>(j % 4) + 1, j / 4}, .event = Opened(j, now), .rejection = std::nullopt});
    if (batch.size() == 20000) flush();
  }
  if (!batch.empty()) flush();
  ASSERT_EQ(store->EventCount(), offset + tickets);
  ASSERT_TRUE(store->Close().ok());
}

std::string Serialize(const daemon::BusinessMetrics& metrics) {
  return prometheus::TextSerializer().Serialize(metrics.Collect());
}

// Sample lines per metric name (histograms: _bucket, _sum, _count apart).
std::map<std::string, int> SeriesByName(const std::string& exposition) {
  std::map<std::string, int> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    ++out[line.substr(0, line.find_first_of("{ "))];
  }
  return out;
}

int Total(const std::map<std::string, int>& m) {
  int n = 0;
  for (const auto& [name, count] : m) n += count;
  return n;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

struct Result {
  std::map<std::string, int> series;
  std::vector<double> scrape_ms;
  std::vector<double> scrape_cpu_ms;  // this thread's CPU time: the work without the machine's contention
  size_t bytes = 0;
  double build_s = 0, replay_s = 0;
  int64_t open_running = 0;  // running instances (any level), from the exposition
};

Result Measure(int64_t tickets) {
  Result res;
  TempDir dir;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto t0 = Clock::now();
  BuildStore(dir.Sub("store"), tickets, now);
  res.build_s = Ms(Clock::now() - t0) / 1000;
  if (::testing::Test::HasFatalFailure()) return res;

  auto sla = projections::LoadSlaConfigText(kSlaYaml, "bench.yaml");
  EXPECT_TRUE(sla.ok()) << sla.status().message();
  auto health = projections::LoadHealthConfigText("{}", "bench.yaml");
  EXPECT_TRUE(health.ok()) << health.status().message();
  if (!sla.ok() || !health.ok()) return res;
  daemon::ProjectionHost host(std::make_shared<const projections::SlaConfig>(sla.take()), health.take());
  {
    auto store = events::EventStore::Open({.path = dir.Sub("store"), .create_if_missing = false, .read_only = true});
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return res;
    t0 = Clock::now();
    Status s = host.Replay(**store);
    EXPECT_TRUE(s.ok()) << s.message();
    res.replay_s = Ms(Clock::now() - t0) / 1000;
  }
  daemon::BusinessMetrics metrics(&host);
  std::string text = Serialize(metrics);  // warm-up
  for (int i = 0; i < kScrapes; ++i) {
    const double cpu0 = ThreadCpuMs();
    t0 = Clock::now();
    text = Serialize(metrics);
    res.scrape_ms.push_back(Ms(Clock::now() - t0));
    res.scrape_cpu_ms.push_back(ThreadCpuMs() - cpu0);
  }
  res.bytes = text.size();
  res.series = SeriesByName(text);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("slamon_sla_open{", 0) == 0) {
      res.open_running += std::atoll(line.substr(line.rfind(' ') + 1).c_str());
    }
  }
  return res;
}

TEST(MetricsBench, ScrapeCostAndSeriesIndependentOfTickets) {
  const int64_t n = OpenTickets();
  ASSERT_GE(n, kAccounts) << "the saturation argument needs at least one ticket per account";
  const Result small = Measure(n);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const Result large = Measure(2 * n);
  ASSERT_FALSE(::testing::Test::HasFailure());

  for (const auto* r : {&small, &large}) {
    const int64_t t = r == &small ? n : 2 * n;
    const double p50 = Percentile(r->scrape_ms, 0.50), p99 = Percentile(r->scrape_ms, 0.99),
                 max = *std::max_element(r->scrape_ms.begin(), r->scrape_ms.end());
    std::printf(
        "[metrics-bench] %d accounts, %lld open tickets: store built in %.2f s, replayed in %.2f s; %zu scrapes: "
        "p50 %.2f ms, p99 %.2f ms, max %.2f ms (target %.0f ms: p99 at %.2fx of it; CPU p50 %.2f ms, p99 %.2f ms); "
        "%d series, %zu bytes\n",
        kAccounts, static_cast<long long>(t), r->build_s, r->replay_s, r->scrape_ms.size(), p50, p99, max, kTargetMs,
        p99 / kTargetMs, Percentile(r->scrape_cpu_ms, 0.50), Percentile(r->scrape_cpu_ms, 0.99), Total(r->series),
        r->bytes);
    // Every ticket has a running first_response and resolution instance.
    EXPECT_EQ(r->open_running, 2 * t) << "slamon_sla_open does not count every running instance";
  }
  for (const auto& [name, count] : large.series) {
    std::printf("[metrics-bench]   %-58s %6d (N) %6d (2N)\n", name.c_str(),
                small.series.count(name) ? small.series.at(name) : 0, count);
  }
  EXPECT_EQ(small.series, large.series) << "series count depends on the number of tickets";
  EXPECT_EQ(Total(small.series), Total(large.series));
  // Key-account series: bounded by tiers, owners, config lists; present at both sizes.
  for (const char* name :
       {"slamon_accounts_followup_overdue", "slamon_nps", "slamon_accounts_churned_total", "slamon_account_value",
        "slamon_accounts_rfm", "slamon_ticket_resolution_business_seconds_bucket"}) {
    EXPECT_GT(small.series.count(name) ? small.series.at(name) : 0, 0) << name;
  }
  EXPECT_EQ(small.series.at("slamon_accounts_followup_overdue"), 3 * kOwners);  // (tier, owner) pairs with a cadence
  // Saturated: one per_owner series per (tier, owner, metric, non-ok level).
  EXPECT_EQ(small.series.at("slamon_sla_open_by_owner"), 3 * kOwners * 2 * 2);
}

}  // namespace
}  // namespace slamon::testing
