// `slamon import --to-kafka`: the backfill goes through the daemons' topic,
// so every instance ingests its accounts' history like any other event.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <variant>

#include "daemon/cli/import_command.h"
#include "daemon/config/daemon_config.h"
#include "events/codec.h"
#include "events/kafka/producer.h"

namespace slamon::daemon {
namespace {

constexpr int kDeliveryTimeoutMs = 60000;

StatusOr<std::vector<ImportResume>> LoadState(const std::string& path) {
  std::vector<ImportResume> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return out;
    return Status::IoError("state file " + path + ": " + std::strerror(errno));
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    ImportResume r;
    if (!FromJson(line, &r)) {
      return Status::Corruption("state file " + path + ":" + std::to_string(n) +
                                ": not a resume record (delete the file to import in full; the daemon drops the "
                                "events it already has by id)");
    }
    out.push_back(std::move(r));
  }
  if (in.bad()) return Status::IoError("reading state file " + path + ": " + std::strerror(errno));
  return out;
}

// Writes the records to a temporary file, syncs it and renames it over
// `path`: a crash leaves the old or the new state, never a torn one.
Status SaveState(const std::string& path, const std::vector<ImportResume>& records) {
  const std::string tmp = path + ".tmp";
  std::string text;
  for (const auto& r : records) text += ToJson(r) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("state file " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return Status::IoError("writing state file " + tmp + ": " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::IoError("syncing state file " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IoError("renaming " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  const std::string dir = std::filesystem::absolute(path).parent_path().string();
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

// Produces valid lines; invalid ones are reported (file:line: reason) and
// counted, not produced. A commit waits for every delivery, then records
// the prefix in the state file.
class KafkaSink : public ImportSink {
 public:
  KafkaSink(const ImportOptions& o, const std::string& topic, events::EventProducer& producer, size_t max_message_bytes,
            std::vector<ImportResume>& records, std::optional<size_t> record, const std::string& state,
            ImportCounts* counts)
      : o_(o),
        topic_(topic),
        producer_(producer),
        decoder_(events::CodecOptions{.max_message_bytes = max_message_bytes}),
        records_(records),
        record_(record),
        state_(state),
        counts_(counts) {}

  Status Line(int64_t n, std::string_view line) override {
    auto decoded = decoder_.Decode(line);
    if (auto* e = std::get_if<events::Event>(&decoded)) {
      SLAMON_RETURN_IF_ERROR(producer_.Send(topic_, e->account_id, line));
      ++pending_;
      return Status::OK();
    }
    const auto& r = std::get<events::Rejection>(decoded);
    std::cerr << o_.file << ":" << n + 1 << ": " << events::Name(r.reason) << ": " << r.detail << "\n";
    ++counts_->quarantined;
    ++counts_->rejected_by_reason[static_cast<int>(r.reason)];
    return Status::OK();
  }

  Status Commit(const ImportResume& mark) override {
    SLAMON_RETURN_IF_ERROR(producer_.Flush(kDeliveryTimeoutMs + 10000));
    counts_->produced += pending_;
    pending_ = 0;
    ImportResume r = mark;
    r.topic = topic_;
    if (record_) {
      records_[*record_] = r;
    } else {
      record_ = records_.size();
      records_.push_back(r);
    }
    return SaveState(state_, records_);
  }

 private:
  const ImportOptions& o_;
  const std::string& topic_;
  events::EventProducer& producer_;
  events::Decoder decoder_;
  std::vector<ImportResume>& records_;
  std::optional<size_t> record_;
  const std::string& state_;
  ImportCounts* counts_;
  int64_t pending_ = 0;
};

void PrintCounts(const ImportOptions& o, const std::string& topic, const std::string& brokers, const ImportCounts& c) {
  const std::string reasons = RejectSummary(c);
  std::printf(
      "slamon import: %s to topic %s at %s\n"
      "  file         %s\n"
      "  lines        %lld (%lld already imported, %lld blank)\n"
      "  produced     %lld\n"
      "  invalid      %lld%s\n"
      "  time         %.2f s, %.0f lines/s\n",
      o.file.c_str(), topic.c_str(), brokers.c_str(), c.new_file ? "new" : "seen before, resumed",
      static_cast<long long>(c.lines), static_cast<long long>(c.resumed), static_cast<long long>(c.empty),
      static_cast<long long>(c.produced), static_cast<long long>(c.quarantined), reasons.c_str(), c.seconds,
      c.seconds > 0 ? static_cast<double>(c.lines - c.resumed) / c.seconds : 0.0);
  std::fflush(stdout);
}

// Where Kafka mode produces to: --brokers/--topic over the config's first
// topic, with the config's connection (security) settings.
struct KafkaTarget {
  std::string brokers;
  std::string topic;
  size_t max_message_bytes = 0;
  std::map<std::string, std::string> props;
};

StatusOr<KafkaTarget> ResolveKafkaTarget(const ImportOptions& o) {
  KafkaTarget t{.brokers = o.brokers, .topic = o.topic, .max_message_bytes = o.max_message_bytes, .props = {}};
  t.props = {
      {"client.id", "slamon-import"}, {"acks", "all"}, {"message.timeout.ms", std::to_string(kDeliveryTimeoutMs)}};
  if (!o.config.empty()) {
    auto cfg = LoadDaemonConfigOr(o.config, o.sets);
    if (!cfg.ok()) return Status::Invalid("invalid configuration: " + cfg.status().message());
    if (t.brokers.empty()) t.brokers = cfg->kafka.brokers;
    if (t.topic.empty() && !cfg->kafka.topics.empty()) t.topic = cfg->kafka.topics.front();
    t.max_message_bytes = static_cast<size_t>(cfg->max_message_bytes);
    // Only the connection settings: the rest are the consumer's.
    for (const auto& [k, v] : cfg->kafka.properties) {
      if (k.starts_with("security.") || k.starts_with("sasl.") || k.starts_with("ssl.")) t.props[k] = v;
    }
  }
  if (t.brokers.empty() || t.topic.empty()) {
    return Status::Invalid("--to-kafka needs the brokers and the topic: give --config or --brokers and --topic");
  }
  if (t.brokers == "embedded") {
    return Status::Invalid(
        "kafka.brokers is \"embedded\" (a Kafka inside the daemon process): nothing to produce to; give --brokers "
        "or import into a store with --store");
  }
  return t;
}

}  // namespace

Status RunImportToKafka(const ImportOptions& o, ImportCounts* counts) {
  *counts = ImportCounts{};
  const auto t0 = std::chrono::steady_clock::now();
  GET_OR_RET(const KafkaTarget target, ResolveKafkaTarget(o));
  const std::string& brokers = target.brokers;
  const std::string& topic = target.topic;
  std::error_code ec;
  std::ifstream in(o.file, std::ios::binary);
  const bool is_dir = std::filesystem::is_directory(o.file, ec);
  if (!in || is_dir) {
    return Status::Invalid("--file " + o.file + ": cannot open: " + std::strerror(is_dir ? EISDIR : errno));
  }
  const std::string state = o.state.empty() ? o.file + ".slamon-import" : o.state;
  auto fail = [&](const Status& s) {
    counts->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    PrintCounts(o, topic, brokers, *counts);
    return Status::IoError(s.message() + " (the delivered part is recorded in " + state +
                           "; a re-run resumes after it)");
  };
  auto records = LoadState(state);
  if (!records.ok()) return fail(records.status());
  auto first = ReadFirstLine(o.file);
  if (!first.ok()) return fail(first.status());
  const std::string key = Sha256Hex(*first);
  std::vector<ImportResume> candidates;
  for (const auto& r : *records) {
    if (r.first_line_sha == key && r.topic == topic) candidates.push_back(r);
  }
  auto match = MatchResume(o.file, candidates);
  if (!match.ok()) return fail(match.status());
  std::optional<ImportResume> resume = *match;
  std::optional<size_t> record;
  if (resume) {
    for (size_t i = 0; i < records->size(); ++i) {
      const ImportResume& r = (*records)[i];
      if (r.topic == topic && r.first_line_sha == key && r.bytes == resume->bytes && r.prefix_sha == resume->prefix_sha)
        record = i;
    }
  }
  counts->new_file = !resume.has_value();
  auto producer = events::EventProducer::Create(brokers, target.props);
  if (!producer.ok()) return fail(producer.status());
  KafkaSink sink(o, topic, **producer, target.max_message_bytes, *records, record, state, counts);
  Status s = FeedLines(in, resume, o.batch, sink, counts);
  if (!s.ok()) return fail(s);
  counts->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  PrintCounts(o, topic, brokers, *counts);
  if (counts->quarantined > 0) {
    return Status(Status::kAborted, std::to_string(counts->quarantined) +
                                        " invalid line(s) were not produced (listed above); fix them and import "
                                        "them as a new file");
  }
  return Status::OK();
}

}  // namespace slamon::daemon
