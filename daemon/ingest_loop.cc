#include "daemon/ingest_loop.h"

#include <chrono>
#include <thread>

#include "events/logging.h"

namespace slamon::daemon {

IngestLoop::IngestLoop(events::EventStore* store, PipelineMetrics* metrics, events::CodecOptions codec)
    : store_(store), metrics_(metrics), decoder_(codec) {}

Status IngestLoop::Ingest(std::vector<events::Message>& batch, const std::atomic<bool>& stop) {
  if (batch.empty()) return Status::OK();
  const auto t0 = std::chrono::steady_clock::now();
  items_.clear();
  items_.resize(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const events::Message& m = batch[i];
    events::BatchItem& item = items_[i];
    item.pos.topic.assign(m.topic());
    item.pos.partition = m.partition();
    item.pos.offset = m.offset();
    events::DecodeResult r = decoder_.Decode(m.payload());
    if (auto* e = std::get_if<events::Event>(&r)) {
      item.event = std::move(*e);
    } else {
      item.rejection = std::move(std::get<events::Rejection>(r));
      Log("ingest")->warn("quarantined {}[{}]@{}: {} ({})", item.pos.topic, item.pos.partition, item.pos.offset,
                          events::Name(item.rejection->reason), item.rejection->detail);
    }
  }
  events::AppendResult result;
  for (int attempt = 0;; ++attempt) {
    Status s = store_->AppendBatch(items_, &result);
    if (s.ok()) break;
    store_writable_ = false;
    if (attempt == 0 || attempt % 60 == 0) {
      Log("store")->error("cannot append a batch of {} message(s), consumption paused, retrying every second: {}",
                          batch.size(), s.message());
    }
    if (stop) return s;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (!store_writable_) Log("store")->info("store writable again, consumption resumed");
  store_writable_ = true;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  metrics_->OnAppend(result, seconds, store_->EventCount());

  for (const auto& item : items_) {
    auto& next = last_next_[{item.pos.topic, item.pos.partition}];
    next = std::max(next, item.pos.offset + 1);
  }
  if (on_stored_ && result.stored > 0) {
    std::vector<events::Event> stored;
    stored.reserve(result.stored_items.size());
    for (size_t i : result.stored_items) stored.push_back(std::move(*items_[i].event));
    on_stored_(std::move(stored));
  }
  return Status::OK();
}

Status IngestLoop::Run(events::KafkaSource* source, const std::atomic<bool>& stop, bool exit_on_eof) {
  std::vector<events::Message> batch;
  auto last_lag = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  while (!stop) {
    const auto t0 = std::chrono::steady_clock::now();
    events::PollStatus ps = source->Poll(&batch);
    if (ps == events::PollStatus::kFatal) return Status::Unavailable("the Kafka client failed fatally (see log)");
    if (ps == events::PollStatus::kMessages) {
      const auto t1 = std::chrono::steady_clock::now();
      Status s = Ingest(batch, stop);
      if (!s.ok()) return s;
      source->CommitForVisibility(last_next_);
      Log("ingest")->debug("batch of {} message(s): gathered in {:.1f} ms, stored in {:.1f} ms", batch.size(),
                           std::chrono::duration<double, std::milli>(t1 - t0).count(),
                           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count());
    }
    if (source->AllAssignedAtEof() && !caught_up_) {
      caught_up_ = true;
      Log("ingest")->info("caught up: every assigned partition is at its end ({} events stored)", store_->EventCount());
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_lag > std::chrono::seconds(1)) {
      last_lag = now;
      for (const auto& [topic, partition] : source->Assignment()) {
        int64_t hi = source->HighWatermark(topic, partition);
        int64_t next = store_->NextOffset(topic, partition);
        if (hi >= 0) metrics_->SetLag(topic, partition, hi - std::max<int64_t>(next, 0));
      }
    }
    if (exit_on_eof && source->AllAssignedAtEof()) break;
  }
  return Status::OK();
}

}  // namespace slamon::daemon
