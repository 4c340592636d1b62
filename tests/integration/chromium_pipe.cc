#include "tests/integration/chromium_pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace slamon::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Base64Decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  uint32_t acc = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;  // padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

ChromiumPipe::ChromiumPipe(const std::string& chromium, const std::string& profile_dir, const std::string& log_path) {
  int to[2], from[2];
  if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  const std::vector<std::string> args = {chromium,
                                         "--headless=new",
                                         "--no-sandbox",
                                         "--disable-gpu",
                                         "--disable-background-networking",
                                         "--disable-component-update",
                                         "--disable-sync",
                                         "--no-first-run",
                                         "--hide-scrollbars",
                                         "--remote-debugging-pipe",
                                         "--user-data-dir=" + profile_dir,
                                         "about:blank"};
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    // fd 3: commands in, fd 4: answers out (dup2 clears close-on-exec).
    const int in = dup(to[0]);
    const int out = dup(from[1]);
    dup2(in, 3);
    dup2(out, 4);
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(chromium.c_str(), argv.data());
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  to_browser_ = to[1];
  from_browser_ = from[0];
  if (pid_ < 0) error_ = "fork failed";
}

ChromiumPipe::~ChromiumPipe() {
  if (pid_ <= 0) return;
  if (error_.empty()) (void)Call("Browser.close", nlohmann::json::object(), false, std::chrono::seconds(5));
  close(to_browser_);
  close(from_browser_);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(-pid_, SIGKILL);  // the browser's own process group: only what this object started
  waitpid(pid_, nullptr, 0);
}

bool ChromiumPipe::Send(const nlohmann::json& message) {
  std::string text = message.dump();
  text.push_back('\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(to_browser_, text.data() + done, text.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

nlohmann::json ChromiumPipe::Receive(Clock::time_point deadline) {
  for (;;) {
    const size_t end = buffer_.find('\0');
    if (end != std::string::npos) {
      const std::string text = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return nlohmann::json::parse(text, nullptr, false);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return nullptr;
    pollfd p{from_browser_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char chunk[65536];
    const ssize_t n = read(from_browser_, chunk, sizeof(chunk));
    if (n <= 0) return nullptr;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

nlohmann::json ChromiumPipe::Call(const std::string& method, const nlohmann::json& params, bool on_page,
                                  std::chrono::milliseconds timeout) {
  nlohmann::json message = {{"id", next_id_++}, {"method", method}, {"params", params}};
  if (on_page && !session_.empty()) message["sessionId"] = session_;
  if (!Send(message)) {
    error_ = "cannot write to the browser";
    return nullptr;
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    nlohmann::json m = Receive(deadline);
    if (m.is_null()) {
      error_ = method + ": no answer";
      return nullptr;
    }
    if (m.contains("id") && m["id"] == message["id"]) {
      if (m.contains("error")) {
        error_ = method + ": " + m["error"].dump();
        return nullptr;
      }
      return m["result"];
    }
    events_.push_back(std::move(m));
  }
}

bool ChromiumPipe::OpenPage() {
  const nlohmann::json target = Call("Target.createTarget", {{"url", "about:blank"}}, false);
  if (target.is_null()) return false;
  const nlohmann::json attached =
      Call("Target.attachToTarget", {{"targetId", target["targetId"]}, {"flatten", true}}, false);
  if (attached.is_null()) return false;
  session_ = attached["sessionId"].get<std::string>();
  return !Call("Page.enable", nlohmann::json::object()).is_null();
}

bool ChromiumPipe::SetViewport(int width, int height, bool mobile) {
  return !Call("Emulation.setDeviceMetricsOverride",
               {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", mobile}})
              .is_null();
}

bool ChromiumPipe::Navigate(const std::string& url, std::chrono::milliseconds timeout) {
  events_.clear();
  if (Call("Page.navigate", {{"url", url}}).is_null()) return false;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    for (const auto& e : events_) {
      if (e.value("method", "") == "Page.loadEventFired" && e.value("sessionId", "") == session_) return true;
    }
    events_.clear();
    nlohmann::json m = Receive(deadline);
    if (m.is_null()) {
      error_ = "no load event for " + url;
      return false;
    }
    events_.push_back(std::move(m));
  }
}

nlohmann::json ChromiumPipe::Evaluate(const std::string& expression) {
  const nlohmann::json r = Call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
  if (r.is_null() || !r.contains("result")) return nullptr;
  return r["result"].value("value", nlohmann::json());
}

std::string ChromiumPipe::Screenshot() {
  const nlohmann::json r = Call("Page.captureScreenshot", {{"format", "png"}});
  if (r.is_null()) return "";
  return Base64Decode(r["data"].get<std::string>());
}

}  // namespace slamon::testing
