#include "events/kafka/topic_admin.h"

#include <librdkafka/rdkafka.h>

#include <mutex>
#include <stdexcept>
#include <string>

#include "events/common/logging.h"

namespace slamon::events {

// What the client saw last when a request goes unanswered (a refused
// connection, a failed login): the admin client's librdkafka log lines are
// debug output, and the last warning or error explains a timeout. Written
// by librdkafka's threads.
struct TopicAdmin::LogState {
  std::mutex mu;
  std::string last_problem;
};

namespace {

using AdminLog = TopicAdmin::LogState;

using Queue = std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)>;
using AdminEvent = std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)>;
using Options = std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)>;
using Resource = std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)>;

// "3600000" -> "1h", "90000" -> "1m30s", "500" -> "500ms".
std::string HumanMillis(const std::string& value) {
  long long ms = 0;
  try {
    ms = std::stoll(value);
  } catch (const std::exception&) {
    return value + " ms";
  }
  if (ms < 1000) return std::to_string(ms) + "ms";
  long long s = ms / 1000;
  std::string out;
  for (auto [unit, size] :
       {std::pair{'d', 86400LL}, std::pair{'h', 3600LL}, std::pair{'m', 60LL}, std::pair{'s', 1LL}}) {
    if (s >= size) {
      out += std::to_string(s / size) + unit;
      s %= size;
    }
  }
  return out;
}

void AdminLogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  Log("kafka")->debug("admin {}: {}", fac, buf);
  if (level > 4) return;
  auto* log = static_cast<AdminLog*>(rd_kafka_opaque(rk));
  if (log == nullptr) return;
  std::lock_guard<std::mutex> lock(log->mu);
  log->last_problem = buf;
}

AdminLog* LogOf(rd_kafka_t* rk) { return static_cast<AdminLog*>(rd_kafka_opaque(rk)); }

// Waits for the one result event of an admin request, in short slices so
// that a cancel is seen. librdkafka itself gives up at the request timeout
// and delivers the result with a timed-out error; the extra second only
// covers that delivery.
StatusOr<AdminEvent> WaitResult(rd_kafka_t* rk, rd_kafka_queue_t* q, std::chrono::milliseconds timeout,
                                const std::atomic<bool>* cancel, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cancel != nullptr && *cancel) return Status::Unavailable(std::string(what) + ": cancelled");
    if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 200)) return AdminEvent(ev, rd_kafka_event_destroy);
  }
  std::string last;
  if (AdminLog* log = LogOf(rk)) {
    std::lock_guard<std::mutex> lock(log->mu);
    last = log->last_problem;
  }
  return Status::Unavailable(std::string(what) + ": no answer from the cluster within " +
                             std::to_string(timeout.count() / 1000) + " s" + (last.empty() ? "" : " (" + last + ")"));
}

// The request's own error (a timeout, an unreachable cluster), as a Status.
Status EventError(rd_kafka_t* rk, rd_kafka_event_t* ev, const char* what) {
  if (rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  std::string msg = std::string(what) + ": " + rd_kafka_event_error_string(ev);
  if (AdminLog* log = LogOf(rk)) {
    std::lock_guard<std::mutex> lock(log->mu);
    if (!log->last_problem.empty()) msg += " (" + log->last_problem + ")";
  }
  return Status::Unavailable(msg);
}

StatusOr<Options> MakeOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) {
  Options options(rd_kafka_AdminOptions_new(rk, op), rd_kafka_AdminOptions_destroy);
  char err[512];
  const int ms = static_cast<int>(timeout.count());
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, err, sizeof(err)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Invalid(err);
  }
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS &&
      rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, err, sizeof(err)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Invalid(err);
  }
  return options;
}

}  // namespace

const std::map<std::string, std::string>& KeepEveryEventConfigs() {
  static const std::map<std::string, std::string> kConfigs = {
      {"retention.ms", "-1"}, {"retention.bytes", "-1"}, {"cleanup.policy", "delete"}};
  return kConfigs;
}

std::vector<std::string> RetentionProblems(const std::map<std::string, std::string>& configs) {
  std::vector<std::string> problems;
  bool deletes = true;  // Kafka's default cleanup.policy
  if (auto it = configs.find("cleanup.policy"); it != configs.end()) {
    const std::string& policy = it->second;
    deletes = policy.find("delete") != std::string::npos;
    if (policy.find("compact") != std::string::npos) {
      problems.push_back("cleanup.policy=" + policy +
                         ": compaction keeps only the newest event of each account (the message key) and deletes the "
                         "others");
    }
  }
  if (!deletes) return problems;  // a compacted-only topic applies no retention limit
  if (auto it = configs.find("retention.ms"); it != configs.end() && it->second != "-1") {
    problems.push_back("retention.ms=" + it->second + ": events older than " + HumanMillis(it->second) +
                       " are deleted");
  }
  if (auto it = configs.find("retention.bytes"); it != configs.end() && it->second != "-1") {
    problems.push_back("retention.bytes=" + it->second + ": a partition's oldest events are deleted once it holds " +
                       "more than " + it->second + " bytes");
  }
  return problems;
}

std::string RetentionFixCommand(const KafkaSettings& settings, const std::string& topic) {
  std::string configs;
  for (const auto& [name, value] : KeepEveryEventConfigs())
    configs += (configs.empty() ? "" : ",") + name + "=" + value;
  const bool secured = settings.properties.count("security.protocol") != 0;
  return "kafka-configs.sh --bootstrap-server " + settings.brokers +
         (secured ? " --command-config CLIENT.properties" : "") + " --alter --entity-type topics --entity-name " +
         topic + " --add-config " + configs;
}

StatusOr<std::unique_ptr<TopicAdmin>> TopicAdmin::Create(const KafkaSettings& settings) {
  std::unique_ptr<TopicAdmin> admin(new TopicAdmin());
  // The consumer's properties, so that no property of the config draws a
  // "consumer property ignored by this producer" warning; the handle never
  // subscribes, so it never joins the group. No statistics: nobody polls them.
  std::map<std::string, std::string> props = ConsumerProperties(settings);
  props["client.id"] = "slamon-admin";
  props["statistics.interval.ms"] = "0";
  props.erase("group.instance.id");  // never a second member with the daemon's static identity
  GET_OR_RET(auto conf, MakeKafkaConf(props));
  // Its own log callback: a check's connection failures are summed up by
  // the check itself, not logged line by line.
  rd_kafka_conf_set_opaque(conf.get(), admin->log_.get());
  rd_kafka_conf_set_log_cb(conf.get(), AdminLogCb);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof(err));
  if (rk == nullptr) return Status::Invalid(std::string("cannot create a Kafka admin client: ") + err);
  static_cast<void>(conf.release());  // owned by rk now
  admin->rk_.reset(rk);
  return admin;
}

TopicAdmin::TopicAdmin() : log_(std::make_unique<LogState>()) {}

TopicAdmin::~TopicAdmin() {
  // Never subscribed: nothing to leave, and no consumer close to wait for.
  // Before log_ goes: librdkafka's threads may log until here.
  if (rk_) rd_kafka_destroy_flags(rk_.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

StatusOr<bool> TopicAdmin::CreateTopic(const std::string& topic, int partitions, int replication_factor,
                                       const std::map<std::string, std::string>& configs,
                                       std::chrono::milliseconds timeout) {
  char err[512];
  std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> nt(
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, err, sizeof(err)),
      rd_kafka_NewTopic_destroy);
  if (!nt) return Status::Invalid("topic " + topic + ": " + err);
  for (const auto& [name, value] : configs) {
    if (rd_kafka_NewTopic_set_config(nt.get(), name.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Invalid("topic " + topic + ": cannot set " + name + "=" + value);
    }
  }
  GET_OR_RET(Options options, MakeOptions(rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout));
  Queue q(rd_kafka_queue_new(rk_.get()), rd_kafka_queue_destroy);
  rd_kafka_NewTopic_t* list[] = {nt.get()};
  rd_kafka_CreateTopics(rk_.get(), list, 1, options.get(), q.get());
  GET_OR_RET(AdminEvent ev, WaitResult(rk_.get(), q.get(), timeout, cancel_, "CreateTopics"));
  SLAMON_RETURN_IF_ERROR(EventError(rk_.get(), ev.get(), "CreateTopics"));
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = res != nullptr ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
  if (n != 1) return Status::Unavailable("CreateTopics: no result for topic " + topic);
  const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[0]);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return false;
  const char* why = rd_kafka_topic_result_error_string(results[0]);
  const std::string reason = why != nullptr && *why != '\0' ? why : rd_kafka_err2str(e);
  // Refusals of the request itself (bad replication factor, a policy, no
  // permission) are the operator's to fix; anything else may pass.
  if (e == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR || e == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS ||
      e == RD_KAFKA_RESP_ERR_INVALID_CONFIG || e == RD_KAFKA_RESP_ERR_POLICY_VIOLATION ||
      e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
      e == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION) {
    return Status::Invalid("cannot create topic " + topic + ": " + reason);
  }
  return Status::Unavailable("cannot create topic " + topic + ": " + reason);
}

StatusOr<TopicDescription> TopicAdmin::DescribeTopic(const std::string& topic, std::chrono::milliseconds timeout) {
  TopicDescription out;
  Resource resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()),
                    rd_kafka_ConfigResource_destroy);
  GET_OR_RET(Options options, MakeOptions(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout));
  Queue q(rd_kafka_queue_new(rk_.get()), rd_kafka_queue_destroy);
  rd_kafka_ConfigResource_t* list[] = {resource.get()};
  rd_kafka_DescribeConfigs(rk_.get(), list, 1, options.get(), q.get());
  GET_OR_RET(AdminEvent ev, WaitResult(rk_.get(), q.get(), timeout, cancel_, "DescribeConfigs"));
  SLAMON_RETURN_IF_ERROR(EventError(rk_.get(), ev.get(), "DescribeConfigs"));
  const rd_kafka_DescribeConfigs_result_t* res = rd_kafka_event_DescribeConfigs_result(ev.get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      res != nullptr ? rd_kafka_DescribeConfigs_result_resources(res, &n) : nullptr;
  if (n != 1) return Status::Unavailable("DescribeConfigs: no result for topic " + topic);
  const rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[0]);
  if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return out;  // exists = false
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* why = rd_kafka_ConfigResource_error_string(resources[0]);
    return Status::Unavailable("cannot describe topic " + topic + ": " +
                               (why != nullptr && *why != '\0' ? why : rd_kafka_err2str(e)));
  }
  out.exists = true;
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &count);
  for (size_t i = 0; i < count; ++i) {
    const char* name = rd_kafka_ConfigEntry_name(entries[i]);
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    const bool topic_level = rd_kafka_ConfigEntry_source(entries[i]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
    if (rd_kafka_ConfigEntry_is_sensitive(entries[i]) || value == nullptr) {
      if (topic_level) out.has_sensitive_override = true;
      continue;
    }
    out.configs[name] = value;
    if (topic_level) out.topic_overrides[name] = value;
  }
  // The partition count, from the cluster metadata (bounded by the same timeout).
  std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> rkt(
      rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr), rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* md = nullptr;
  if (rkt && rd_kafka_metadata(rk_.get(), 0, rkt.get(), &md, static_cast<int>(timeout.count())) ==
                 RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.partitions = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  return out;
}

Status TopicAdmin::AlterTopicConfigs(const std::string& topic, const TopicDescription& current,
                                     const std::map<std::string, std::string>& changes,
                                     std::chrono::milliseconds timeout) {
  if (current.has_sensitive_override) {
    return Status::Invalid("topic " + topic +
                           " has a sensitive topic-level setting that the broker does not disclose; AlterConfigs "
                           "would reset it: change the retention with kafka-configs.sh instead");
  }
  std::map<std::string, std::string> wanted = current.topic_overrides;
  for (const auto& [name, value] : changes) wanted[name] = value;
  Resource resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()),
                    rd_kafka_ConfigResource_destroy);
  for (const auto& [name, value] : wanted) {
    if (rd_kafka_ConfigResource_set_config(resource.get(), name.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Invalid("topic " + topic + ": cannot set " + name + "=" + value);
    }
  }
  GET_OR_RET(Options options, MakeOptions(rk_.get(), RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeout));
  Queue q(rd_kafka_queue_new(rk_.get()), rd_kafka_queue_destroy);
  rd_kafka_ConfigResource_t* list[] = {resource.get()};
  rd_kafka_AlterConfigs(rk_.get(), list, 1, options.get(), q.get());
  GET_OR_RET(AdminEvent ev, WaitResult(rk_.get(), q.get(), timeout, cancel_, "AlterConfigs"));
  SLAMON_RETURN_IF_ERROR(EventError(rk_.get(), ev.get(), "AlterConfigs"));
  const rd_kafka_AlterConfigs_result_t* res = rd_kafka_event_AlterConfigs_result(ev.get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      res != nullptr ? rd_kafka_AlterConfigs_result_resources(res, &n) : nullptr;
  if (n != 1) return Status::Unavailable("AlterConfigs: no result for topic " + topic);
  if (const rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[0]); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* why = rd_kafka_ConfigResource_error_string(resources[0]);
    return Status::Unavailable("cannot change topic " + topic + ": " +
                               (why != nullptr && *why != '\0' ? why : rd_kafka_err2str(e)));
  }
  return Status::OK();
}

StatusOr<std::vector<TopicRetentionCheck>> CheckTopicRetention(const KafkaSettings& settings,
                                                               std::chrono::milliseconds timeout,
                                                               const std::atomic<bool>* cancel) {
  GET_OR_RET(std::unique_ptr<TopicAdmin> admin, TopicAdmin::Create(settings));
  admin->set_cancel(cancel);
  std::vector<TopicRetentionCheck> out;
  for (const std::string& topic : settings.topics) {
    GET_OR_RET(TopicDescription d, admin->DescribeTopic(topic, timeout));
    out.push_back({topic, d.exists, d.exists ? RetentionProblems(d.configs) : std::vector<std::string>{}});
  }
  return out;
}

}  // namespace slamon::events
