// A MessageSource without Kafka: per-partition logs of payloads delivered in
// batches, with the consumer-group behaviour the ingest loop relies on
// (assignment, end of log, pause, resume from a looked-up offset, a revoke
// that flushes what the poll gathered). For unit tests of the ingest loop's logic.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "events/kafka/message_source.h"

namespace slamon::testing {

class StubSource final : public events::MessageSource {
 public:
  StubSource(std::string topic, std::map<int32_t, std::vector<std::string>> logs, size_t batch = 100)
      : topic_(std::move(topic)), logs_(std::move(logs)), batch_(batch) {
    for (const auto& [p, log] : logs_) next_[p] = 0;
  }

  /// Flush callback of a revoke, as KafkaSource's: called inside Poll with
  /// the messages gathered so far, which must be stored before it returns.
  using Flush = std::function<void(std::vector<events::Message>& pending)>;
  /// At poll number `poll` (1-based), after gathering, revokes `partition`:
  /// `flush` gets the gathered messages, then the partition leaves the
  /// assignment (a new generation) and is never delivered again.
  void RevokeAtPoll(int poll, int32_t partition, Flush flush) {
    revoke_poll_ = poll;
    revoke_partition_ = partition;
    flush_ = std::move(flush);
  }

  events::PollStatus Poll(std::vector<events::Message>* out) override {
    out->clear();
    const int poll = ++polls_;
    if (generation_ == 0) generation_ = 1;  // the first poll brings the assignment
    if (paused_) return events::PollStatus::kIdle;
    for (auto& [p, next] : next_) {
      if (revoked_.count(p)) continue;
      const auto& log = logs_.at(p);
      while (next < static_cast<int64_t>(log.size()) && out->size() < batch_) {
        out->push_back(events::Message::Owned(topic_, p, next, log[static_cast<size_t>(next)]));
        ++next;
      }
    }
    if (poll == revoke_poll_ && flush_) {
      flush_(*out);
      out->clear();
      revoked_.insert(revoke_partition_);
      ++generation_;
    }
    return out->empty() ? events::PollStatus::kIdle : events::PollStatus::kMessages;
  }
  void CommitForVisibility(const std::map<std::pair<std::string, int32_t>, int64_t>& next_offsets) override {
    committed_ = next_offsets;
  }
  bool AllAssignedAtEof() const override {
    if (generation_ == 0 || paused_) return false;
    return std::all_of(next_.begin(), next_.end(), [this](const auto& e) {
      return revoked_.count(e.first) || e.second >= static_cast<int64_t>(logs_.at(e.first).size());
    });
  }
  std::set<std::pair<std::string, int32_t>> Assignment() const override {
    std::set<std::pair<std::string, int32_t>> out;
    if (generation_ == 0) return out;
    for (const auto& [p, log] : logs_) {
      if (!revoked_.count(p)) out.emplace(topic_, p);
    }
    return out;
  }
  int64_t HighWatermark(const std::string&, int32_t partition) const override {
    auto it = logs_.find(partition);
    return it == logs_.end() ? -1 : static_cast<int64_t>(it->second.size());
  }
  uint64_t assignment_generation() const override { return generation_; }
  void PauseAll() override {
    paused_ = true;
    ++pauses_;
  }
  void ResumeAt(const events::OffsetLookup& lookup) override {
    for (auto& [p, next] : next_) next = std::max<int64_t>(lookup(topic_, p), 0);
    paused_ = false;
    ++resumes_;
  }
  bool paused() const override { return paused_; }

  /// Polls so far (any thread).
  int polls() const { return polls_; }
  /// The next offset to deliver of a partition (what was delivered so far).
  int64_t delivered(int32_t partition) const { return next_.at(partition); }
  int pauses() const { return pauses_; }
  int resumes() const { return resumes_; }
  const std::map<std::pair<std::string, int32_t>, int64_t>& committed() const { return committed_; }

 private:
  std::string topic_;
  std::map<int32_t, std::vector<std::string>> logs_;
  size_t batch_;
  std::map<int32_t, int64_t> next_;
  uint64_t generation_ = 0;
  bool paused_ = false;
  int pauses_ = 0, resumes_ = 0;
  std::atomic<int> polls_{0};
  int revoke_poll_ = 0;
  int32_t revoke_partition_ = 0;
  Flush flush_;
  std::set<int32_t> revoked_;
  std::map<std::pair<std::string, int32_t>, int64_t> committed_;
};

}  // namespace slamon::testing
