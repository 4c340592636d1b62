#include "daemon/host/topic_retention_watch.h"

#include <fmt/format.h>

#include <vector>

#include "events/common/logging.h"
#include "events/kafka/topic_admin.h"

namespace slamon::daemon {

TopicRetentionWatch::TopicRetentionWatch(events::KafkaSettings settings, PipelineMetrics* metrics,
                                         TopicRetentionWatchOptions options)
    : settings_(std::move(settings)), metrics_(metrics), options_(std::move(options)) {}

TopicRetentionWatch::~TopicRetentionWatch() { Stop(); }

void TopicRetentionWatch::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      const bool answered = CheckOnce();
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, answered ? options_.period : options_.retry, [this] { return stop_.load(); })) return;
    }
  });
}

void TopicRetentionWatch::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool TopicRetentionWatch::CheckOnce() {
  auto log = Log("kafka");
  auto checked = events::CheckTopicRetention(settings_, options_.request_timeout, &stop_);
  if (stop_) return true;
  if (!checked.ok()) {
    if (!last_check_failed_) {
      log->warn("could not check the retention of topic(s) {}: {}; retrying every {} s",
                fmt::join(settings_.topics, ","), checked.status().message(),
                std::chrono::duration_cast<std::chrono::seconds>(options_.retry).count());
    }
    last_check_failed_ = true;
    return false;
  }
  last_check_failed_ = false;
  const std::string file = options_.config_file.empty() ? "FILE" : options_.config_file;
  for (const events::TopicRetentionCheck& c : *checked) {
    std::string verdict;
    if (!c.exists) {
      verdict = "missing";
    } else if (!c.problems.empty()) {
      verdict = fmt::format("{}", fmt::join(c.problems, "; "));
    }
    if (c.exists) metrics_->SetTopicRetentionOk(c.topic, c.problems.empty());
    auto [it, first] = last_verdict_.try_emplace(c.topic, verdict);
    if (!first && it->second == verdict) continue;  // said already
    it->second = verdict;
    if (!c.exists) {
      log->warn("topic {} does not exist yet; create it to keep every event with: slamon topic create --config {}",
                c.topic, file);
    } else if (!c.problems.empty()) {
      log->warn(
          "topic {} would lose history, and with it the events a rebuilt store needs: {}; fix: {} (or: slamon topic "
          "create --config {} --fix)",
          c.topic, verdict, events::RetentionFixCommand(settings_, c.topic), file);
    } else {
      log->info("topic {} keeps every event (no retention limit, no compaction)", c.topic);
    }
  }
  return true;
}

}  // namespace slamon::daemon
