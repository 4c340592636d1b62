// The Kafka source: a librdkafka consumer-group member that gathers batches of
// messages with a rd_kafka_consumer_poll loop (docs/architecture.md pitfalls: no
// consume_batch_queue on librdkafka 2.0.x) and starts every assigned
// partition at the offset the event store says, never at a broker-committed
// offset.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/status.h"
#include "events/kafka/kafka_settings.h"
#include "events/kafka/message_source.h"

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;
struct rd_kafka_conf_s;

namespace slamon::events {

using KafkaHandle = std::unique_ptr<rd_kafka_s, detail::KafkaDeleter>;

/// Called inside a rebalance, before partitions are taken away, with the
/// messages gathered so far in the current poll: the caller must store them
/// before it returns so that nothing consumed is lost or handed over twice.
using FlushBeforeRevoke = std::function<void(std::vector<Message>& pending)>;

/// Thread-safety: every method but Stop() must be called from one thread.
class KafkaSource final : public MessageSource {
 public:
  /// Creates the consumer without joining the group (no network traffic
  /// that matters, no callback runs): a bad configuration fails here,
  /// before anything else is started. Subscribe() joins the group.
  static StatusOr<std::unique_ptr<KafkaSource>> Create(const KafkaSettings& settings, OffsetLookup lookup,
                                                       FlushBeforeRevoke flush);
  /// Subscribes to the topics: partitions are assigned during Poll().
  Status Subscribe();
  ~KafkaSource();
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  /// Gathers up to batch_max_messages within batch_max_wait into `batch`
  /// (cleared first). kIdle: nothing arrived. kFatal: the client hit a fatal
  /// error (message logged); the caller should stop.
  PollStatus Poll(std::vector<Message>* batch) override;

  /// Commits next offsets to Kafka asynchronously. Only for other tools' lag
  /// views: slamon itself resumes from the store.
  void CommitForVisibility(const std::map<std::pair<std::string, int32_t>, int64_t>& next_offsets) override;

  /// True when partitions are assigned and every one reached the end of its log.
  bool AllAssignedAtEof() const override;
  /// Assigned (topic, partition) pairs.
  std::set<std::pair<std::string, int32_t>> Assignment() const override { return assigned_; }
  /// The high watermark last seen for a partition (cached, no network), or -1.
  int64_t HighWatermark(const std::string& topic, int32_t partition) const override;
  /// Incremented by every assignment change (assign, revoke or loss).
  uint64_t assignment_generation() const override { return generation_; }

  /// Backpressure: stops fetching every assigned partition (and every
  /// partition assigned later) until ResumeAt(). Poll() keeps serving the
  /// group (rebalances, max.poll.interval.ms) and returns no new messages.
  void PauseAll() override;
  /// Resumes fetching, each partition from `lookup` (the store's next offset,
  /// or the beginning): what was fetched but not stored meanwhile comes again.
  void ResumeAt(const OffsetLookup& lookup) override;
  bool paused() const override { return paused_; }

  /// Leaves the group (revoking partitions through the flush callback) and
  /// closes the consumer. Idempotent.
  void Close();

 private:
  KafkaSource() = default;
  static void RebalanceCb(rd_kafka_s* rk, int err, rd_kafka_topic_partition_list_s* parts, void* opaque);
  void OnRebalance(int err, rd_kafka_topic_partition_list_s* parts);

  KafkaHandle rk_;
  KafkaSettings settings_;
  OffsetLookup lookup_;
  FlushBeforeRevoke flush_;
  std::vector<Message>* pending_ = nullptr;  // the batch being gathered by Poll
  std::set<std::pair<std::string, int32_t>> assigned_;
  std::set<std::pair<std::string, int32_t>> at_eof_;
  bool fatal_ = false;
  bool closed_ = false;
  bool paused_ = false;
  uint64_t generation_ = 0;
};

/// An in-process Kafka cluster (librdkafka's mock cluster) for the demo and
/// fault-injection tests. Not for volume: it keeps ~5 MB per partition.
class EmbeddedKafka {
 public:
  static StatusOr<std::unique_ptr<EmbeddedKafka>> Start(const std::vector<std::string>& topics, int partitions);
  ~EmbeddedKafka();
  const std::string& bootstrap() const { return bootstrap_; }
  /// The mock cluster (rd_kafka_mock_cluster_t*), for fault injection.
  void* mock_cluster() const { return mcluster_; }

 private:
  EmbeddedKafka() = default;
  KafkaHandle rk_;
  void* mcluster_ = nullptr;
  std::string bootstrap_;
};

/// A property librdkafka refused: its name and librdkafka's reason.
struct RejectedProperty {
  std::string name;
  std::string reason;
};

/// Creates a librdkafka configuration from `props`; on error returns the
/// property name and librdkafka's reason (also in `rejected` when given).
StatusOr<std::unique_ptr<::rd_kafka_conf_s, void (*)(::rd_kafka_conf_s*)>> MakeKafkaConf(
    const std::map<std::string, std::string>& props, RejectedProperty* rejected = nullptr);

/// The consumer's librdkafka properties: slamon's defaults with
/// `settings.properties` over them.
std::map<std::string, std::string> ConsumerProperties(const KafkaSettings& settings);
/// Applies every consumer property to a throwaway librdkafka configuration
/// (no client is created): the first one refused, or nullopt.
std::optional<RejectedProperty> CheckConsumerProperties(const KafkaSettings& settings);

/// Routes librdkafka's log and error callbacks of `conf` into spdlog [kafka].
void RouteKafkaLogs(::rd_kafka_conf_s* conf);

}  // namespace slamon::events
