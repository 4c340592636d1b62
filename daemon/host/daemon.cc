#include "daemon/host/daemon.h"

#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "daemon/api/view_sources.h"
#include "daemon/host/backup_schedule.h"
#include "daemon/host/config_reload.h"
#include "daemon/host/generator_thread.h"
#include "daemon/host/ingest_loop.h"
#include "daemon/host/projection_host.h"
#include "daemon/host/systemd_notify.h"
#include "daemon/host/topic_retention_watch.h"
#include "daemon/http/http_server.h"
#include "daemon/metrics/business_metrics.h"
#include "daemon/metrics/metrics.h"
#include "events/codec.h"
#include "events/common/logging.h"
#include "events/kafka/kafka_health.h"
#include "events/kafka/kafka_source.h"
#include "projections/accounts/health_config.h"
#include "projections/policy_history.h"

namespace slamon::daemon {

// Declared in construction order: destruction (and so every thread's stop)
// runs in reverse — generator, consumer (its revoke stores into the ingest
// loop), HTTP, projections, ingest loop, embedded Kafka, store.
struct Daemon::Parts {
  std::unique_ptr<events::EventStore> store;
  std::unique_ptr<events::EmbeddedKafka> embedded;
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<BackupSchedule> backups;  // `backup:`; stopped before the store closes
  std::unique_ptr<PipelineMetrics> metrics;
  std::unique_ptr<IngestLoop> ingest;
  std::unique_ptr<ProjectionHost> projections;
  std::shared_ptr<BusinessMetrics> business;
  std::unique_ptr<ConfigReloader> reloader;  // destroyed after the HTTP server that calls it
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<events::KafkaSource> source;
  std::unique_ptr<TopicRetentionWatch> retention;  // a real cluster only
  GeneratorThread generator;
  // Last: destroyed first, while what its readiness probe reads still exists.
  std::unique_ptr<SystemdNotifier> systemd;
};

namespace {

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// Opens the store, naming the two failures an operator must act on.
StatusOr<std::unique_ptr<events::EventStore>> OpenStore(const DaemonConfig& cfg) {
  auto store = events::EventStore::Open({.path = cfg.store.path, .sync = cfg.store.sync});
  if (store.ok()) return store.take();
  const std::string& why = store.status().message();
  if (store.status().code() == Status::kCorruption) {
    // The store's own message starts with where it was opened; say it once.
    const std::string prefix = "cannot open event store at " + cfg.store.path + ": ";
    const std::string detail = why.starts_with(prefix) ? why.substr(prefix.size()) : why;
    return Status::Corruption("store " + cfg.store.path + " is corrupt: " + detail +
                              "; restore a backup or rebuild from Kafka: see \"Recovering the event store\" in the "
                              "README");
  }
  if (why.find("LOCK") != std::string::npos || why.find("lock") != std::string::npos) {
    return Status::IoError("store " + cfg.store.path +
                           " is in use by another process (another slamon daemon?): " + why);
  }
  return store.status();
}

// Readiness: the store is replayed, the projections keep up, and the ingest
// loop owns partitions that are caught up and writable.
std::string NotReadyReason(const IngestLoop& ingest, const ProjectionHost& projections) {
  if (!projections.replayed()) return "replaying the event store";
  // A short backlog is normal under load; a long one means stale answers.
  if (projections.backlog() > 100000) return "projections catching up";
  std::string why = ingest.NotReadyReason();  // assignment, restoring partitions, lag, store writes
  // A refused login explains "no partitions assigned": name the real cause.
  if (std::string auth = events::KafkaHealth::Process().security_failure(); !why.empty() && !auth.empty()) {
    why += "; " + auth;
  }
  return why;
}

// The parts of the peak RSS that slamon can measure (docs/metrics.md,
// slamon_memory_bytes), one line at shutdown for operators and the benchmarks.
void LogMemoryPeaks(const IngestLoop& ingest, const events::KafkaSettings& kafka) {
  const IngestMemoryPeaks peaks = ingest.memory_peaks();
  std::string hwm = "unknown";
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) hwm = line.substr(line.find_first_not_of(" \t", 6));
  }
  const auto props = events::ConsumerProperties(kafka);
  const auto queue = props.find("queued.max.messages.kbytes");
  constexpr double kMiB = 1 << 20;
  Log("main")->info(
      "memory peaks: RSS {}; memtables {:.1f} MiB, block cache {:.1f} MiB (includes the memtables' charge), dedupe "
      "table {:.1f} MiB, batches in flight {:.1f} MiB; librdkafka queued.max.messages.kbytes {}; RocksDB CRC32C: {}",
      hwm, static_cast<double>(peaks.memtables) / kMiB, static_cast<double>(peaks.block_cache) / kMiB,
      static_cast<double>(peaks.dedupe_table) / kMiB, static_cast<double>(peaks.batches_in_flight) / kMiB,
      queue != props.end() ? queue->second : std::string("65536 (librdkafka default)"), events::RocksDbFastCrc32c());
}

}  // namespace

Daemon::Daemon(DaemonConfig config, DaemonOptions options)
    : config_(std::move(config)), options_(std::move(options)), parts_(std::make_unique<Parts>()) {}

Daemon::~Daemon() = default;

Status Daemon::Open() {
  DaemonConfig& cfg = config_;
  Parts& p = *parts_;
  auto log = Log("main");
  const ConfigPositions where = cfg.Positions();
  auto sla_config = projections::LoadSlaConfig(cfg.root, where);
  if (!sla_config.ok()) return Status::Invalid(sla_config.status().message());
  auto health_config = projections::LoadHealthConfig(cfg.root, where);
  if (!health_config.ok()) return Status::Invalid(health_config.status().message());
  if (auto rejected = events::CheckConsumerProperties(cfg.kafka)) {
    return Status::Invalid(KafkaPropertyProblem(cfg, rejected->name, rejected->reason));
  }
  log->info("slamon {} starting with {}", SLAMON_VERSION, cfg.file);

  // The store, and what must be recorded in it before anything runs.
  GET_OR_RET(p.store, OpenStore(cfg));
  log->info("event store {} open: {} events", cfg.store.path, p.store->EventCount());
  // Audit trail: a changed calendars:/policies:/health: becomes a new policy
  // version from now on, so replays can judge tickets as they were judged.
  // The live projections use the current config for every ticket.
  bool policy_appended = false;
  auto policy = projections::RecordPolicyVersion(p.store.get(), cfg.root, Now(), &policy_appended);
  if (!policy.ok()) return Status::IoError("recording the policy version: " + policy.status().message());
  log->info("policy version {} in effect from {}{}", policy->version, events::FormatRfc3339(policy->effective_from),
            policy_appended ? " (recorded now: the config changed)" : "");

  const DaemonConfig as_loaded = cfg;  // what a reload compares the edited file with
  if (cfg.kafka.brokers == "embedded") {
    GET_OR_RET(p.embedded, events::EmbeddedKafka::Start(cfg.kafka.topics, cfg.embedded_partitions));
    cfg.kafka.brokers = p.embedded->bootstrap();
  }

  // The components, constructed but not running.
  p.registry = std::make_shared<prometheus::Registry>();
  p.metrics = std::make_unique<PipelineMetrics>(p.registry);
  p.backups = std::make_unique<BackupSchedule>(p.store.get(), cfg.backup, *p.registry);
  p.metrics->SetStoreState(p.store->EventCount(), p.store->NewestOccurredAt());
  p.ingest = std::make_unique<IngestLoop>(
      p.store.get(), p.metrics.get(),
      events::CodecOptions{.max_message_bytes = static_cast<size_t>(cfg.max_message_bytes),
                           .max_event_age_seconds = cfg.ingest.max_event_age_days * 86400,
                           .max_event_future_seconds = cfg.ingest.max_event_future_days * 86400},
      cfg.ready_max_lag);
  if (options_.append_fault) {
    log->warn("TESTING: store write fault injection is on");
    p.ingest->set_append_fault_for_testing(options_.append_fault);
  }
  p.projections = std::make_unique<ProjectionHost>(std::make_shared<const projections::SlaConfig>(sla_config.take()),
                                                   health_config.take());
  p.projections->set_snapshots(cfg.snapshots.every_events, cfg.snapshots.keep);
  p.projections->set_on_published([&p](int64_t applied) { p.metrics->SetEventsApplied(applied); });
  p.business = std::make_shared<BusinessMetrics>(
      p.projections.get(),
      LabelBoundSettings{.tiers = cfg.metrics.tiers,
                         .max_account_owners = static_cast<size_t>(cfg.metrics.max_account_owners)});
  p.reloader = std::make_unique<ConfigReloader>(cfg.file, options_.overrides, as_loaded, p.store.get(),
                                                p.projections.get(), *p.registry);
  const HttpServer::ReadinessProbe ready = [&p]() -> std::string { return NotReadyReason(*p.ingest, *p.projections); };
  p.http = std::make_unique<HttpServer>(cfg.http, ready);
  p.http->AddCollectable(p.registry);
  p.http->AddCollectable(p.business);
  RegisterApiRoutes(*p.http, ApiProviderFromViews(*p.projections));
  // Only the scope `all` may reload (Post's default access).
  p.http->Post("/-/reload", [&p](const HttpRequest& r) { return p.reloader->HandleHttp(r); });
  p.reloader->set_on_web_config([&p](std::shared_ptr<const WebConfig> web) { p.http->SetWebConfig(std::move(web)); });
  RegisterConsole(*p.http, ConsoleSourcesFromViews(*p.projections));
  RegisterTicketRoutes(*p.http, TicketSourceFromViews(*p.projections));
  RegisterTrendsRoutes(*p.http, TrendsSourceFromViews(*p.projections));
  RegisterScorecardPages(*p.http, TrendsSourceFromViews(*p.projections));
  // The consumer is created (not subscribed) now: librdkafka checks the
  // whole configuration here, before any thread of ours runs.
  auto source = events::KafkaSource::Create(
      cfg.kafka, [&p](std::string_view t, int32_t partition) { return p.store->NextOffset(t, partition); },
      [&p](std::vector<events::Message>& pending) {
        // A revoke must not lose what was gathered: store it now.
        p.ingest->FlushBeforeRevoke(pending);
      });
  if (!source.ok()) return Status::Invalid(cfg.file + ": kafka: " + source.status().message());
  p.source = source.take();
  // The topics must keep every event for the store to be rebuildable from
  // them; checked apart from ingest (the embedded cluster keeps ~5 MB anyway).
  if (!p.embedded) {
    p.retention = std::make_unique<TopicRetentionWatch>(cfg.kafka, p.metrics.get(),
                                                        TopicRetentionWatchOptions{.config_file = cfg.file});
  }
  // Under systemd: STATUS while replaying, READY=1 with /readyz, watchdog pings.
  p.systemd = std::make_unique<SystemdNotifier>(ready);
  return Status::OK();
}

Status Daemon::Start() {
  Parts& p = *parts_;
  SLAMON_RETURN_IF_ERROR(p.http->Start());
  // Projections are rebuilt from the store before consuming: the store is
  // the source of truth, Kafka only brings what is new.
  if (Status s = p.projections->Replay(*p.store); !s.ok()) {
    return Status(s.code(), "replaying the event store: " + s.message());
  }
  p.metrics->SetReplaySeconds(p.projections->replay_seconds());
  p.projections->Start();
  p.backups->Start();
  p.ingest->set_on_stored([&p](std::vector<events::Event>&& stored) { p.projections->OnStored(std::move(stored)); });
  // The replay covered every partition of the store; once the group assigns
  // partitions, the projections hold the owned ones only (rebuilt on change).
  PartitionSet replayed;
  for (const auto& [topic, partitions] : p.store->AllOffsets()) {
    for (const auto& [partition, next] : partitions) replayed.emplace(topic, partition);
  }
  p.ingest->set_counted(std::move(replayed));
  p.ingest->set_on_coverage([&p](bool all) { p.projections->set_holds_every_stored_partition(all); });
  p.ingest->set_on_rebuild([&p](const PartitionSet& partitions, bool add_only, int64_t* events) {
    return add_only ? p.projections->AddPartitions(*p.store, partitions, events)
                    : p.projections->Rebuild(*p.store, partitions, events);
  });
  const std::string base = std::string(config_.http.web && config_.http.web->tls_enabled ? "https" : "http") + "://" +
                           ParseListenAddress(config_.http.listen, "http.listen").first + ":" +
                           std::to_string(p.http->port());
  std::cout << "slamon: metrics at " << base << "/metrics" << std::endl;
  std::cout << "slamon: console at " << base << "/" << std::endl;
  p.reloader->WatchSighup();
  SLAMON_RETURN_IF_ERROR(p.source->Subscribe());
  if (p.retention) p.retention->Start();
  if (p.embedded && config_.generator.enabled) {
    p.generator.Start(config_.generator, config_.kafka.brokers, config_.kafka.topics.front());
  }
  return Status::OK();
}

Status Daemon::Run(const std::atomic<bool>& stop) {
  Status run = parts_->ingest->Run(parts_->source.get(), stop, options_.exit_on_eof);
  Log("main")->info("stopping: {}", run.ok() ? "requested" : run.message());
  LogMemoryPeaks(*parts_->ingest, config_.kafka);
  if (parts_->systemd) parts_->systemd->Stopping();
  return run;
}

Status Daemon::Stop() {
  Parts& p = *parts_;
  p.generator.Stop();
  if (p.retention) p.retention->Stop();
  if (p.source) {
    p.source->Close();
    p.source.reset();
  }
  if (p.projections) p.projections->Stop();
  if (p.http) p.http->Stop();
  if (p.backups) p.backups->Stop();
  if (!p.store) return Status::OK();
  const bool store_failing = p.ingest && !p.ingest->store_writable();
  Status closed = p.store->Close();
  if (!closed.ok() || store_failing) {
    // The unsynced tail (at most the failed batch) was never acknowledged
    // to Kafka: the next start consumes it again from the stored offsets.
    return Status::IoError("store: " + (closed.ok() ? "cannot write " + config_.store.path : closed.message()) +
                           "; stored events up to the last synced batch (" + std::to_string(p.store->EventCount()) +
                           " events) are kept");
  }
  Log("main")->info("stopped cleanly: {} events in the store", p.store->EventCount());
  return Status::OK();
}

}  // namespace slamon::daemon
