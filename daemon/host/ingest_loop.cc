#include "daemon/host/ingest_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "events/common/logging.h"

namespace slamon::daemon {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

IngestLoop::IngestLoop(events::EventStore* store, PipelineMetrics* metrics, events::CodecOptions codec,
                       int64_t ready_max_lag, size_t max_in_flight)
    : store_(store), metrics_(metrics), decoder_(codec), ready_max_lag_(ready_max_lag) {
  pipeline_ = std::make_unique<IngestPipeline>(
      [this](const std::vector<events::BatchItem>& items, events::AppendResult* result) {
        Status s = append_fault_ ? append_fault_() : Status::OK();
        return s.ok() ? store_->AppendBatch(items, result) : s;
      },
      [this](IngestJob& job, const events::AppendResult& result, double seconds) { OnSynced(job, result, seconds); },
      max_in_flight);
}

IngestLoop::~IngestLoop() { pipeline_.reset(); }

std::string IngestLoop::NotReadyReason() const {
  std::lock_guard<std::mutex> lock(ready_mu_);
  return not_ready_;
}

void IngestLoop::SetNotReady(std::string why) {
  metrics_->SetReady(why.empty());
  std::lock_guard<std::mutex> lock(ready_mu_);
  not_ready_ = std::move(why);
}

IngestMemoryPeaks IngestLoop::memory_peaks() const {
  std::lock_guard<std::mutex> lock(peaks_mu_);
  return peaks_;
}

IngestJob IngestLoop::Decode(const std::vector<events::Message>& batch) {
  IngestJob job;
  job.items.resize(batch.size());
  job.bytes = batch.size() * sizeof(events::BatchItem);
  for (size_t i = 0; i < batch.size(); ++i) {
    const events::Message& m = batch[i];
    events::BatchItem& item = job.items[i];
    item.pos.topic.assign(m.topic());
    item.pos.partition = m.partition();
    item.pos.offset = m.offset();
    // The decoded strings are about as large as the payload they come from.
    job.bytes += m.payload().size();
    events::DecodeResult r = decoder_.Decode(m.payload(), m.headers());
    if (auto* e = std::get_if<events::Event>(&r)) {
      item.event = std::move(*e);
    } else {
      item.rejection = std::move(std::get<events::Rejection>(r));
      // The detail can quote message bytes (an unknown type name): escaped so it cannot forge log lines.
      const LogFields fields{{"topic", item.pos.topic},
                             {"partition", item.pos.partition},
                             {"offset", item.pos.offset},
                             {"reason", events::Name(item.rejection->reason)}};
      Log("ingest")->warn("quarantined {}[{}]@{}: {} ({})", EscapeForLog(item.pos.topic), item.pos.partition,
                          item.pos.offset, events::Name(item.rejection->reason), EscapeForLog(item.rejection->detail));
    }
  }
  return job;
}

void IngestLoop::Submit(IngestJob job) {
  if (job.items.empty()) return;
  const events::SourcePos* last = nullptr;
  int64_t* next = nullptr;
  for (const auto& item : job.items) {
    if (last == nullptr || item.pos.partition != last->partition || item.pos.topic != last->topic) {
      next = &submitted_next_[{item.pos.topic, item.pos.partition}];  // one lookup per run of a partition
      last = &item.pos;
    }
    *next = std::max(*next, item.pos.offset + 1);
  }
  if (!counted_shared_) counted_shared_ = std::make_shared<const PartitionSet>(counted_);
  job.counted = counted_shared_;
  pipeline_->Submit(std::move(job));
}

void IngestLoop::OnSynced(IngestJob& job, const events::AppendResult& result, double seconds) {
  metrics_->OnAppend(result, seconds, store_->EventCount());
  // Read here, on the only thread that changes the table.
  dedupe_bytes_ = store_->DedupeMemoryBytes();
  if (!on_stored_ || result.stored == 0) return;
  // Only counted partitions reach the projections: a restoring one is
  // rebuilt from the store once complete.
  std::vector<events::Event> stored;
  stored.reserve(result.stored_items.size());
  const events::SourcePos* last = nullptr;
  bool last_counted = false;
  for (size_t i : result.stored_items) {
    const events::SourcePos& pos = job.items[i].pos;
    if (last == nullptr || pos.partition != last->partition || pos.topic != last->topic) {
      last_counted = job.counted->count({pos.topic, pos.partition}) > 0;
      last = &pos;
    }
    if (last_counted) stored.push_back(std::move(*job.items[i].event));
  }
  if (!stored.empty()) on_stored_(std::move(stored));
}

void IngestLoop::Reap() {
  for (IngestCompletion& done : pipeline_->TakeCompleted()) {
    switch (done.outcome) {
      case IngestCompletion::Outcome::kWritten:
        for (const auto& [tp, next] : done.next) {
          auto& n = last_next_[tp];
          n = std::max(n, next);
        }
        commit_due_ = true;
        if (!store_writable_) {
          Log("store")->info("event store writable again: consumption resumes from the stored offsets");
          store_writable_ = true;
          metrics_->SetStoreWriteFailing(false);
        }
        Log("ingest")->debug("batch of {} message(s) stored in {:.1f} ms", done.messages, done.write_seconds * 1e3);
        break;
      case IngestCompletion::Outcome::kFailed:
        EnterFailing(done.status, std::move(done.items));
        break;
      case IngestCompletion::Outcome::kDropped:
        // Behind a failed write: fetched again from the stored offsets on resume.
        break;
    }
  }
}

void IngestLoop::DrainAndReap() {
  pipeline_->Drain();
  Reap();
}

void IngestLoop::EnterFailing(const Status& s, std::vector<events::BatchItem> items) {
  if (store_writable_) {
    // Logged once per state change; the retries are silent.
    Log("store")->error(
        "cannot append a batch of {} message(s): {}; consumption paused, nothing committed, retrying every second",
        items.size(), s.message());
    store_writable_ = false;
    store_error_ = "event store not writable: " + s.message();
    metrics_->SetStoreWriteFailing(true);
    SetNotReady(store_error_);
  }
  retry_items_ = std::move(items);
  last_retry_ = Clock::now();
}

void IngestLoop::FlushBeforeRevoke(std::vector<events::Message>& pending) {
  DrainAndReap();
  if (!store_writable_) {
    Log("ingest")->warn("revoke while the store is failing: {} gathered message(s) dropped (not stored, not committed)",
                        pending.size());
    return;
  }
  Submit(Decode(pending));
  DrainAndReap();  // a failure enters the failing state; Run() pauses
}

void IngestLoop::SampleMemory() {
  const events::StoreMemory store = store_->Memory();
  const uint64_t dedupe = dedupe_bytes_;
  const uint64_t batches = pipeline_->bytes_in_flight();
  metrics_->SetMemoryBytes("memtables", store.memtables);
  metrics_->SetMemoryBytes("block_cache", store.block_cache);
  metrics_->SetMemoryBytes("dedupe_table", dedupe);
  metrics_->SetMemoryBytes("batches_in_flight", batches);
  std::lock_guard<std::mutex> lock(peaks_mu_);
  peaks_.memtables = std::max(peaks_.memtables, store.memtables);
  peaks_.block_cache = std::max(peaks_.block_cache, store.block_cache);
  peaks_.dedupe_table = std::max(peaks_.dedupe_table, dedupe);
  peaks_.batches_in_flight = std::max(peaks_.batches_in_flight, batches);
}

void IngestLoop::RetryFailedWrite(events::MessageSource* source) {
  const auto now = Clock::now();
  if (now - last_retry_ < std::chrono::seconds(1)) return;
  last_retry_ = now;
  // The pipeline is idle (nothing is submitted while failing): the retry is
  // written alone, and waited for.
  DrainAndReap();
  // Only what is still ours: a revoked partition's messages belong to its new owner.
  std::erase_if(retry_items_, [&](const events::BatchItem& item) {
    return !owned_.count({item.pos.topic, item.pos.partition});
  });
  if (!retry_items_.empty()) {
    IngestJob job;
    job.items = std::move(retry_items_);
    retry_items_.clear();
    pipeline_->Resume();
    Submit(std::move(job));
    DrainAndReap();  // success: writable again; failure: the items are back in retry_items_
    if (!store_writable_) return;
  } else {
    // Nothing of ours left to write: resume, and the next batch tells
    // whether the store takes writes again.
    if (append_fault_ && !append_fault_().ok()) return;
    Log("store")->info("event store failure: nothing left to retry, consumption resumes from the stored offsets");
    pipeline_->Resume();
    store_writable_ = true;
    metrics_->SetStoreWriteFailing(false);
  }
  source->ResumeAt([this](std::string_view t, int32_t p) { return store_->NextOffset(t, p); });
}

Status IngestLoop::OnAssignmentChange(events::MessageSource* source) {
  DrainAndReap();  // the store as a whole: restoring partitions' next offsets, the rebuild
  const PartitionSet now_owned = source->Assignment();
  metrics_->OnRebalance();
  metrics_->SetPartitionsOwned(now_owned.size());
  for (const auto& tp : owned_) {
    if (now_owned.count(tp)) continue;
    metrics_->RemovePartition(tp.first, tp.second);
    restoring_.erase(tp);
  }
  PartitionSet counted;
  for (const auto& tp : now_owned) {
    if (counted_.count(tp)) {
      counted.insert(tp);  // still ours, already complete in the projections
      metrics_->SetPartitionRestoring(tp.first, tp.second, false);
    } else if (!restoring_.count(tp)) {
      restoring_[tp] = {Clock::now(), store_->NextOffset(tp.first, tp.second)};
      metrics_->SetPartitionRestoring(tp.first, tp.second, true);
    }
  }
  owned_ = now_owned;
  assigned_once_ = true;
  if (!restoring_.empty() && on_coverage_) on_coverage_(false);  // before their first event is stored
  Log("ingest")->info("assignment changed: {} partition(s) owned, {} counted, {} restoring", owned_.size(),
                      counted.size(), restoring_.size());
  if (counted == counted_) return Status::OK();
  counted_ = std::move(counted);
  counted_shared_.reset();
  return RebuildCounted();
}

void IngestLoop::TellCoverage() {
  if (!on_coverage_) return;
  bool all = restoring_.empty();
  for (const auto& [topic, partitions] : store_->AllOffsets()) {
    for (const auto& [partition, next] : partitions) all = all && counted_.count({topic, partition}) > 0;
  }
  on_coverage_(all);
}

Status IngestLoop::RebuildCounted(const PartitionSet* added_only) {
  if (!on_rebuild_) return Status::OK();
  // Every batch submitted so far is stored and handed over before the scan,
  // and none is written during it (ProjectionHost::Rebuild's rule).
  DrainAndReap();
  SetNotReady(added_only ? "adding restored partitions to the projections"
                         : "rebuilding the projections after a rebalance");
  const auto t0 = Clock::now();
  int64_t n = 0;
  SLAMON_RETURN_IF_ERROR(added_only ? on_rebuild_(*added_only, true, &n) : on_rebuild_(counted_, false, &n));
  metrics_->SetRebuildSeconds(std::chrono::duration<double>(Clock::now() - t0).count());
  TellCoverage();
  return Status::OK();
}

// Whether the batches in flight alone keep a partition's lag (counted from
// the store) above ready_max_lag: then they are waited for before the lags
// are judged, or a loop that keeps up would never look caught up.
bool IngestLoop::InFlightHidesCatchUp(events::MessageSource* source) const {
  for (const auto& [topic, partition] : owned_) {
    auto submitted = submitted_next_.find({topic, partition});
    if (submitted == submitted_next_.end()) continue;
    const int64_t hi = source->HighWatermark(topic, partition);
    if (hi < 0) continue;
    const int64_t stored = std::max<int64_t>(store_->NextOffset(topic, partition), 0);
    if (hi - stored > ready_max_lag_ && hi - submitted->second <= ready_max_lag_) return true;
  }
  return false;
}

// Lag of every owned partition; restoring partitions whose lag dropped to
// ready_max_lag become counted (one rebuild for all of them); readiness.
Status IngestLoop::CheckPartitions(events::MessageSource* source) {
  SampleMemory();
  if (InFlightHidesCatchUp(source)) DrainAndReap();
  int64_t remaining = 0, max_lag = 0;
  bool lag_unknown = false;
  PartitionSet restored;
  for (const auto& [topic, partition] : owned_) {
    const int64_t hi = source->HighWatermark(topic, partition);
    const int64_t next = store_->NextOffset(topic, partition);
    const int64_t lag = hi >= 0 ? std::max<int64_t>(hi - std::max<int64_t>(next, 0), 0) : -1;
    if (lag >= 0) metrics_->SetLag(topic, partition, lag);
    max_lag = std::max(max_lag, lag);
    auto r = restoring_.find({topic, partition});
    if (r == restoring_.end()) {
      if (lag < 0) lag_unknown = true;
      continue;
    }
    if (lag >= 0 && lag <= ready_max_lag_) {
      const double secs = std::chrono::duration<double>(Clock::now() - r->second.since).count();
      const int64_t consumed = std::max<int64_t>(next, 0) - std::max<int64_t>(r->second.next_at_start, 0);
      const LogFields fields{{"topic", topic}, {"partition", partition}, {"lag", lag}};
      Log("ingest")->info("{}[{}] restored: {} message(s) consumed in {:.3f} s ({:.0f} messages/s), lag {}", topic,
                          partition, consumed, secs, secs > 0 ? static_cast<double>(consumed) / secs : 0.0, lag);
      restored.emplace(topic, partition);
    } else {
      remaining += lag >= 0 ? lag : 0;
    }
  }
  metrics_->SetRestoreRemaining(remaining);
  if (!restored.empty()) {
    for (const auto& tp : restored) {
      restoring_.erase(tp);
      counted_.insert(tp);
      counted_shared_.reset();
      metrics_->SetPartitionRestoring(tp.first, tp.second, false);
    }
    // Only additions: linear, no rebuild of what is already counted.
    SLAMON_RETURN_IF_ERROR(RebuildCounted(&restored));
  }

  std::string why;
  if (!store_writable_) {
    why = store_error_;
  } else if (!assigned_once_ || owned_.empty()) {
    why = "no partitions assigned";
  } else if (!restoring_.empty()) {
    why = fmt::format("restoring {} partition(s): {} message(s) remaining", restoring_.size(), remaining);
  } else if (!caught_up_) {
    why = "catching up with Kafka";
  } else if (lag_unknown) {
    why = "waiting for the partitions' high watermarks";
  } else if (max_lag > ready_max_lag_) {
    why = fmt::format("catching up with Kafka: lag {} message(s) > readiness.max_lag {}", max_lag, ready_max_lag_);
  }
  SetNotReady(std::move(why));
  return Status::OK();
}

// Reaching the end of every assigned partition: caught up once what was
// gathered is stored (the pipeline drained). Returns true to stop (exit_on_eof).
bool IngestLoop::AtEndOfLog(bool exit_on_eof) {
  if (caught_up_ && !exit_on_eof) return false;
  DrainAndReap();
  if (!store_writable_) return false;
  if (!caught_up_) {
    caught_up_ = true;
    Log("ingest")->info("caught up: every assigned partition is at its end ({} events stored)", store_->EventCount());
  }
  return exit_on_eof;
}

Status IngestLoop::Run(events::MessageSource* source, const std::atomic<bool>& stop, bool exit_on_eof) {
  std::vector<events::Message> batch;
  uint64_t generation = source->assignment_generation();
  auto last_check = Clock::now() - std::chrono::seconds(10);
  Status status = Status::OK();
  while (!stop && status.ok()) {
    const auto t0 = Clock::now();
    events::PollStatus ps = source->Poll(&batch);
    if (ps == events::PollStatus::kFatal) {
      status = Status::Unavailable("the Kafka client failed fatally (see log)");
      break;
    }
    Reap();
    if (source->assignment_generation() != generation) {
      // After the revoke-flush (inside Poll) and before this batch is stored:
      // the rebuild scans exactly what is stored so far.
      generation = source->assignment_generation();
      status = OnAssignmentChange(source);
      if (!status.ok()) break;
    }
    if (!store_writable_) {
      // Whatever arrived is dropped: not stored, not committed, fetched again on resume.
      if (!source->paused()) source->PauseAll();
      RetryFailedWrite(source);
    } else if (ps == events::PollStatus::kMessages) {
      const auto t1 = Clock::now();
      IngestJob job = Decode(batch);
      const auto t2 = Clock::now();
      Submit(std::move(job));  // waits while the writer is a batch behind
      Log("ingest")->debug("batch of {} message(s): gathered in {:.1f} ms, decoded in {:.1f} ms, queued in {:.1f} ms",
                           batch.size(), std::chrono::duration<double, std::milli>(t1 - t0).count(),
                           std::chrono::duration<double, std::milli>(t2 - t1).count(),
                           std::chrono::duration<double, std::milli>(Clock::now() - t2).count());
    }
    if (commit_due_) {
      source->CommitForVisibility(last_next_);
      commit_due_ = false;
    }
    const bool at_end = store_writable_ && source->AllAssignedAtEof() && AtEndOfLog(exit_on_eof);
    const auto now = Clock::now();
    if (now - last_check > std::chrono::milliseconds(500)) {
      last_check = now;
      status = CheckPartitions(source);
    }
    if (at_end) break;
  }
  // Shutdown waits for the batches in flight; their offsets are committed.
  DrainAndReap();
  if (commit_due_ && status.ok()) {
    source->CommitForVisibility(last_next_);
    commit_due_ = false;
  }
  return status;
}

}  // namespace slamon::daemon
