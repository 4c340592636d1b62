// `slamon run --config FILE`: the daemon. Wiring only: config, store,
// (embedded Kafka + generator), HTTP endpoints, the ingest loop.
//
// Start-up order: everything that can be refused is checked before anything
// runs — the config (with every librdkafka property applied to a real
// librdkafka configuration and the consumer created), then the store. Only
// then do threads start (HTTP, projections, consumer group, generator), and
// every object that owns a thread stops it in its destructor, so a failure
// at any step unwinds to a prompt exit. Exit status: 2 for configuration
// errors, 1 for runtime errors; the reason is printed as "slamon run: ...".
//
// Shutdown on SIGINT/SIGTERM: finish the batch, leave the group, stop the
// projections and HTTP, then sync and close the store. A store that cannot be
// synced (disk full) exits 1 keeping what was stored before.
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>

#include "daemon/api_routes.h"
#include "daemon/business_metrics.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/host/backup_schedule.h"
#include "daemon/http_server.h"
#include "daemon/ingest_loop.h"
#include "daemon/metrics.h"
#include "daemon/producer.h"
#include "daemon/projection_host.h"
#include "events/codec.h"
#include "events/kafka_health.h"
#include "events/logging.h"
#include "projections/health_config.h"
#include "projections/policy_history.h"

namespace slamon::daemon {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

constexpr int kRuntimeError = 1;
constexpr int kConfigError = 2;

// Prints the reason as one plain line (also when logging is off) and exits
// the command with `code` once the stack has unwound.
[[noreturn]] void Fail(int code, const std::string& what) {
  std::cerr << "slamon run: " << what << std::endl;
  throw CLI::RuntimeError(code);
}

// The built-in generator's thread; stopped and joined on destruction so that
// no path out of the command leaves it joinable (std::terminate).
class GeneratorThread {
 public:
  GeneratorThread() = default;
  ~GeneratorThread() { Stop(); }
  GeneratorThread(const GeneratorThread&) = delete;
  GeneratorThread& operator=(const GeneratorThread&) = delete;

  // Feeds the embedded Kafka, paced to the wall clock so that SLA clocks in
  // the demo behave like production.
  void Start(const GeneratorSettings& g, const std::string& brokers, const std::string& topic) {
    thread_ = std::thread([this, g, brokers, topic] {
      auto producer = EventProducer::Create(brokers);
      if (!producer.ok()) {
        Log("generator")->error("{}", producer.status().message());
        return;
      }
      events::GeneratorOptions go;
      go.accounts = g.accounts;
      go.seed = g.seed;
      go.malformed_fraction = g.malformed_fraction;
      go.duplicate_fraction = g.duplicate_fraction;
      go.seconds_per_event = 1.0 / g.rate;
      go.start_time = static_cast<int64_t>(std::time(nullptr));
      events::Generator gen(go);
      ProduceStats stats;
      Log("generator")->info("built-in generator: {} accounts, {:.0f} events/s into {}", g.accounts, g.rate, topic);
      Status s = (*producer)->Run(topic, gen, -1, g.rate, stop_, &stats);
      if (!s.ok()) Log("generator")->warn("stopped: {}", s.message());
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The JSON API reads the projections' latest health snapshot and evaluates
// running SLA instances at the current second; each answer names its instant.
ApiDataProvider ApiProvider(const ProjectionHost& projections) {
  return {.accounts =
              [&projections] {
                auto h = projections.health_snapshot();
                return h ? ApiData<projections::AccountRecord>{h->as_of, h->accounts}
                         : ApiData<projections::AccountRecord>{static_cast<int64_t>(std::time(nullptr)), {}};
              },
          .breaches =
              [&projections] {
                const auto now = static_cast<int64_t>(std::time(nullptr));
                return ApiData<BreachItem>{
                    now, CollectBreaches(projections.AtRiskInstances(now),
                                         [&projections](std::string_view a) { return projections.OwnerOf(a); })};
              },
          .account_slas =
              [&projections](std::string_view account_id) {
                return projections.OpenInstances(static_cast<int64_t>(std::time(nullptr)), account_id);
              }};
}

// Opens the store, naming the two failures an operator must act on.
std::unique_ptr<events::EventStore> OpenStore(const DaemonConfig& cfg) {
  auto store = events::EventStore::Open({.path = cfg.store.path, .sync = cfg.store.sync});
  if (store.ok()) return store.take();
  const std::string& why = store.status().message();
  if (store.status().code() == Status::kCorruption) {
    // The store's own message starts with where it was opened; say it once.
    const std::string prefix = "cannot open event store at " + cfg.store.path + ": ";
    const std::string detail = why.starts_with(prefix) ? why.substr(prefix.size()) : why;
    Fail(kRuntimeError,
         "store " + cfg.store.path + " is corrupt: " + detail +
             "; restore a backup or rebuild from Kafka: see \"Recovering the event store\" in the README");
  }
  if (why.find("LOCK") != std::string::npos || why.find("lock") != std::string::npos) {
    Fail(kRuntimeError, "store " + cfg.store.path + " is in use by another process (another slamon daemon?): " + why);
  }
  Fail(kRuntimeError, why);
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    bool exit_on_eof = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("run", "Run the daemon: ingest from Kafka, serve /metrics and the API");
  cmd->add_option("--config", a->config, "Daemon config file (YAML)")->required();
  cmd->add_option("--set", a->overrides, "Override a config value, e.g. --set kafka.brokers=127.0.0.1:9092");
  cmd->add_flag("--exit-on-eof", a->exit_on_eof,
                "Exit once every assigned partition is ingested to its end (backfills, benchmarks)");
  cmd->callback([a] {
    // 1. Configuration: nothing is started until all of it is accepted.
    DaemonConfig cfg;
    try {
      cfg = LoadDaemonConfig(a->config, a->overrides);
    } catch (const ConfigError& e) {
      Fail(kConfigError, e.what());
    }
    SetLogLevel(cfg.log_level);
    auto log = Log("main");
    auto sla_config = projections::LoadSlaConfig(cfg.root, cfg.file);
    if (!sla_config.ok()) Fail(kConfigError, sla_config.status().message());
    auto health_config = projections::LoadHealthConfig(cfg.root, cfg.file);
    if (!health_config.ok()) Fail(kConfigError, health_config.status().message());
    if (auto rejected = events::CheckConsumerProperties(cfg.kafka)) {
      Fail(kConfigError, cfg.file + ": kafka.properties." + rejected->name + ": " + rejected->reason);
    }
    log->info("slamon {} starting with {}", SLAMON_VERSION, cfg.file);
    g_stop = false;
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);

    // 2. The store, and what must be recorded in it before anything runs.
    std::unique_ptr<events::EventStore> store = OpenStore(cfg);
    log->info("event store {} open: {} events", cfg.store.path, store->EventCount());
    // Audit trail: a changed calendars:/policies:/health: becomes a new policy
    // version from now on, so replays can judge tickets as they were judged.
    // The live projections below use the current config for every ticket.
    bool policy_appended = false;
    auto policy = projections::RecordPolicyVersion(store.get(), cfg.root, static_cast<int64_t>(std::time(nullptr)),
                                                   &policy_appended);
    if (!policy.ok()) Fail(kRuntimeError, "recording the policy version: " + policy.status().message());
    log->info("policy version {} in effect from {}{}", policy->version, events::FormatRfc3339(policy->effective_from),
              policy_appended ? " (recorded now: the config changed)" : "");

    std::unique_ptr<events::EmbeddedKafka> embedded;
    if (cfg.kafka.brokers == "embedded") {
      auto ek = events::EmbeddedKafka::Start(cfg.kafka.topics, cfg.embedded_partitions);
      if (!ek.ok()) Fail(kRuntimeError, ek.status().message());
      embedded = ek.take();
      cfg.kafka.brokers = embedded->bootstrap();
    }

    // 3. The components, constructed but not running. Declared so that
    // unwinding destroys (and stops) them in the reverse order: generator,
    // consumer (its revoke stores into the ingest loop), HTTP, projections,
    // ingest loop, embedded Kafka, store.
    auto registry = std::make_shared<prometheus::Registry>();
    PipelineMetrics metrics(registry);
    BackupSchedule backups(store.get(), cfg.backup, *registry);  // backup: (stopped before the store closes)
    metrics.SetStoreState(store->EventCount(), store->NewestOccurredAt());
    IngestLoop ingest(store.get(), &metrics,
                      {.max_message_bytes = static_cast<size_t>(cfg.max_message_bytes),
                       .max_event_age_seconds = cfg.ingest.max_event_age_days * 86400,
                       .max_event_future_seconds = cfg.ingest.max_event_future_days * 86400},
                      cfg.ready_max_lag);
    if (const char* path = std::getenv("SLAMON_TESTING_FAIL_STORE_WRITES_WHILE_FILE_EXISTS")) {
      // Fault injection for tests only: store writes fail while the file exists.
      log->warn("TESTING: store writes fail while {} exists", path);
      ingest.set_append_fault_for_testing([file = std::string(path)] {
        return std::filesystem::exists(file) ? Status::IoError("injected store write failure (" + file + " exists)")
                                             : Status::OK();
      });
    }
    ProjectionHost projections(std::make_shared<const projections::SlaConfig>(sla_config.take()), health_config.take());
    projections.set_snapshots(cfg.snapshots.every_events, cfg.snapshots.keep);
    auto business = std::make_shared<BusinessMetrics>(
        &projections, LabelBoundSettings{.tiers = cfg.metrics.tiers,
                                         .max_account_owners = static_cast<size_t>(cfg.metrics.max_account_owners)});

    HttpServer http(cfg.http, [&ingest, &projections]() -> std::string {
      if (!projections.replayed()) return "replaying the event store";
      // A short backlog is normal under load; a long one means stale answers.
      if (projections.backlog() > 100000) return "projections catching up";
      std::string why = ingest.NotReadyReason();  // assignment, restoring partitions, lag, store writes
      // A refused login explains "no partitions assigned": name the real cause.
      if (std::string auth = events::KafkaHealth::Process().security_failure(); !why.empty() && !auth.empty()) {
        why += "; " + auth;
      }
      return why;
    });
    http.AddCollectable(registry);
    http.AddCollectable(business);
    RegisterApiRoutes(http, ApiProvider(projections));
    // The consumer is created (not subscribed) now: librdkafka checks the
    // whole configuration here, before any thread of ours runs.
    auto source_or = events::KafkaSource::Create(
        cfg.kafka, [&store](std::string_view t, int32_t p) { return store->NextOffset(t, p); },
        [&ingest](std::vector<events::Message>& pending) {
          // A revoke must not lose what was gathered: store it now.
          ingest.FlushBeforeRevoke(pending);
        });
    if (!source_or.ok()) Fail(kConfigError, cfg.file + ": kafka: " + source_or.status().message());
    std::unique_ptr<events::KafkaSource> source = source_or.take();
    GeneratorThread generator;

    // 4. Start, in dependency order.
    if (Status s = http.Start(); !s.ok()) Fail(kRuntimeError, s.message());
    // Projections are rebuilt from the store before consuming: the store is
    // the source of truth, Kafka only brings what is new.
    if (Status s = projections.Replay(*store); !s.ok())
      Fail(kRuntimeError, "replaying the event store: " + s.message());
    metrics.SetReplaySeconds(projections.replay_seconds());
    projections.Start();
    backups.Start();
    ingest.set_on_stored(
        [&projections](std::vector<events::Event>&& stored) { projections.OnStored(std::move(stored)); });
    // The replay covered every partition of the store; once the group assigns
    // partitions, the projections hold the owned ones only (rebuilt on change).
    PartitionSet replayed;
    for (const auto& [topic, partitions] : store->AllOffsets()) {
      for (const auto& [partition, next] : partitions) replayed.emplace(topic, partition);
    }
    ingest.set_counted(std::move(replayed));
    ingest.set_on_coverage([&projections](bool all) { projections.set_holds_every_stored_partition(all); });
    ingest.set_on_rebuild([&projections, &store](const PartitionSet& partitions, bool add_only, int64_t* events) {
      return add_only ? projections.AddPartitions(*store, partitions, events)
                      : projections.Rebuild(*store, partitions, events);
    });
    std::cout << "slamon: metrics at http://" << ParseListenAddress(cfg.http.listen, "http.listen").first << ":"
              << http.port() << "/metrics" << std::endl;
    if (Status s = source->Subscribe(); !s.ok()) Fail(kRuntimeError, s.message());
    if (embedded && cfg.generator.enabled) {
      generator.Start(cfg.generator, cfg.kafka.brokers, cfg.kafka.topics.front());
    }

    // 5. Run until asked to stop, then stop in the reverse order.
    Status run = ingest.Run(source.get(), g_stop, a->exit_on_eof);
    log->info("stopping: {}", run.ok() ? "requested" : run.message());
    generator.Stop();
    source->Close();
    source.reset();
    projections.Stop();
    http.Stop();
    backups.Stop();
    const bool store_failing = !ingest.store_writable();
    Status closed = store->Close();
    if (!closed.ok() || store_failing) {
      // The unsynced tail (at most the failed batch) was never acknowledged
      // to Kafka: the next start consumes it again from the stored offsets.
      Fail(kRuntimeError, "store: " + (closed.ok() ? "cannot write " + cfg.store.path : closed.message()) +
                              "; stored events up to the last synced batch (" + std::to_string(store->EventCount()) +
                              " events) are kept");
    }
    log->info("stopped cleanly: {} events in the store", store->EventCount());
    if (!run.ok()) Fail(kRuntimeError, run.message());
  });
}

}  // namespace slamon::daemon
