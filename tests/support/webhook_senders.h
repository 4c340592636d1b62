// Helpdesks sending webhooks to a bridge without pause, as the bridge tests of
// a failing producer need them: a `generic` source (kGenericSourceSection)
// and sender threads that post one new webhook after the other, each with its
// own id, retrying a 503 the way helpdesks do until it is answered 200.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/webhook_fixtures.h"

namespace slamon::testing {

/// A bridge source `gen` (kind generic, token in X-Token) mapping every
/// webhook {"id","ticket","account","at"} to one ticket.opened with the
/// event id gen:<id>:0; indented to go under a bridge config's `sources:`.
inline constexpr const char* kGenericSourceSection =
    "  gen:\n"
    "    kind: generic\n"
    "    secret: test-token\n"
    "    auth: {mode: shared_secret, header: X-Token}\n"
    "    id: /id\n"
    "    fields: {ticket_id: /ticket, account_id: /account, occurred_at: /at}\n"
    "    events:\n"
    "      - type: ticket.opened\n";

/// The event id the bridge derives from a webhook id of the `gen` source.
inline std::string GenEventId(const std::string& webhook_id) { return "gen:" + webhook_id + ":0"; }

/// Sender threads posting to 127.0.0.1:port/webhooks/gen until Stop().
/// Thread-safe accessors.
class WebhookSenders {
 public:
  WebhookSenders(int port, int senders) : port_(port) {
    for (int s = 0; s < senders; ++s) threads_.emplace_back([this, s] { Run(s); });
  }
  ~WebhookSenders() { Stop(); }

  /// Lets every sender finish its current webhook (retries included), then joins them.
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  /// Webhook ids answered 200.
  std::vector<std::string> accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  size_t accepted_count() const {
    std::lock_guard lock(mu_);
    return accepted_.size();
  }
  /// "id: status" of webhooks never answered 200 (another status, or 503 too often).
  std::vector<std::string> refused() const {
    std::lock_guard lock(mu_);
    return refused_;
  }
  int answered_503() const { return answered_503_; }

 private:
  void Run(int sender) {
    using namespace std::chrono_literals;
    for (int i = 0; !stop_; ++i) {
      const std::string id = "s" + std::to_string(sender) + "-" + std::to_string(i);
      const std::string body = R"({"id":")" + id + R"(","ticket":")" + id + R"(","account":"acct)" +
                               std::to_string(i % 7) + R"(","at":"2026-11-20T09:00:00Z"})";
      int status = 0;
      // A helpdesk retries for hours; 60 tries 100 ms apart, each waiting at
      // most the bridge's delivery wait, are plenty here.
      for (int attempt = 0; attempt < 60 && status != 200; ++attempt) {
        status = PostWebhook(port_, "/webhooks/gen", Request(body, {{"X-Token", "test-token"}}), 30s).status;
        if (status != 503) break;
        ++answered_503_;
        std::this_thread::sleep_for(100ms);
      }
      std::lock_guard lock(mu_);
      if (status == 200) {
        accepted_.push_back(id);
      } else {
        refused_.push_back(id + ": " + std::to_string(status));
      }
    }
  }

  const int port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_503_{0};
  mutable std::mutex mu_;
  std::vector<std::string> accepted_;
  std::vector<std::string> refused_;
  std::vector<std::thread> threads_;
};

}  // namespace slamon::testing
