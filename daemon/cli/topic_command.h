// `slamon topic create --config FILE`: creates the daemon's topics
// (kafka.topics of a daemon config, on its brokers with its
// kafka.properties) so that they keep every event: retention.ms=-1,
// retention.bytes=-1, cleanup.policy=delete. Idempotent: a topic that exists
// and keeps every event is fine; one whose retention or cleanup policy would
// delete history is reported with the command that fixes it, or fixed with
// --fix. Exit status 0 when every topic keeps every event, 2 when the config
// or the request is refused, 1 otherwise (cluster unreachable, a topic left
// losing history).
#pragma once

#include <CLI/CLI.hpp>

namespace slamon::daemon {

void AddTopicCommand(CLI::App& app);

}  // namespace slamon::daemon
