// Field tables: defaults, every row kind with its bounds and its message,
// unknown keys, required keys, cross-field checks, --set through the rows,
// the restart-needed diff and check-config's summary.
#include "daemon/config/field_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/config/config_schema.h"

namespace slamon::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

enum class Mode { kFast, kSafe };

struct Net {
  std::string listen = "127.0.0.1:9464";
  int max_connections = 1024;
  std::chrono::milliseconds timeout{10000};
  std::vector<std::string> topics = {"events"};
};
struct Auth {
  std::string user;
  std::string password;
};
struct Store {
  bool sync = true;
  Mode mode = Mode::kSafe;
  double rate = 50;
  std::chrono::seconds interval{6 * 3600};
  uint32_t keep = 0;
  std::map<std::string, std::string> props;
};
struct TestConfig {
  Net net;
  Auth auth;
  Store store;
  std::string level = "info";
  std::string instance;  // stored as props["instance.id"]
};

using C = TestConfig;

std::string NotHostPort(const std::string& v) {
  return v.find(':') == std::string::npos ? "\"" + v + "\" is not host:port" : "";
}

const ConfigSchema<C>& Schema() {
  static const ConfigSchema<C> kSchema(
      {
          FieldTable<C>("net", "The listener.",
                        {
                            Str("listen", At(&C::net, &Net::listen), "127.0.0.1:9464", Apply::kRestart,
                                "Where to listen.", {NotHostPort, "host:port"}),
                            Int("max_connections", At(&C::net, &Net::max_connections), 1024, {1, 100000},
                                Apply::kRestart, "Open connections at most."),
                            Int("timeout_ms", At(&C::net, &Net::timeout), 10000, {100, 3600000, "milliseconds"},
                                Apply::kRestart, "Request timeout."),
                            List("topics", At(&C::net, &Net::topics), {"events"},
                                 {1, "topic", [](const std::string& t) { return t.empty() ? "empty topic" : ""; }},
                                 Apply::kRestart, "Topics."),
                        }),
          FieldTable<C>("net.auth", "Basic authentication.",
                        {
                            Str("user", At(&C::auth, &Auth::user), "", Apply::kRestart, "User."),
                            Str("password", At(&C::auth, &Auth::password), "", Apply::kRestart, "Password.").Secret(),
                        },
                        {[](const C& c, SectionCheck& k) {
                          if (k.present() && (c.auth.user.empty() || c.auth.password.empty())) {
                            k.FailSection("needs both user and password");
                          }
                        }}),
          FieldTable<C>(
              "store", "The store.",
              {
                  Bool("sync", At(&C::store, &Store::sync), true, Apply::kRestart, "fsync every batch."),
                  Choice("mode", At(&C::store, &Store::mode), Mode::kSafe,
                         {{"fast", Mode::kFast}, {"safe", Mode::kSafe}}, Apply::kRestart, "Write mode."),
                  Real("rate", At(&C::store, &Store::rate), 50, {0, 1e6, true, false}, Apply::kRestart, "Rate."),
                  Duration("interval", At(&C::store, &Store::interval), std::chrono::hours(6),
                           {1, int64_t{366} * 86400}, Apply::kRestart, "Backup interval."),
                  Int("keep", At(&C::store, &Store::keep), 0, {0, 10000, "", "0 = keep all"}, Apply::kRestart,
                      "Backups kept."),
                  Map("props", At(&C::store, &Store::props), Apply::kRestart, "Properties."),
                  Str("instance",
                      Via<C, std::string>([](const C& c) { return c.instance; },
                                          [](C& c, std::string v) {
                                            if (!v.empty()) c.store.props["instance.id"] = v;
                                            c.instance = std::move(v);
                                          }),
                      "", Apply::kRestart, "Instance id."),
              },
              {[](const C& c, SectionCheck& k) {
                if (c.store.mode == Mode::kFast && c.store.sync) k.Fail("mode", "fast needs sync: false");
              }}),
          FieldTable<C>("log", "Logging.",
                        {OneOf("level", At(&C::level), "info", {"debug", "info", "warn"}, Apply::kLive, "Level.")}),
      },
      {"policies"});
  return kSchema;
}

// Loads `yaml` with `overrides`; the config, and the problems found.
std::pair<C, std::vector<std::string>> Load(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  auto r = YamlReader::FromText(yaml, "t.yaml", overrides);
  C c;
  Schema().Read(r, c);
  return {c, r.problems()};
}

TEST(FieldTable, DefaultsComeFromTheRows) {
  C scrambled;
  scrambled.net.listen = "x";
  scrambled.store.keep = 7;
  scrambled.level = "warn";
  for (const auto& t : Schema().tables()) t.ApplyDefaults(scrambled);
  EXPECT_EQ(scrambled.net.listen, "127.0.0.1:9464");
  EXPECT_EQ(scrambled.store.keep, 0u);
  EXPECT_EQ(scrambled.level, "info");
  // The struct's own initializers agree with the rows: nothing differs.
  const C initialized;
  const FieldChanges d = Schema().Diff(initialized, Schema().Defaults());
  EXPECT_THAT(d.live, IsEmpty());
  EXPECT_THAT(d.restart, IsEmpty());
}

TEST(FieldTable, ReadsEveryKind) {
  auto [c, problems] = Load(
      "net:\n  listen: 0.0.0.0:1\n  max_connections: 5\n  timeout_ms: 1500\n  topics: [a, b]\n"
      "  auth: {user: u, password: p}\n"
      "store:\n  sync: false\n  mode: fast\n  rate: 0.5\n  interval: 15m\n  keep: 3\n"
      "  props: {a.b: c}\n  instance: i-1\n"
      "log: {level: warn}\npolicies: [anything]\n");
  ASSERT_THAT(problems, IsEmpty());
  EXPECT_EQ(c.net.listen, "0.0.0.0:1");
  EXPECT_EQ(c.net.max_connections, 5);
  EXPECT_EQ(c.net.timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.net.topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.auth.user, "u");
  EXPECT_EQ(c.auth.password, "p");
  EXPECT_FALSE(c.store.sync);
  EXPECT_EQ(c.store.mode, Mode::kFast);
  EXPECT_EQ(c.store.rate, 0.5);
  EXPECT_EQ(c.store.interval, std::chrono::minutes(15));
  EXPECT_EQ(c.store.keep, 3u);
  EXPECT_EQ(c.store.props, (std::map<std::string, std::string>{{"a.b", "c"}, {"instance.id", "i-1"}}));
  EXPECT_EQ(c.level, "warn");
}

TEST(FieldTable, NullValuesKeepTheirDefaults) {
  auto [c, problems] = Load("net:\n  listen:\n  max_connections: ~\nstore:\n");
  ASSERT_THAT(problems, IsEmpty());
  EXPECT_EQ(c.net.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.net.max_connections, 1024);
}

TEST(FieldTable, EachKindRejectsWithItsReason) {
  struct Case {
    std::string yaml, problem;
  };
  const std::vector<Case> cases = {
      {"net:\n  listen: [a]\n", "t.yaml:2: net.listen: expected a string, got a list"},
      {"net:\n  listen: localhost\n", "t.yaml:2: net.listen: \"localhost\" is not host:port"},
      {"net:\n  max_connections: 0\n", "t.yaml:2: net.max_connections: must be 1..100000"},
      {"net:\n  max_connections: many\n", "t.yaml:2: net.max_connections: cannot read \"many\" as an integer"},
      {"net:\n  max_connections: 99999999999999999999\n",
       "t.yaml:2: net.max_connections: cannot read \"99999999999999999999\" as an integer"},
      {"net:\n  timeout_ms: 5\n", "t.yaml:2: net.timeout_ms: must be 100..3600000 (milliseconds)"},
      {"net:\n  topics: a\n", "t.yaml:2: net.topics: expected a list (e.g. [a, b]), got \"a\""},
      {"net:\n  topics: []\n", "t.yaml:2: net.topics: needs at least 1 topic"},
      {"net:\n  topics:\n    - a\n    - {b: 1}\n",
       "t.yaml:4: net.topics: expected a list of strings, got a mapping in it"},
      {"net:\n  topics: [a, '']\n", "t.yaml:2: net.topics: empty topic"},
      {"store:\n  sync: maybe\n", "t.yaml:2: store.sync: cannot read \"maybe\" as a boolean (true or false)"},
      {"store:\n  sync: {a: 1}\n", "t.yaml:2: store.sync: expected a boolean, got a mapping"},
      {"store:\n  mode: slow\n", "t.yaml:2: store.mode: must be one of fast, safe, not \"slow\""},
      {"store:\n  rate: 0\n", "t.yaml:2: store.rate: must be in (0, 1000000]"},
      {"store:\n  rate: .nan\n", "t.yaml:2: store.rate: cannot read \".nan\" as a number"},
      {"store:\n  interval: 6 hours\n", "t.yaml:2: store.interval: must be 1s..366d, e.g. 90s, 15m, 6h, 1d or seconds"},
      {"store:\n  interval: 0s\n", "t.yaml:2: store.interval: must be 1s..366d, e.g. 90s, 15m, 6h, 1d or seconds"},
      {"store:\n  keep: -1\n", "t.yaml:2: store.keep: must be 0..10000 (0 = keep all)"},
      {"store:\n  props: [a]\n", "t.yaml:2: store.props: expected a mapping, got a list"},
      {"store:\n  props:\n    a: [1]\n", "t.yaml:3: store.props.a: expected a plain value, got a list"},
      {"log:\n  level: loud\n", "t.yaml:2: log.level: must be one of debug, info, warn, not \"loud\""},
      {"net:\n  bogus: 1\n", "t.yaml:2: net.bogus: unknown setting"},
      {"net:\n  auth:\n    token: x\n", "t.yaml:3: net.auth.token: unknown setting"},
      {"nett: {}\n", "t.yaml:1: nett: unknown section"},
      {"net: 5\n", "t.yaml:1: net: must be a mapping"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(Load(c.yaml).second, ElementsAre(c.problem)) << c.yaml;
  }
}

TEST(FieldTable, DurationsAcceptEveryUnit) {
  for (auto [text, seconds] : {std::pair{"90s", 90}, std::pair{"15m", 900}, std::pair{"6h", 21600},
                               std::pair{"1d", 86400}, std::pair{"3600", 3600}}) {
    auto [c, problems] = Load(std::string("store:\n  interval: ") + text + "\n");
    ASSERT_THAT(problems, IsEmpty()) << text;
    EXPECT_EQ(c.store.interval, std::chrono::seconds(seconds)) << text;
  }
}

TEST(FieldTable, EveryProblemIsReportedInOneRun) {
  auto [c, problems] = Load("net:\n  max_connections: 0\n  timeout_ms: 1\nstore:\n  keep: -1\nbogus: 1\n");
  EXPECT_THAT(problems,
              ElementsAre("t.yaml:6: bogus: unknown section", "t.yaml:2: net.max_connections: must be 1..100000",
                          "t.yaml:3: net.timeout_ms: must be 100..3600000 (milliseconds)",
                          "t.yaml:5: store.keep: must be 0..10000 (0 = keep all)"));
  // A rejected value keeps its default.
  EXPECT_EQ(c.net.max_connections, 1024);
}

TEST(FieldTable, RequiredKeysAreRequiredWhenTheirSectionIsGiven) {
  static const FieldTable<C> kTable("net", "",
                                    {Str("listen", At(&C::net, &Net::listen), "", Apply::kRestart, "").Required()});
  auto r = YamlReader::FromText("net:\n  other: 1\nstore: {}\n", "t.yaml");
  C c;
  kTable.Read(r, c);
  kTable.Read(r, r.At("absent"), "absent", c);  // an absent section asks for nothing
  EXPECT_THAT(r.problems(), ElementsAre("t.yaml:2: net.other: unknown setting", "t.yaml:2: net.listen: is required"));
  EXPECT_TRUE(kTable.Describe().fields[0].required);
}

TEST(FieldTable, CrossFieldChecksRunOnCleanSections) {
  // At the key's line when the file gives it, at the section's otherwise.
  EXPECT_THAT(Load("store:\n  sync: true\n  mode: fast\n").second,
              ElementsAre("t.yaml:3: store.mode: fast needs sync: false"));
  EXPECT_THAT(Load("net:\n  auth:\n    user: u\n").second,
              ElementsAre("t.yaml:3: net.auth: needs both user and password"));
  EXPECT_THAT(Load("store:\n  sync: false\n  mode: fast\n").second, IsEmpty());
  // A section with a bad row does not also run its checks.
  EXPECT_THAT(Load("store:\n  mode: fast\n  keep: -1\n").second,
              ElementsAre("t.yaml:3: store.keep: must be 0..10000 (0 = keep all)"));
}

TEST(FieldTable, OverridesGoThroughTheRows) {
  auto [c, problems] =
      Load("net:\n  listen: 127.0.0.1:1\n", {"net.max_connections=300", "store.interval=90s", "store.props.rack=eu1"});
  ASSERT_THAT(problems, IsEmpty());
  EXPECT_EQ(c.net.max_connections, 300);
  EXPECT_EQ(c.store.interval, std::chrono::seconds(90));
  EXPECT_EQ(c.store.props.at("rack"), "eu1");
  // Only kafka.properties keeps the dots of its last segment; elsewhere a dot nests.
  EXPECT_THAT(Load("net: {}\n", {"store.props.client.rack=eu1"}).second,
              ElementsAre("--set:1: store.props.client: expected a plain value, got a mapping"));
  EXPECT_THAT(Load("net:\n  listen: 127.0.0.1:1\n", {"log.level=loud", "net.max_connections=0", "net.nope=1"}).second,
              ElementsAre("--set:3: net.nope: unknown setting", "--set:2: net.max_connections: must be 1..100000",
                          "--set:1: log.level: must be one of debug, info, warn, not \"loud\""));
}

TEST(FieldTable, DiffSplitsLiveAndRestartRows) {
  auto [running, p1] = Load("log: {level: info}\nnet: {max_connections: 10}\n");
  // Writing out a default is no change; a typed comparison ignores spelling.
  auto [same, p2] = Load("log: {level: info}\nnet: {max_connections: 10, timeout_ms: 10000}\nstore: {sync: yes}\n");
  ASSERT_THAT(p1, IsEmpty());
  ASSERT_THAT(p2, IsEmpty());
  FieldChanges none = Schema().Diff(running, same);
  EXPECT_THAT(none.live, IsEmpty());
  EXPECT_THAT(none.restart, IsEmpty());

  auto [changed, p3] =
      Load("log: {level: warn}\nnet: {max_connections: 11, auth: {user: a, password: b}}\n", {"store.instance=i-2"});
  ASSERT_THAT(p3, IsEmpty());
  FieldChanges d = Schema().Diff(running, changed);
  EXPECT_THAT(d.live, ElementsAre("log.level"));
  EXPECT_THAT(d.restart, ElementsAre("net.max_connections", "net.auth.user", "net.auth.password", "store.props",
                                     "store.instance"));
}

TEST(FieldTable, CopyTakesTheRowsOfOneKind) {
  auto [running, p1] = Load("log: {level: info}\nnet: {max_connections: 10}\n");
  auto [loaded, p2] = Load("log: {level: warn}\nnet: {max_connections: 20}\n");
  ASSERT_THAT(p1, IsEmpty());
  ASSERT_THAT(p2, IsEmpty());
  Schema().Copy(Apply::kLive, loaded, running);
  EXPECT_EQ(running.level, "warn");            // live: taken
  EXPECT_EQ(running.net.max_connections, 10);  // restart-only: kept
  EXPECT_THAT(Schema().Diff(running, loaded).live, IsEmpty());
  EXPECT_THAT(Schema().Diff(running, loaded).restart, ElementsAre("net.max_connections"));
}

TEST(FieldTable, SummaryShowsValuesButNeverSecrets) {
  auto [c, problems] = Load("net:\n  auth: {user: ops, password: hunter2}\n");
  ASSERT_THAT(problems, IsEmpty());
  const auto summary = Schema().Summary(c);
  ASSERT_EQ(summary.size(), 4u);
  EXPECT_EQ(summary[0].first, "net");
  EXPECT_EQ(summary[0].second, "listen 127.0.0.1:9464; max_connections 1024; timeout_ms 10000; topics [events]");
  EXPECT_EQ(summary[1].second, "user ops; password (set)");
  EXPECT_EQ(summary[2].second, "sync true; mode safe; rate 50; interval 6h; keep 0; props {}; instance \"\"");
  const C initialized;
  EXPECT_EQ(Schema().Summary(initialized)[1].second, "user \"\"; password (not set)");
  // What the file changed: the rest is the documented defaults.
  const auto changed = Schema().Summary(c, true);
  EXPECT_EQ(changed[0].second, "");
  EXPECT_EQ(changed[1].second, "user ops; password (set)");
}

TEST(FieldTable, DescribeStatesTypeDefaultAndBounds) {
  const auto sections = Schema().Describe();
  ASSERT_EQ(sections.size(), 4u);
  const auto& net = sections[0].fields;
  EXPECT_EQ(net[0].type, "string");
  EXPECT_EQ(net[0].bounds, "host:port");
  EXPECT_EQ(net[1].bounds, "1..100000");
  EXPECT_EQ(net[2].default_value, "10000");
  EXPECT_EQ(net[2].bounds, "100..3600000 (milliseconds)");
  EXPECT_EQ(net[3].type, "list of strings");
  EXPECT_EQ(net[3].default_value, "[events]");
  EXPECT_EQ(net[3].bounds, "at least 1 topic");
  const auto& store = sections[2].fields;
  EXPECT_EQ(store[1].bounds, "fast, safe");
  EXPECT_EQ(store[1].default_value, "safe");
  EXPECT_EQ(store[2].bounds, "(0, 1000000]");
  EXPECT_EQ(store[3].type, "duration");
  EXPECT_EQ(store[3].default_value, "6h");
  EXPECT_EQ(store[3].bounds, "1s..366d");
  EXPECT_EQ(sections[3].fields[0].apply, Apply::kLive);
  EXPECT_TRUE(sections[1].fields[1].secret);
}

// A file whose top level has settings of its own (as the web config's
// basic_auth_users) beside sections.
struct Web {
  std::map<std::string, std::string> users;
  std::string cert;
};

TEST(FieldTable, TopLevelKeysLiveInATableNamedEmpty) {
  auto no_colon = [](const std::string& user, const std::string&) {
    return user.find(':') == std::string::npos ? "" : "a user name cannot contain ':'";
  };
  static const ConfigSchema<Web> kWeb({
      FieldTable<Web>("", "", {Map("users", At(&Web::users), Apply::kRestart, "Users.", {{}, "", no_colon})},
                      {[](const Web& w, SectionCheck& k) {
                        if (w.users.empty() && w.cert.empty()) k.FailSection("sets neither tls nor users");
                      }})
          .Unsupported({"rate_limit"}),
      FieldTable<Web>("tls", "", {Str("cert", At(&Web::cert), "", Apply::kRestart, "Cert.").Required()})
          .Unsupported({"cipher_suites"}),
  });
  auto load = [](const std::string& yaml) {
    auto r = YamlReader::FromText(yaml, "w.yaml");
    Web w;
    kWeb.Read(r, w);
    return std::make_pair(w, r.problems());
  };
  auto [w, problems] = load("users: {a: b}\ntls: {cert: c.pem}\n");
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(w.users.at("a"), "b");
  EXPECT_EQ(w.cert, "c.pem");
  EXPECT_THAT(load("tls:\n  key: k\n  cipher_suites: []\nrate_limit: 1\nrate: 2\n").second,
              ElementsAre("w.yaml:4: rate_limit: not supported by slamon (remove it)",
                          "w.yaml:5: rate: unknown section", "w.yaml:2: tls.key: unknown setting",
                          "w.yaml:3: tls.cipher_suites: not supported by slamon (remove it)",
                          "w.yaml:2: tls.cert: is required"));
  EXPECT_THAT(load("users: {'a:b': x}\n").second, ElementsAre("w.yaml:1: users.a:b: a user name cannot contain ':'"));
  EXPECT_THAT(load("users: {}\n").second, ElementsAre("w.yaml:1: (top level): sets neither tls nor users"));
  Web other = w;
  other.users["c"] = "d";
  EXPECT_THAT(kWeb.Diff(w, other).restart, ElementsAre("users"));
}

TEST(FieldTable, DurationTextRoundTrips) {
  EXPECT_EQ(detail::ParseDuration("90s"), 90);
  EXPECT_EQ(detail::ParseDuration("2d"), 172800);
  EXPECT_EQ(detail::ParseDuration("12"), 12);
  EXPECT_EQ(detail::ParseDuration("1w"), std::nullopt);
  EXPECT_EQ(detail::ParseDuration("h"), std::nullopt);
  EXPECT_EQ(detail::ParseDuration("1234567890s"), std::nullopt);  // ten digits: out of any sane range
  EXPECT_EQ(detail::FormatDuration(90), "1m30s");
  EXPECT_EQ(detail::FormatDuration(93600), "1d2h");
  EXPECT_EQ(detail::FormatDuration(0), "0s");
  EXPECT_EQ(detail::IntBounds({0, std::numeric_limits<int64_t>::max(), "messages"}), "≥ 0 (messages)");
}

}  // namespace
}  // namespace slamon::config
