// `slamon run --config FILE`: the daemon. Wiring only: config, store,
// (embedded Kafka + generator), HTTP endpoints, the ingest loop; shuts down
// cleanly on SIGINT/SIGTERM (finish the batch, sync, close consumer, close store).
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
#include "daemon/http_server.h"
#include "daemon/ingest_loop.h"
#include "daemon/metrics.h"
#include "daemon/producer.h"
#include "daemon/projection_host.h"
#include "events/codec.h"
#include "events/logging.h"
#include "projections/health_config.h"
#include "projections/policy_history.h"

namespace slamon::daemon {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

[[noreturn]] void Die(const std::string& what) {
  Log("main")->critical("{}", what);
  throw CLI::RuntimeError(1);
}

// Feeds the embedded Kafka with the built-in generator, paced to the wall
// clock so that SLA clocks in the demo behave like production.
std::thread StartGenerator(const GeneratorSettings& g, const std::string& brokers, const std::string& topic,
                           std::atomic<bool>& stop) {
  return std::thread([g, brokers, topic, &stop] {
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
    Status s = (*producer)->Run(topic, gen, -1, g.rate, stop, &stats);
    if (!s.ok()) Log("generator")->warn("stopped: {}", s.message());
  });
}

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
    DaemonConfig cfg = LoadDaemonConfig(a->config, a->overrides);
    SetLogLevel(cfg.log_level);
    auto log = Log("main");
    log->info("slamon {} starting with {}", SLAMON_VERSION, cfg.file);
    g_stop = false;
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);

    auto sla_config = projections::LoadSlaConfig(cfg.root, cfg.file);
    if (!sla_config.ok()) throw ConfigError(sla_config.status().message());
    auto health_config = projections::LoadHealthConfig(cfg.root, cfg.file);
    if (!health_config.ok()) throw ConfigError(health_config.status().message());

    auto store_or = events::EventStore::Open({.path = cfg.store.path, .sync = cfg.store.sync});
    if (!store_or.ok()) Die(store_or.status().message());
    std::unique_ptr<events::EventStore> store = store_or.take();
    log->info("event store {} open: {} events", cfg.store.path, store->EventCount());
    // Audit trail: a changed calendars:/policies:/health: becomes a new policy
    // version from now on, so replays can judge tickets as they were judged.
    // The live projections below use the current config for every ticket.
    bool policy_appended = false;
    auto policy = projections::RecordPolicyVersion(store.get(), cfg.root, static_cast<int64_t>(std::time(nullptr)),
                                                   &policy_appended);
    if (!policy.ok()) Die("recording the policy version: " + policy.status().message());
    log->info("policy version {} in effect from {}{}", policy->version, events::FormatRfc3339(policy->effective_from),
              policy_appended ? " (recorded now: the config changed)" : "");

    std::unique_ptr<events::EmbeddedKafka> embedded;
    std::thread generator;
    std::atomic<bool> generator_stop{false};
    if (cfg.kafka.brokers == "embedded") {
      auto ek = events::EmbeddedKafka::Start(cfg.kafka.topics, cfg.embedded_partitions);
      if (!ek.ok()) Die(ek.status().message());
      embedded = ek.take();
      cfg.kafka.brokers = embedded->bootstrap();
      if (cfg.generator.enabled) {
        generator = StartGenerator(cfg.generator, cfg.kafka.brokers, cfg.kafka.topics.front(), generator_stop);
      }
    }

    auto registry = std::make_shared<prometheus::Registry>();
    PipelineMetrics metrics(registry);
    IngestLoop ingest(store.get(), &metrics, {.max_message_bytes = static_cast<size_t>(cfg.max_message_bytes)},
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
    auto business = std::make_shared<BusinessMetrics>(&projections);

    HttpServer http(cfg.http, [&ingest, &projections]() -> std::string {
      if (!projections.replayed()) return "replaying the event store";
      // A short backlog is normal under load; a long one means stale answers.
      if (projections.backlog() > 100000) return "projections catching up";
      return ingest.NotReadyReason();  // assignment, restoring partitions, lag, store writes
    });
    http.AddCollectable(registry);
    http.AddCollectable(business);
    RegisterApiRoutes(http.server(), ApiProvider(projections));
    if (Status s = http.Start(); !s.ok()) Die(s.message());

    // Projections are rebuilt from the store before consuming: the store is
    // the source of truth, Kafka only brings what is new.
    if (Status s = projections.Replay(*store); !s.ok()) Die("replaying the event store: " + s.message());
    metrics.SetReplaySeconds(projections.replay_seconds());
    projections.Start();
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

    auto source = events::KafkaSource::Create(
        cfg.kafka, [&store](std::string_view t, int32_t p) { return store->NextOffset(t, p); },
        [&ingest](std::vector<events::Message>& pending) {
          // A revoke must not lose what was gathered: store it now.
          ingest.FlushBeforeRevoke(pending);
        });
    if (!source.ok()) Die(source.status().message());

    Status run = ingest.Run(source->get(), g_stop, a->exit_on_eof);
    log->info("stopping: {}", run.ok() ? "requested" : run.message());
    generator_stop = true;
    if (generator.joinable()) generator.join();
    (*source)->Close();
    source->reset();
    projections.Stop();
    http.Stop();
    if (Status s = store->Close(); !s.ok()) Die(s.message());
    log->info("stopped cleanly: {} events in the store", store->EventCount());
    if (!run.ok()) throw CLI::RuntimeError(1);
  });
}

}  // namespace slamon::daemon
