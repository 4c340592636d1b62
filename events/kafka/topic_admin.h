// The daemons' topics as Kafka keeps them: creating them so that they keep
// every event (`slamon topic create`), and checking that an existing topic
// does (`slamon run`, `slamon check-config`). The event store can be rebuilt
// from the topic only if the topic still holds every event; a time or size
// retention, or compaction (which keeps only the newest message per key, and
// the key is the account), silently deletes history.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "events/common/status.h"
#include "events/kafka/kafka_settings.h"
#include "events/kafka/kafka_source.h"

namespace slamon::events {

/// The topic configuration slamon creates its topics with, and the one
/// `topic create --fix` sets: no time limit, no size limit, no compaction.
const std::map<std::string, std::string>& KeepEveryEventConfigs();

/// What in a topic's configuration (as the broker describes it:
/// retention.ms, retention.bytes, cleanup.policy) would delete events, one
/// sentence each ("retention.ms=3600000: events older than 1h are
/// deleted"); empty when the topic keeps every event. Settings missing from
/// `configs` are not judged.
std::vector<std::string> RetentionProblems(const std::map<std::string, std::string>& configs);

/// The command an operator runs to make `topic` keep every event, with
/// Apache Kafka's own tool. `settings.properties` naming a security.protocol
/// adds `--command-config CLIENT.properties` (the tool's own client settings).
std::string RetentionFixCommand(const KafkaSettings& settings, const std::string& topic);

/// How a topic stands, as DescribeTopic() found it.
struct TopicDescription {
  bool exists = false;
  int partitions = 0;  ///< from the cluster metadata; 0 when unknown
  /// Every topic config the broker reports (name -> value; sensitive ones are left out).
  std::map<std::string, std::string> configs;
  /// The subset set on the topic itself (DYNAMIC_TOPIC_CONFIG): what a
  /// non-incremental AlterConfigs must repeat so as not to reset it.
  std::map<std::string, std::string> topic_overrides;
  bool has_sensitive_override = false;  ///< a topic-level value the broker does not disclose
};

/// A short-lived admin client (librdkafka Admin API) for the topics of one
/// daemon config: the consumer's own properties (brokers, SASL/SSL, …), so
/// that whatever lets the daemon consume lets it check its topics. Every
/// call waits at most `timeout` and returns kUnavailable when the cluster did
/// not answer in time. Thread-safety: one thread at a time.
class TopicAdmin {
 public:
  /// No network traffic yet; kInvalidArgument when librdkafka refuses a property.
  static StatusOr<std::unique_ptr<TopicAdmin>> Create(const KafkaSettings& settings);
  ~TopicAdmin();
  TopicAdmin(const TopicAdmin&) = delete;
  TopicAdmin& operator=(const TopicAdmin&) = delete;

  /// Gives up waiting (kUnavailable, "cancelled") as soon as `cancel` is set
  /// (a daemon stopping); null: wait for the timeout.
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }

  /// Creates `topic` with `configs`. `replication_factor` -1: the broker's
  /// default.replication.factor. Returns true when created, false when it
  /// existed already (its settings untouched: see DescribeTopic()).
  StatusOr<bool> CreateTopic(const std::string& topic, int partitions, int replication_factor,
                             const std::map<std::string, std::string>& configs, std::chrono::milliseconds timeout);

  /// The topic's partitions and configuration; exists=false when the cluster has no such topic.
  StatusOr<TopicDescription> DescribeTopic(const std::string& topic, std::chrono::milliseconds timeout);

  /// Sets `changes` on the topic, keeping its other topic-level settings
  /// (librdkafka 2.0 has only the non-incremental AlterConfigs, which
  /// replaces the whole set: `current` must come from DescribeTopic()).
  /// Refused (kInvalidArgument) when the topic has a sensitive override,
  /// whose value cannot be repeated.
  Status AlterTopicConfigs(const std::string& topic, const TopicDescription& current,
                           const std::map<std::string, std::string>& changes, std::chrono::milliseconds timeout);

  /// What librdkafka logged last, for the messages of unanswered requests
  /// (an implementation detail of topic_admin.cc, public for its callback).
  struct LogState;

 private:
  TopicAdmin();
  std::unique_ptr<LogState> log_;  // outlives rk_ (destroyed first, in the destructor)
  KafkaHandle rk_;
  const std::atomic<bool>* cancel_ = nullptr;
};

/// One topic's verdict, as CheckTopicRetention() found it.
struct TopicRetentionCheck {
  std::string topic;
  bool exists = false;
  std::vector<std::string> problems;  ///< RetentionProblems() of its configuration; empty: keeps every event
};

/// Describes every topic of `settings.topics` with one admin client and
/// judges its retention; kUnavailable when the cluster could not be asked
/// within `timeout` (per request) — the caller says "could not check".
StatusOr<std::vector<TopicRetentionCheck>> CheckTopicRetention(const KafkaSettings& settings,
                                                               std::chrono::milliseconds timeout,
                                                               const std::atomic<bool>* cancel = nullptr);

}  // namespace slamon::events
