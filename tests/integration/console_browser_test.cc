// The web console in a real browser: `slamon run` on the real broker, fed by
// the generator plus an account with a hostile id whose tickets are long
// breached, behind basic auth; headless Chromium loads `/` with the
// credentials in the URL, and the test reads the DOM it built (tier rows, the
// breach rows of the known tickets with their escalation step, the hostile id
// shown as text and never turned into an element) and checks the screenshot
// is a real 1280×900 PNG. Then every console page (the overview, the hostile
// owner's page, a team's page) at a phone's 390×844 and a desktop's
// 1440×900: the page never scrolls sideways, every link is a tap target at
// least 44 px tall, and a screenshot of each. SLAMON_CONSOLE_ARTIFACTS=DIR
// keeps the DOM and the screenshots for looking at.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "events/codec.h"
#include "tests/support/daemon_process.h"
#include "tests/support/event_json.h"
#include "tests/support/files.h"
#include "tests/support/kafka_test_util.h"
#include "tests/support/process.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

namespace slamon::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// Looks like markup, an attribute breakout and an entity at once.
const std::string kHostileAccount = "<img src=x onerror=alert(1)>&\"'";
// How Chromium serializes that text back (only &, < and > are escaped in text).
const std::string kHostileInDom = "&lt;img src=x onerror=alert(1)&gt;&amp;\"'";
constexpr const char* kAuthHeader = "Authorization: Basic b3BzOnMzY3JldA==\r\n";  // ops:s3cret
constexpr int kTickets = 3;

// A tier-A account (hostile id and owner) upserted 40 days ago and never
// contacted since (follow-up overdue), with tickets opened ten days ago that
// nobody answered (first response breached and escalated), reopened more
// often than resolved, and unhappy surveys (health at_risk).
KeyedMessages HostileAccountEvents(int64_t now) {
  EventMessages out("console");
  auto add = [&](int64_t t, const std::string& type, const std::string& fields) {
    out.Add(kHostileAccount, t, type, fields);
  };
  const int64_t day = 86400;
  add(now - 40 * day, "account.upserted", ",\"name\":\"Hostile\",\"tier\":\"A\",\"owner\":\"evil<b>owner\"");
  for (int t = 0; t < kTickets; ++t) {
    const std::string ticket = ",\"ticket_id\":\"CONSOLE-T" + std::to_string(t) + "\"";
    add(now - 10 * day + t * 600, "ticket.opened", ticket + ",\"priority\":\"high\"");
    if (t < 2) {
      add(now - 4 * day + t * 600, "ticket.resolved", ticket);
      add(now - 3 * day + t * 600, "ticket.reopened", ticket);
      add(now - 2 * day + t * 600, "ticket.reopened", ticket);
    }
    add(now - day + t * 600, "survey.answered", ticket + ",\"score\":1");
  }
  return out.messages();
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

// The <tr>…</tr> around the first occurrence of `needle`, "" when absent.
std::string RowOf(const std::string& dom, const std::string& needle) {
  const size_t at = dom.find(needle);
  if (at == std::string::npos) return "";
  const size_t begin = dom.rfind("<tr", at);
  const size_t end = dom.find("</tr>", at);
  if (begin == std::string::npos || end == std::string::npos) return "";
  return dom.substr(begin, end + 5 - begin);
}

// `s` as the value of a double-quoted HTML attribute.
std::string AttributeEscaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '<') {
      out += "&lt;";
    } else {
      out += c;
    }
  }
  return out;
}

// A page that shows `html` in a width×height frame and, once it has loaded,
// measures it: the frame's document is a srcdoc, so it shares the outer
// page's origin and the outer script may read its layout (the console's own
// Content-Security-Policy allows no script, and Chromium's window is never
// narrower than 500 px, so the phone's width is the frame's). The result is
// written into <pre id="measure">: "scroll=W client=W links=N small=N [...]".
std::string MeasuringPage(const std::string& html, int width, int height) {
  return "<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}</style></head><body>"
         "<iframe id=\"f\" width=\"" +
         std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" srcdoc=\"" + AttributeEscaped(html) +
         "\"></iframe><pre id=\"measure\"></pre>\n<script>window.addEventListener('load', () => {"
         "const doc = document.getElementById('f').contentDocument; const d = doc.documentElement; const small = [];"
         "for (const a of doc.querySelectorAll('a')) { const r = a.getBoundingClientRect();"
         "  if (r.width > 0 && r.height < 44) small.push(a.textContent + ' ' + r.height); }"
         "document.getElementById('measure').textContent = 'scroll=' + d.scrollWidth + ' client=' + d.clientWidth +"
         "  ' links=' + doc.querySelectorAll('a').length + ' small=' + small.length + ' [' + small.slice(0, "
         "5).join('|') +"
         "  ']'; });</script></body></html>\n";
}

// The number after `key=` in the measurement, -1 when absent.
int Measured(const std::string& dom, const std::string& key) {
  const size_t pre = dom.find("<pre id=\"measure\">");
  if (pre == std::string::npos) return -1;
  const size_t at = dom.find(key + "=", pre);
  if (at == std::string::npos) return -1;
  return std::atoi(dom.c_str() + at + key.size() + 1);
}

// The first href="/PREFIX..." of a page, "" when there is none.
std::string FirstLink(const std::string& html, const std::string& prefix) {
  const size_t at = html.find("href=\"" + prefix);
  if (at == std::string::npos) return "";
  const size_t begin = at + 6;
  return html.substr(begin, html.find('"', begin) - begin);
}

class ConsoleBrowserTest : public BrokerTest {};

TEST_F(ConsoleBrowserTest, ChromiumRendersTheLiveConsole) {
  const std::string chromium = Chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed: scripts/setup installs Debian's chromium";

  const std::string topic = NewTopic("console", 2);
  // The generated stream ends now (produce's default start time): open tickets in every tier.
  Process producer(
      ProduceCommand(brokers_, topic, 3000, "--accounts 60 --seed 11 --malformed-fraction 0 --duplicate-fraction 0"),
      dir_.Sub("produce.log"));
  ASSERT_EQ(producer.Wait(seconds(120)), 0) << Tail(dir_.Sub("produce.log"));
  ProduceRaw(brokers_, topic, HostileAccountEvents(static_cast<int64_t>(std::time(nullptr))));

  const std::string config = WriteConfig(dir_.path(), brokers_, topic, UniqueName("g"));
  // WriteConfig ends with the http: section: basic auth goes right under it.
  std::ofstream(config, std::ios::app) << "  basic_auth: {user: ops, password: s3cret}\n"
                                       << SlaSectionsOf(std::string(SLAMON_SOURCE_DIR) + "/config/slamon.example.yaml");
  DaemonProcess daemon(config, dir_.Sub("run.log"));
  daemon.Start();

  const auto deadline = Clock::now() + seconds(150);
  const int port = daemon.WaitPort(seconds(150));
  ASSERT_NE(port, 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
  EXPECT_EQ(CountInFile(dir_.Sub("run.log"), "slamon: console at " + base), 1u) << Tail(dir_.Sub("run.log"));

  // The console's lists fill in once the events are applied and the health
  // snapshot (refreshed every 15 s) covers them.
  std::string page;
  while (Clock::now() < deadline && daemon.Running()) {
    const auto res = RawRequest(port, "GET", "/", seconds(5), kAuthHeader);
    if (res.status == 200) page = res.body;
    if (page.find(">CONSOLE-T" + std::to_string(kTickets - 1) + "</a></td>") != std::string::npos &&
        page.find("Accounts at risk (0)") == std::string::npos &&
        page.find("Overdue follow-ups (0)") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(500));
  }
  ASSERT_NE(page.find(">CONSOLE-T0</a></td>"), std::string::npos) << page.substr(0, 4000) << Tail(dir_.Sub("run.log"));
  ASSERT_EQ(page.find("Accounts at risk (0)"), std::string::npos) << page.substr(0, 4000);
  EXPECT_EQ(RawRequest(port, "GET", "/", seconds(5)).status, 401);

  const std::vector<std::string> flags = {"--headless=new",
                                          "--no-sandbox",
                                          "--disable-gpu",
                                          "--disable-background-networking",
                                          "--disable-component-update",
                                          "--disable-sync",
                                          "--no-first-run",
                                          "--window-size=1280,900"};
  auto run_chromium = [&](const std::string& profile, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {chromium, "--user-data-dir=" + dir_.Sub(profile)};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCapture(args, dir_.path(), seconds(90));
  };
  // An environment that cannot run the browser at all is not the console's
  // failure: probe with an empty page first, and skip saying why.
  const RunResult probe = run_chromium("profile-probe", {"--dump-dom", "about:blank"});
  if (probe.code != 0) GTEST_SKIP() << "chromium cannot start here:\n" << probe.err.substr(0, 2000);
  const std::string with_credentials = "http://ops:s3cret@127.0.0.1:" + std::to_string(port) + "/";

  const RunResult dump = run_chromium("profile-dom", {"--dump-dom", with_credentials});
  ASSERT_EQ(dump.code, 0) << "chromium could not start or load the page:\n" << dump.err.substr(0, 4000);
  const std::string& dom = dump.out;
  ASSERT_NE(dom.find("<h1>slamon console</h1>"), std::string::npos) << dom.substr(0, 4000);
  // The tier table: one row per generated tier, and the total.
  for (const std::string tier : {"A", "B", "C", "All tiers"}) {
    EXPECT_NE(dom.find("<td>" + tier + "</td><td class=\"num\">"), std::string::npos) << tier << "\n" << dom;
  }
  // The breach rows of the known tickets: the account as text (and in a link
  // that leads to its card), the owner escaped, the metric, the escalation step.
  for (int t = 0; t < kTickets; ++t) {
    const std::string row = RowOf(dom, ">CONSOLE-T" + std::to_string(t) + "</a></td>");
    ASSERT_FALSE(row.empty()) << "no breach row for CONSOLE-T" << t << "\n" << dom;
    EXPECT_NE(row.find(">" + kHostileInDom + "</a></td>"), std::string::npos) << row;
    EXPECT_NE(row.find("href=\"/api/v1/accounts/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%26%22%27\""),
              std::string::npos)
        << row;
    EXPECT_NE(row.find("<td><a href=\"/owners/evil%3Cb%3Eowner\">evil&lt;b&gt;owner</a></td><td>A</td><td>high</td>"
                       "<td>first_response</td>"),
              std::string::npos)
        << row;
    EXPECT_NE(row.find("<td class=\"wrap\">head_of_service ("), std::string::npos) << row;
  }
  // The hostile id is at risk and its follow-up overdue, and it never became markup.
  const size_t at_risk = dom.find("Accounts at risk (");
  const size_t followups = dom.find("Overdue follow-ups (");
  ASSERT_NE(at_risk, std::string::npos);
  ASSERT_NE(followups, std::string::npos);
  EXPECT_LT(dom.find(kHostileInDom, at_risk), followups) << "the hostile account is not in the at-risk list";
  EXPECT_NE(dom.find(kHostileInDom, followups), std::string::npos) << "nor in the follow-up list";
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_EQ(dom.find("<b>"), std::string::npos);
  EXPECT_EQ(dom.find("<script"), std::string::npos);

  // Without credentials the browser gets the 401, not the console.
  const RunResult denied = run_chromium("profile-denied", {"--dump-dom", base});
  ASSERT_EQ(denied.code, 0) << denied.err.substr(0, 4000);
  EXPECT_EQ(denied.out.find("slamon console"), std::string::npos) << denied.out;

  const std::string png = dir_.Sub("console.png");
  const RunResult shot = run_chromium("profile-shot", {"--screenshot=" + png, with_credentials});
  ASSERT_EQ(shot.code, 0) << shot.err.substr(0, 4000);
  const std::string image = ReadFile(png);
  ASSERT_GT(image.size(), 20000u) << "a screenshot of a page with cards and tables is not that small";
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(image.substr(12, 4), "IHDR");
  EXPECT_EQ(BigEndian32(image, 16), 1280u);
  EXPECT_EQ(BigEndian32(image, 20), 900u);
  if (const char* keep = std::getenv("SLAMON_CONSOLE_ARTIFACTS"); keep != nullptr && *keep != '\0') {
    std::ofstream(std::string(keep) + "/console.html") << dom;
    std::filesystem::copy_file(png, std::string(keep) + "/console.png",
                               std::filesystem::copy_options::overwrite_existing);
  }

  // Every page at a phone's size and a desktop's: no sideways scrolling of
  // the page, every link at least 44 px tall, and a screenshot of each.
  const std::string owner_page = FirstLink(page, "/owners/evil");
  const std::string team_page = FirstLink(page, "/teams/");
  ASSERT_EQ(owner_page, "/owners/evil%3Cb%3Eowner");
  ASSERT_FALSE(team_page.empty()) << "no team link on the overview";
  EXPECT_NE(page.find("<figure class=\"chart\">"), std::string::npos) << "no trend charts";
  int screenshots = 0;
  for (const std::string& path : {std::string("/"), owner_page, team_page}) {
    const auto res = RawRequest(port, "GET", path, seconds(5), kAuthHeader);
    ASSERT_EQ(res.status, 200) << path << "\n" << res.body.substr(0, 2000);
    for (const auto& [width, height] : {std::pair{390, 844}, std::pair{1440, 900}}) {
      const std::string size = std::to_string(width) + "x" + std::to_string(height);
      const std::string name = "page" + std::to_string(screenshots) + "-" + size;
      // Chromium's window is at least 500 px wide: the phone is the frame's width.
      const std::string window = "--window-size=" + std::to_string(std::max(width, 500)) + "," + std::to_string(height);
      std::ofstream(dir_.Sub(name + ".html")) << MeasuringPage(res.body, width, height);
      const RunResult measured =
          run_chromium("profile-" + name, {window, "--dump-dom", "file://" + dir_.Sub(name + ".html")});
      ASSERT_EQ(measured.code, 0) << measured.err.substr(0, 4000);
      const std::string& m = measured.out;
      const size_t pre = m.find("<pre id=\"measure\">");
      const std::string result = pre == std::string::npos ? "no measurement" : m.substr(pre, 400);
      // The viewport is the frame less its vertical scroll bar, if the bar takes room.
      const int client = Measured(m, "client");
      EXPECT_GE(client, width - 20) << path << " " << size << ": " << result;
      EXPECT_LE(client, width) << path << " " << size << ": " << result;
      EXPECT_LE(Measured(m, "scroll"), client) << path << " " << size << " scrolls sideways: " << result;
      EXPECT_GT(Measured(m, "links"), 3) << path << " " << size << ": " << result;
      EXPECT_EQ(Measured(m, "small"), 0) << path << " " << size << ": links under 44 px: " << result;
      // The screenshot: the page itself at the desktop's size, the measured frame at the phone's.
      const std::string png_path = dir_.Sub(name + ".png");
      const std::string url = width >= 500 ? "http://ops:s3cret@127.0.0.1:" + std::to_string(port) + path
                                           : "file://" + dir_.Sub(name + ".html");
      const RunResult taken = run_chromium("profile-shot-" + name, {window, "--screenshot=" + png_path, url});
      ASSERT_EQ(taken.code, 0) << taken.err.substr(0, 4000);
      const std::string png = ReadFile(png_path);
      ASSERT_GT(png.size(), 10000u) << path << " " << size;
      EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
      EXPECT_EQ(BigEndian32(png, 16), static_cast<uint32_t>(std::max(width, 500)));
      EXPECT_EQ(BigEndian32(png, 20), static_cast<uint32_t>(height));
      if (const char* keep = std::getenv("SLAMON_CONSOLE_ARTIFACTS"); keep != nullptr && *keep != '\0') {
        std::filesystem::copy_file(png_path, std::string(keep) + "/" + name + ".png",
                                   std::filesystem::copy_options::overwrite_existing);
      }
    }
    ++screenshots;
  }

  EXPECT_EQ(daemon.Stop(seconds(60)), 0) << daemon.Tail();
}

}  // namespace
}  // namespace slamon::testing
