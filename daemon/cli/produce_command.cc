// `slamon produce`: writes realistic synthetic events to a Kafka topic,
// deterministic for a seed.
#include "daemon/cli/produce_command.h"

#include <csignal>
#include <iostream>

#include "daemon/cli/cli_error.h"
#include "events/common/logging.h"
#include "events/kafka/producer.h"

namespace slamon::daemon {
namespace {
std::atomic<bool> g_produce_stop{false};
}  // namespace

void AddProduceCommand(CLI::App& app) {
  struct Args {
    std::string brokers, topic = "slamon-events";
    int accounts = 100;
    double rate = 0;
    int64_t count = -1;
    uint64_t seed = 1;
    int partitions = 4;
    double malformed = 0, duplicates = 0, seconds_per_event = 30;
    int64_t start_time = -1;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("produce", "Produce synthetic customer-service events to Kafka");
  cmd->add_option("--brokers", a->brokers, "Bootstrap servers host:port[,...]")->required();
  cmd->add_option("--topic", a->topic, "Topic (created with --partitions when missing)")->capture_default_str();
  cmd->add_option("--accounts", a->accounts, "Number of accounts")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  auto* rate = cmd->add_option("--rate", a->rate, "Messages per second (runs until Ctrl-C unless --count)")
                   ->check(CLI::PositiveNumber);
  auto* count = cmd->add_option("--count", a->count, "Number of messages, then exit")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->seed, "Random seed: the same seed gives the same stream")->capture_default_str();
  cmd->add_option("--partitions", a->partitions, "Partitions when creating the topic")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--malformed-fraction", a->malformed, "Fraction of deliberately invalid messages")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--duplicate-fraction", a->duplicates, "Fraction of re-sent (duplicate) events")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--seconds-per-event", a->seconds_per_event, "Simulated seconds between events (average)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--start-time", a->start_time,
                  "Unix seconds of the first event (default: now minus the simulated span, so the stream ends now)");
  OnRun(cmd, [a, rate, count]() -> Status {
    if (rate->count() == 0 && count->count() == 0) return Status::Invalid("give --count, --rate, or both");
    events::GeneratorOptions go;
    go.accounts = a->accounts;
    go.seed = a->seed;
    go.malformed_fraction = a->malformed;
    go.duplicate_fraction = a->duplicates;
    go.seconds_per_event = a->seconds_per_event;
    if (a->start_time >= 0) {
      go.start_time = a->start_time;
    } else {
      const int64_t span = a->count > 0 ? static_cast<int64_t>(a->count * a->seconds_per_event) : 0;
      go.start_time = static_cast<int64_t>(std::time(nullptr)) - span;
    }
    events::Generator gen(go);
    auto producer = events::EventProducer::Create(a->brokers);
    if (!producer.ok()) return Status::IoError(producer.status().message());
    if (Status s = (*producer)->EnsureTopic(a->topic, a->partitions); !s.ok()) return Status::IoError(s.message());
    std::signal(SIGINT, [](int) { g_produce_stop = true; });
    std::signal(SIGTERM, [](int) { g_produce_stop = true; });
    events::ProduceStats stats;
    Status s = (*producer)->Run(a->topic, gen, a->count, a->rate, g_produce_stop, &stats);
    std::cerr << "slamon produce: sent " << stats.sent << " message(s) to " << a->topic << " (" << stats.malformed
              << " malformed, " << stats.duplicates << " duplicates)\n";
    return s.ok() ? s : Status::IoError(s.message());
  });
}

}  // namespace slamon::daemon
