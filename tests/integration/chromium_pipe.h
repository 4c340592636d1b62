// Headless Chromium driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands on fd 3, answers on fd 4, each a JSON
// text ending in '\0'), so that a test can set a phone-sized viewport, load a
// page, measure its layout and take a screenshot. Measuring runs through
// DevTools, not through the page: the console's pages forbid scripts.
// Every wait is bounded; the browser runs in its own process group, which
// the destructor ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace slamon::testing {

class ChromiumPipe {
 public:
  /// Starts `chromium` headless with a fresh profile under `profile_dir`;
  /// stderr goes to `log_path`. ok() is false when it could not start.
  ChromiumPipe(const std::string& chromium, const std::string& profile_dir, const std::string& log_path);
  ~ChromiumPipe();
  ChromiumPipe(const ChromiumPipe&) = delete;
  ChromiumPipe& operator=(const ChromiumPipe&) = delete;

  bool ok() const { return pid_ > 0 && error_.empty(); }
  const std::string& error() const { return error_; }

  /// Opens a page (about:blank) and attaches to it; later calls act on it.
  bool OpenPage();
  /// The viewport in CSS pixels (a phone: mobile = true).
  bool SetViewport(int width, int height, bool mobile);
  /// Loads `url` and waits for its load event.
  bool Navigate(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// The value of a JavaScript expression evaluated by DevTools in the page.
  nlohmann::json Evaluate(const std::string& expression);
  /// A PNG of the viewport.
  std::string Screenshot();

 private:
  // Sends a command (on the page's session when `on_page`) and waits for its answer.
  nlohmann::json Call(const std::string& method, const nlohmann::json& params, bool on_page = true,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool Send(const nlohmann::json& message);
  // The next message, or null on timeout or a closed pipe.
  nlohmann::json Receive(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  int next_id_ = 1;
  std::string session_;
  std::string buffer_;
  std::vector<nlohmann::json> events_;  // events read while waiting for an answer
  std::string error_;
};

}  // namespace slamon::testing
