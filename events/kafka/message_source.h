// What the ingest loop consumes from: a MessageSource gathers batches of
// messages and reports the partitions it owns. KafkaSource (a librdkafka
// consumer-group member) is the production one; tests use a stub
// (tests/support/stub_source.h) so the loop's logic is provable without a
// Kafka cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/codec.h"

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;

namespace slamon::events {

namespace detail {
struct KafkaDeleter {
  void operator()(rd_kafka_s* rk) const;
  void operator()(rd_kafka_message_s* m) const;
  void operator()(rd_kafka_topic_partition_list_s* l) const;
};
}  // namespace detail

using KafkaMessagePtr = std::unique_ptr<rd_kafka_message_s, detail::KafkaDeleter>;

/// One consumed message, owned. Views stay valid while the Message lives.
/// Usually a librdkafka message (no copy); Owned() makes one from copies
/// (stub sources, tools).
class Message {
 public:
  explicit Message(KafkaMessagePtr m);
  static Message Owned(std::string topic, int32_t partition, int64_t offset, std::string payload);

  std::string_view topic() const;
  int32_t partition() const;
  int64_t offset() const;
  std::string_view payload() const;
  /// The message's headers in order (views into the message; empty for a
  /// message without headers, which costs no allocation, and for Owned ones).
  std::span<const MessageHeader> headers() const { return headers_; }

 private:
  struct OwnedParts {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    std::string payload;
  };
  Message() = default;

  KafkaMessagePtr msg_;
  std::unique_ptr<OwnedParts> owned_;  // set exactly when msg_ is not
  std::vector<MessageHeader> headers_;
};

enum class PollStatus { kMessages, kIdle, kFatal };

/// Where to resume a partition: the store's next offset, or -1 for "from the beginning".
using OffsetLookup = std::function<int64_t(std::string_view topic, int32_t partition)>;

/// Thread-safety: every method must be called from one thread (the ingest thread).
class MessageSource {
 public:
  virtual ~MessageSource() = default;

  /// Gathers a batch into `batch` (cleared first). kIdle: nothing arrived.
  /// kFatal: the source cannot go on (reason logged); the caller should stop.
  virtual PollStatus Poll(std::vector<Message>* batch) = 0;
  /// Publishes next offsets for other tools' lag views (slamon resumes from the store).
  virtual void CommitForVisibility(const std::map<std::pair<std::string, int32_t>, int64_t>& next_offsets) = 0;
  /// True when partitions are assigned and every one reached the end of its log.
  virtual bool AllAssignedAtEof() const = 0;
  /// The owned (topic, partition) pairs.
  virtual std::set<std::pair<std::string, int32_t>> Assignment() const = 0;
  /// The end of a partition's log last seen (no network), or -1.
  virtual int64_t HighWatermark(const std::string& topic, int32_t partition) const = 0;
  /// Incremented by every assignment change.
  virtual uint64_t assignment_generation() const = 0;
  /// Backpressure: stop delivering new messages until ResumeAt().
  virtual void PauseAll() = 0;
  /// Resume, each partition from `lookup`; what was fetched but not stored comes again.
  virtual void ResumeAt(const OffsetLookup& lookup) = 0;
  virtual bool paused() const = 0;
};

}  // namespace slamon::events
