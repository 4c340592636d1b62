// Explaining a verdict end to end: `slamon run` on the real broker ingests
// an account and tickets (one with an id that needs percent-encoding and
// escaping, paused while pending); the live `GET /api/v1/tickets/{id}/sla`
// must equal `slamon explain --format json` on the daemon's store at the
// instant the answer names, the console's breach rows must link to the
// ticket page, and headless Chromium (DevTools over a pipe: the page allows
// no script) loads the page at 390×844 and 1440×900: no horizontal overflow,
// one timeline per clock, real PNG screenshots. SLAMON_CONSOLE_ARTIFACTS=DIR
// keeps the screenshots.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "events/codec.h"
#include "tests/integration/chromium_pipe.h"
#include "tests/support/daemon_process.h"
#include "tests/support/files.h"
#include "tests/support/http_client.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const std::string kTicket = "TP/1 <b>&\"x\"";
const std::string kTicketInPath = "TP%2F1%20%3Cb%3E%26%22x%22";
const std::string kAccount = "acme & <co>";

// A tier-A account and two tickets: kTicket opened ten days ago, pending for
// a day, answered after a week (first response breached, resolution still
// running and breached); TP-2 opened an hour ago, unanswered.
std::vector<std::pair<std::string, std::string>> Events(int64_t now) {
  std::vector<std::pair<std::string, std::string>> out;
  int n = 0;
  auto add = [&](int64_t t, const std::string& type, const std::string& fields) {
    json e = json::parse("{" + fields + "}");
    e["id"] = "tp-" + std::to_string(n++);
    e["type"] = type;
    e["occurred_at"] = events::FormatRfc3339(t);
    e["account_id"] = kAccount;
    out.emplace_back(kAccount, e.dump());
  };
  const int64_t day = 86400;
  add(now - 40 * day, "account.upserted", R"("name":"Acme","tier":"A","owner":"li.wei","team":"east")");
  const std::string t1 = "\"ticket_id\":" + json(kTicket).dump();
  add(now - 10 * day, "ticket.opened", t1 + R"(,"priority":"high","channel":"email")");
  add(now - 9 * day, "ticket.status_changed", t1 + R"(,"status":"pending")");
  add(now - 8 * day, "ticket.status_changed", t1 + R"(,"status":"open")");
  add(now - 3 * day, "ticket.replied", t1 + R"(,"author":"agent")");
  add(now - 3600, "ticket.opened", R"("ticket_id":"TP-2","priority":"urgent")");
  return out;
}

std::string Chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

uint32_t BigEndian32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Loads the page at one size and checks what a person would see there.
void CheckPageAt(ChromiumPipe& browser, const std::string& url, int width, int height, size_t clocks,
                 const std::string& artifact) {
  SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
  ASSERT_TRUE(browser.SetViewport(width, height, width < 600)) << browser.error();
  ASSERT_TRUE(browser.Navigate(url)) << browser.error();
  const json layout = browser.Evaluate(
      "JSON.stringify({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
      " svgs: document.querySelectorAll('svg.bar').length, scripts: document.scripts.length,"
      " h1: document.querySelector('h1').textContent,"
      " widest: Math.max(...Array.from(document.body.querySelectorAll('*'), e => e.getBoundingClientRect().right))})");
  ASSERT_TRUE(layout.is_string()) << browser.error();
  const json m = json::parse(layout.get<std::string>());
  EXPECT_EQ(m["client"].get<int>(), width);
  EXPECT_LE(m["scroll"].get<int>(), m["client"].get<int>()) << "the page scrolls sideways: " << m.dump();
  EXPECT_LE(m["widest"].get<double>(), width + 0.5) << m.dump();
  EXPECT_EQ(m["svgs"].get<size_t>(), clocks);
  EXPECT_EQ(m["scripts"].get<int>(), 0);
  EXPECT_EQ(m["h1"].get<std::string>(), "Ticket " + kTicket);  // the hostile id is text, not markup
  const std::string png = browser.Screenshot();
  ASSERT_GT(png.size(), 5000u) << browser.error();
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(BigEndian32(png, 16), static_cast<uint32_t>(width));
  EXPECT_EQ(BigEndian32(png, 20), static_cast<uint32_t>(height));
  if (const char* keep = std::getenv("SLAMON_CONSOLE_ARTIFACTS"); keep != nullptr && *keep != '\0') {
    std::ofstream(std::string(keep) + "/" + artifact, std::ios::binary) << png;
  }
}

TEST(TicketPageTest, LiveExplainEqualsTheStoreAndThePageFitsAPhone) {
  const std::string brokers = TestBrokers();
  if (brokers.empty()) GTEST_SKIP() << "SLAMON_TEST_BROKERS is not set: start a broker with scripts/kafka start";
  TempDir dir;
  const std::string topic = UniqueName("tickets");
  CreateTopic(brokers, topic, 2);
  ProduceRaw(brokers, topic, Events(static_cast<int64_t>(std::time(nullptr))));
  const std::string config = WriteConfig(dir.path(), brokers, topic, UniqueName("g"));
  std::ofstream(config, std::ios::app) << SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  DaemonProcess daemon(config, dir.Sub("run.log"));
  daemon.Start();

  const auto deadline = Clock::now() + seconds(120);
  const int port = daemon.WaitPort(seconds(120));
  ASSERT_NE(port, 0) << Tail(dir.Sub("run.log"));
  const std::string api = "/api/v1/tickets/" + kTicketInPath + "/sla";
  HttpResult live;
  while (Clock::now() < deadline && daemon.Running()) {
    live = HttpGetFull(port, api);
    if (live.status == 200) break;
    std::this_thread::sleep_for(milliseconds(300));
  }
  ASSERT_EQ(live.status, 200) << live.body << Tail(dir.Sub("run.log"));
  const json clocks = json::parse(live.body);
  ASSERT_EQ(clocks.size(), 2u) << live.body;  // first_response, resolution (tier-a has no next response yet)
  EXPECT_EQ(clocks[0]["metric"], "first_response");
  EXPECT_TRUE(clocks[0]["breached"].get<bool>());
  EXPECT_EQ(clocks[1]["not_counted"][0]["why"].is_string(), true);
  bool paused = false;
  for (const json& g : clocks[1]["not_counted"]) paused = paused || g["why"] == "paused";
  EXPECT_TRUE(paused) << clocks[1].dump();

  // The store at the instant the daemon answered for: the same lines, byte for byte.
  const std::string as_of = live.Header("X-Slamon-As-Of");
  const RunResult offline = RunSlamon({"explain", "--store", dir.Sub("store"), "--config", config, "--ticket", kTicket,
                                       "--as-of", as_of, "--policy", "current", "--format", "json"},
                                      dir.path());
  ASSERT_EQ(offline.code, 0) << offline.err;
  std::string expected = "[";
  for (size_t at = 0; at < offline.out.size();) {
    const size_t nl = offline.out.find('\n', at);
    expected += (at == 0 ? "\n" : ",\n") + offline.out.substr(at, nl - at);
    at = nl + 1;
  }
  EXPECT_EQ(live.body, expected + "\n]\n");
  EXPECT_EQ(HttpGetFull(port, "/api/v1/tickets/nope/sla").status, 404);

  // The console's breach rows link to the ticket page.
  std::string console;
  while (Clock::now() < deadline) {
    console = HttpGetFull(port, "/").body;
    if (console.find("/tickets/" + kTicketInPath + "\"") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(500));
  }
  EXPECT_NE(console.find("<a href=\"/tickets/" + kTicketInPath + "\">TP/1 &lt;b&gt;&amp;&quot;x&quot;</a>"),
            std::string::npos)
      << console;
  const HttpResult page = HttpGetFull(port, "/tickets/" + kTicketInPath);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");

  const std::string chromium = Chromium();
  if (chromium.empty()) {
    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(seconds(60)), 0);
    GTEST_SKIP() << "chromium is not installed: scripts/setup installs Debian's chromium";
  }
  {
    ChromiumPipe browser(chromium, dir.Sub("profile"), dir.Sub("chromium.log"));
    ASSERT_TRUE(browser.ok()) << browser.error();
    if (!browser.OpenPage())
      GTEST_SKIP() << "chromium cannot start here: " << browser.error() << "\n" << Tail(dir.Sub("chromium.log"));
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/tickets/" + kTicketInPath;
    CheckPageAt(browser, url, 390, 844, clocks.size(), "ticket-390.png");
    CheckPageAt(browser, url, 1440, 900, clocks.size(), "ticket-1440.png");
  }
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(seconds(60)), 0) << Tail(dir.Sub("run.log"));
}

}  // namespace
}  // namespace slamon::testing
