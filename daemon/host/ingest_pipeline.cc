#include "daemon/host/ingest_pipeline.h"

#include <algorithm>
#include <chrono>

namespace slamon::daemon {

IngestPipeline::IngestPipeline(WriteFn write, SyncedFn on_synced, size_t max_in_flight)
    : write_(std::move(write)),
      on_synced_(std::move(on_synced)),
      max_in_flight_(std::max<size_t>(max_in_flight, 1)),
      writer_([this] { WriterLoop(); }) {}

IngestPipeline::~IngestPipeline() {
  Drain();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void IngestPipeline::Submit(IngestJob job) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return unfinished_ < max_in_flight_; });
  ++unfinished_;
  bytes_ += job.bytes;
  queue_.push_back(std::move(job));
  lock.unlock();
  cv_.notify_all();
}

void IngestPipeline::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return unfinished_ == 0; });
}

std::vector<IngestCompletion> IngestPipeline::TakeCompleted() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<IngestCompletion> out;
  out.swap(completed_);
  return out;
}

void IngestPipeline::Resume() {
  std::lock_guard<std::mutex> lock(mu_);
  failed_ = false;
}

bool IngestPipeline::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

size_t IngestPipeline::bytes_in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

void IngestPipeline::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_, and nothing left to write
    IngestJob job = std::move(queue_.front());
    queue_.pop_front();
    IngestCompletion done;
    if (failed_) {
      // Behind a failed write: never written (see the header).
      done.messages = job.items.size();
    } else {
      lock.unlock();
      done = Write(job);
      lock.lock();
      if (done.outcome == IngestCompletion::Outcome::kFailed) failed_ = true;
    }
    bytes_ -= job.bytes;
    --unfinished_;
    completed_.push_back(std::move(done));
    cv_.notify_all();
  }
}

IngestCompletion IngestPipeline::Write(IngestJob& job) {
  IngestCompletion done;
  done.messages = job.items.size();
  const auto t0 = std::chrono::steady_clock::now();
  events::AppendResult result;
  done.status = write_(job.items, &result);
  if (!done.status.ok()) {
    done.outcome = IngestCompletion::Outcome::kFailed;
    done.items = std::move(job.items);
    return done;
  }
  done.outcome = IngestCompletion::Outcome::kWritten;
  done.write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int64_t* next = nullptr;
  const events::SourcePos* last = nullptr;
  for (const auto& item : job.items) {
    if (last == nullptr || item.pos.partition != last->partition || item.pos.topic != last->topic) {
      next = &done.next[{item.pos.topic, item.pos.partition}];  // one lookup per run of a partition
      last = &item.pos;
    }
    *next = std::max(*next, item.pos.offset + 1);
  }
  if (on_synced_) on_synced_(job, result, done.write_seconds);
  return done;
}

}  // namespace slamon::daemon
