// A test's own Kafka broker (scripts/kafka in a directory of the test), for
// tests that stop and restart a broker: never the shared one of
// SLAMON_TEST_BROKERS, whose presence only says Kafka is set up here.
#pragma once

#include <string>

#include "tests/support/temp_dir.h"

namespace slamon::testing {

/// A single-node broker with its state in `dir`/kafka, stopped on
/// destruction. Each step fails the test (saying why) when scripts/kafka fails.
class OwnBroker {
 public:
  explicit OwnBroker(const TempDir& dir) : dir_(dir), state_(dir.Sub("kafka")) {}
  ~OwnBroker();
  OwnBroker(const OwnBroker&) = delete;
  OwnBroker& operator=(const OwnBroker&) = delete;

  /// Starts the broker; its bootstrap address, "" on failure.
  std::string Start();
  /// Stops the broker but keeps its data and port (scripts/kafka down); false on failure.
  bool Down();
  /// Starts it again on the same port with the same data; the bootstrap address, "" on failure.
  std::string Up();

 private:
  // scripts/kafka VERB; false (and a test failure) when it fails. *last_line: its last line of output.
  bool Run(const std::string& verb, int timeout_seconds, std::string* last_line = nullptr);

  const TempDir& dir_;
  std::string state_;
  bool running_ = false;
};

}  // namespace slamon::testing
