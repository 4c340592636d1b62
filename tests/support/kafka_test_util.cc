#include "tests/support/kafka_test_util.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "events/kafka/producer.h"

extern char** environ;

namespace slamon::testing {

std::string TestBrokers() {
  const char* b = std::getenv("SLAMON_TEST_BROKERS");
  return b ? b : "";
}

int64_t Scaled(int64_t n, int64_t at_least) {
  const char* env = std::getenv("SLAMON_TEST_SCALE");
  const double scale = env != nullptr ? std::strtod(env, nullptr) : 1.0;
  if (!(scale > 0 && scale <= 1)) return n;
  return std::max(at_least, static_cast<int64_t>(static_cast<double>(n) * scale));
}

std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr)) + "-" + std::to_string(n++);
}

void CreateTopic(const std::string& brokers, const std::string& topic, int partitions) {
  auto p = events::EventProducer::Create(brokers);
  ASSERT_TRUE(p.ok()) << p.status().message();
  Status s = (*p)->EnsureTopic(topic, partitions);
  ASSERT_TRUE(s.ok()) << s.message();
}

namespace {
rd_kafka_t* NewConsumer(const std::string& brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", UniqueName("slamon-test-reader").c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) ADD_FAILURE() << err;
  return rk;
}
}  // namespace

std::map<int32_t, int64_t> EndOffsets(const std::string& brokers, const std::string& topic, int partitions) {
  std::map<int32_t, int64_t> out;
  rd_kafka_t* rk = NewConsumer(brokers);
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    auto e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    out[p] = hi;
  }
  rd_kafka_destroy(rk);
  return out;
}

std::vector<RawMessage> ReadTopic(const std::string& brokers, const std::string& topic, int partitions) {
  auto ends = EndOffsets(brokers, topic, partitions);
  std::vector<RawMessage> out;
  rd_kafka_t* rk = NewConsumer(brokers);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  std::set<int32_t> pending;
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (ends[p] > 0) pending.insert(p);
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 500);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.push_back({m->partition, m->offset, std::string(static_cast<const char*>(m->key), m->key_len),
                     std::string(static_cast<const char*>(m->payload), m->len)});
      if (m->offset + 1 >= ends[m->partition]) pending.erase(m->partition);
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_TRUE(pending.empty()) << "timed out reading topic " << topic;
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

void ProduceRaw(const std::string& brokers, const std::string& topic,
                const std::vector<std::pair<std::string, std::string>>& messages) {
  auto p = events::EventProducer::Create(brokers);
  ASSERT_TRUE(p.ok()) << p.status().message();
  for (const auto& [k, v] : messages) ASSERT_TRUE((*p)->Send(topic, k, v).ok());
  Status s = (*p)->Flush(30000);
  ASSERT_TRUE(s.ok()) << s.message();
}

void ProduceWithHeaders(const std::string& brokers, const std::string& topic,
                        const std::vector<HeaderedMessage>& messages) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << err;
  int failed = 0;
  rd_kafka_conf_set_opaque(conf, &failed);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<int*>(opaque);
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(rk, nullptr) << err;
  for (const auto& m : messages) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(m.headers.size());
    for (const auto& [name, value] : m.headers) {
      rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value ? value->data() : nullptr,
                          value ? static_cast<ssize_t>(value->size()) : 0);
    }
    // On success the producer owns the headers.
    const rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
        RD_KAFKA_V_VALUE(m.value.empty() ? nullptr : const_cast<char*>(m.value.data()), m.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(hdrs);
      ADD_FAILURE() << "produce: " << rd_kafka_err2str(e);
      break;
    }
    rd_kafka_poll(rk, 0);
  }
  EXPECT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(failed, 0) << "messages not delivered";
  rd_kafka_destroy(rk);
}

Process::Process(const std::vector<std::string>& args, const std::string& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    ADD_FAILURE() << "cannot spawn " << args[0] << ": " << strerror(rc);
    pid_ = -1;
  }
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    (void)Wait(std::chrono::seconds(10));
  }
}

bool Process::Running() {
  if (pid_ <= 0 || status_) return false;
  return !Wait(std::chrono::milliseconds(0)).has_value();
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !status_) kill(pid_, sig);
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    struct rusage ru {};
    pid_t r = wait4(pid_, &st, WNOHANG, &ru);
    if (r == pid_) {
      max_rss_kib_ = ru.ru_maxrss;
      cpu_seconds_ = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string WriteConfig(const std::string& dir, const std::string& brokers, const std::string& topic,
                        const std::string& group, const std::string& kafka_extra) {
  std::string path = dir + "/slamon.yaml";
  std::ofstream f(path);
  f << "store:\n  path: " << dir << "/store\n"
    << "kafka:\n  brokers: " << brokers << "\n  topics: [" << topic << "]\n  group_id: " << group << "\n"
    << kafka_extra << "http:\n  listen: 127.0.0.1:0\n";
  return path;
}

std::string SlaSectionsOf(const std::string& config_path) {
  YAML::Node root = YAML::LoadFile(config_path);
  YAML::Node out;
  out["calendars"] = root["calendars"];
  out["policies"] = root["policies"];
  YAML::Emitter e;
  e << out;
  return std::string(e.c_str()) + "\n";
}

size_t CountInFile(const std::string& path, const std::string& needle) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

std::string Tail(const std::string& path, size_t bytes) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

std::string HttpGet(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(5, 0);
  auto res = cli.Get(path);
  if (!res) return {};
  return res->body;
}

double SumMetric(const std::string& exposition, const std::string& metric) {
  double sum = 0;
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(metric, 0) != 0) continue;
    char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    sum += std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr);
  }
  return sum;
}

int PortFromLog(const std::string& log_path) {
  static const std::regex re("metrics at https?://127\\.0\\.0\\.1:([0-9]+)/metrics");
  std::smatch m;
  std::string text = Tail(log_path, 1 << 20);
  if (std::regex_search(text, m, re)) return std::stoi(m[1]);
  return 0;
}

}  // namespace slamon::testing

#include <algorithm>
#include <cctype>

namespace slamon::testing {

RunResult RunCapture(const std::vector<std::string>& args, const std::string& dir, std::chrono::milliseconds timeout) {
  static std::atomic<int> n{0};
  const std::string stem = dir + "/run-capture-" + std::to_string(n++);
  RunResult r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, (stem + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (stem + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    r.err = std::string("cannot spawn ") + args[0] + ": " + strerror(rc);
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    const pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) {
      r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (w < 0 || std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      r.code = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto slurp = [](const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  r.out = slurp(stem + ".out");
  r.err = slurp(stem + ".err");
  return r;
}

std::string HttpResult::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return {};
}

HttpResult HttpGetFull(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(30, 0);
  HttpResult r;
  auto res = cli.Get(path);
  if (!res) return r;
  r.status = res->status;
  r.body = res->body;
  for (const auto& [k, v] : res->headers) r.headers.emplace(k, v);
  return r;
}

}  // namespace slamon::testing
