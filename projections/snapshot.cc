// Over 400 lines on purpose: the snapshot format (layout, chunking,
// checksums) and its restore path, which must agree byte for byte.
//
// Snapshot storage layout in the `snapshots` column family:
//
//   [seq be64][part be32 = 0]  header: "SLSN" 1, created_at, events,
//                              max_occurred_at, offsets {topic, {partition,
//                              next}}, sections {name, size}, chunk count,
//                              data checksum, header checksum (8 bytes)
//   [seq be64][part be32 = k]  chunk k (k >= 1) of the sections' bytes,
//                              concatenated in header order, <= 4 MiB each
//
// A snapshot is written in one WriteBatch, so it is there whole or not at all;
// the checksums catch bytes damaged later.
#include "projections/snapshot.h"

#include <chrono>
#include <cstring>
#include <memory>

#include "events/codec.h"
#include "events/common/logging.h"
#include "events/store/partition_scan.h"
#include "events/store/snapshot_area.h"
#include "projections/core/state_codec.h"

namespace slamon::projections {
namespace {

constexpr std::string_view kMagic = "SLSN";
constexpr uint8_t kFormat = 1;
constexpr size_t kChunkBytes = 4u << 20;

std::string Key(uint64_t seq, uint32_t part) {
  std::string k(12, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) k[static_cast<size_t>(i)] = static_cast<char>(seq);
  for (int i = 11; i >= 8; --i, part >>= 8) k[static_cast<size_t>(i)] = static_cast<char>(part);
  return k;
}

uint64_t KeySeq(std::string_view k) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(k[i]);
  return v;
}

uint32_t KeyPart(std::string_view k) {
  uint32_t v = 0;
  for (size_t i = 8; i < 12; ++i) v = (v << 8) | static_cast<uint8_t>(k[i]);
  return v;
}

// FNV-1a-style over 8-byte words (streaming: Add() may split the input
// anywhere): detects damaged bytes, not an adversary, at memory speed.
class Checksum {
 public:
  void Add(std::string_view s) {
    while (!s.empty() && pending_size_ > 0) Push(static_cast<uint8_t>(s[0])), s.remove_prefix(1);
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w = 0;
      std::memcpy(&w, s.data() + i, 8);
      Mix(w);
    }
    for (; i < s.size(); ++i) Push(static_cast<uint8_t>(s[i]));
  }
  uint64_t Digest() const {
    Checksum c = *this;
    if (c.pending_size_ > 0) c.Mix(c.pending_ ^ (uint64_t{c.pending_size_} << 56));
    return c.h_;
  }

 private:
  void Push(uint8_t b) {
    pending_ |= uint64_t{b} << (8 * pending_size_);
    if (++pending_size_ == 8) {
      Mix(pending_);
      pending_ = 0;
      pending_size_ = 0;
    }
  }
  void Mix(uint64_t w) {
    h_ ^= w;
    h_ *= 0x100000001b3ull;
    h_ ^= h_ >> 29;
  }
  uint64_t h_ = 0xcbf29ce484222325ull;
  uint64_t pending_ = 0;
  uint32_t pending_size_ = 0;
};

void PutFixed64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i, v >>= 8) out->push_back(static_cast<char>(v));
}

uint64_t GetFixed64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
  return v;
}

struct Header {
  SnapshotInfo info;
  std::vector<uint64_t> section_sizes;
  uint32_t chunks = 0;
  uint64_t checksum = 0;
};

std::string EncodeHeader(const Header& h) {
  std::string out;
  detail::StateWriter w(&out);
  w.Header(kMagic, kFormat);
  w.Signed(h.info.created_at);
  w.Varint(static_cast<uint64_t>(h.info.events));
  w.Signed(h.info.max_occurred_at);
  w.Varint(h.info.offsets.size());
  for (const auto& [topic, partitions] : h.info.offsets) {
    w.String(topic);
    w.Varint(partitions.size());
    for (const auto& [partition, next] : partitions) {
      w.Signed(partition);
      w.Signed(next);
    }
  }
  w.Varint(h.info.sections.size());
  for (size_t i = 0; i < h.info.sections.size(); ++i) {
    w.String(h.info.sections[i]);
    w.Varint(h.section_sizes[i]);
  }
  w.Varint(h.chunks);
  PutFixed64(h.checksum, &out);
  Checksum c;
  c.Add(out);
  PutFixed64(c.Digest(), &out);
  return out;
}

Status DecodeHeader(uint64_t seq, std::string_view v, Header* h) {
  const std::string what = "snapshot " + std::to_string(seq) + ": ";
  if (v.size() < 8) return Status::Corruption(what + "header truncated");
  Checksum c;
  c.Add(v.substr(0, v.size() - 8));
  if (c.Digest() != GetFixed64(v.substr(v.size() - 8))) return Status::Corruption(what + "header checksum mismatch");
  detail::StateReader r(v.substr(0, v.size() - 8));
  if (!r.Header(kMagic, kFormat)) return Status::Corruption(what + "not a snapshot header of format 1");
  h->info.seq = seq;
  uint64_t events = 0, n = 0, chunks = 0;
  r.Signed(&h->info.created_at);
  r.Varint(&events);
  h->info.events = static_cast<int64_t>(events);
  r.Signed(&h->info.max_occurred_at);
  r.Count(&n, 2);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string topic;
    uint64_t m = 0;
    r.String(&topic);
    r.Count(&m, 2);
    auto& partitions = h->info.offsets[topic];
    for (uint64_t k = 0; k < m && r.ok(); ++k) {
      int64_t partition = 0, next = 0;
      r.Signed(&partition);
      r.Signed(&next);
      partitions[static_cast<int32_t>(partition)] = next;
    }
  }
  r.Count(&n, 2);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string name;
    uint64_t size = 0;
    r.String(&name);
    r.Varint(&size);
    h->info.sections.push_back(std::move(name));
    h->section_sizes.push_back(size);
    h->info.bytes += size;
  }
  r.Varint(&chunks);
  if (!r.ok() || r.remaining() != 8 || chunks > UINT32_MAX) return Status::Corruption(what + "header malformed");
  h->chunks = static_cast<uint32_t>(chunks);
  std::string_view rest = v.substr(v.size() - 16, 8);
  h->checksum = GetFixed64(rest);
  return Status::OK();
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

StatusOr<std::vector<SnapshotInfo>> ListSnapshots(const events::EventStore& store) {
  std::vector<SnapshotInfo> out;
  events::SnapshotCursor it(store);
  for (it.SeekToFirst(); it.Valid();) {
    const std::string_view key = it.key();
    if (key.size() != 12) {
      it.Next();
      continue;
    }
    const uint64_t seq = KeySeq(key);
    if (KeyPart(key) == 0) {
      Header h;
      Status s = DecodeHeader(seq, it.value(), &h);
      if (s.ok()) {
        out.push_back(std::move(h.info));
      } else {
        Log("snapshot")->warn("{}", s.message());
      }
    }
    if (seq == UINT64_MAX) break;
    it.Seek(Key(seq + 1, 0));
  }
  SLAMON_RETURN_IF_ERROR(it.status("listing snapshots"));
  return out;
}

StatusOr<Snapshot> ReadSnapshot(const events::EventStore& store, uint64_t seq) {
  const std::string what = "snapshot " + std::to_string(seq);
  GET_OR_RET(std::optional<std::string> value, events::GetSnapshotValue(store, Key(seq, 0)));
  if (!value) return Status::NotFound(what + " does not exist");
  Header h;
  SLAMON_RETURN_IF_ERROR(DecodeHeader(seq, *value, &h));
  std::string data;
  data.reserve(h.info.bytes);
  events::SnapshotCursor it(store, /*fill_cache=*/false);
  uint32_t part = 1;
  for (it.Seek(Key(seq, 1)); it.Valid() && part <= h.chunks; it.Next(), ++part) {
    const std::string_view key = it.key();
    if (key.size() != 12 || KeySeq(key) != seq || KeyPart(key) != part) break;
    data.append(it.value());
  }
  SLAMON_RETURN_IF_ERROR(it.status("reading " + what));
  if (part != h.chunks + 1 || data.size() != h.info.bytes) return Status::Corruption(what + ": chunks missing");
  Checksum c;
  c.Add(data);
  if (c.Digest() != h.checksum) return Status::Corruption(what + ": data checksum mismatch");
  Snapshot snap;
  size_t pos = 0;
  for (size_t i = 0; i < h.info.sections.size(); ++i) {
    snap.sections[h.info.sections[i]] = data.substr(pos, h.section_sizes[i]);
    pos += h.section_sizes[i];
  }
  snap.info = std::move(h.info);
  return snap;
}

Status WriteSnapshot(const events::EventStore& store, Snapshot* snapshot, int keep) {
  GET_OR_RET(std::vector<SnapshotInfo> existing, ListSnapshots(store));
  // The next sequence follows every key present, readable header or not.
  uint64_t seq = 1;
  {
    events::SnapshotCursor it(store);
    it.SeekToLast();
    if (it.Valid() && it.key().size() == 12) seq = KeySeq(it.key()) + 1;
    SLAMON_RETURN_IF_ERROR(it.status("listing snapshots"));
  }
  Header h;
  h.info = snapshot->info;
  h.info.seq = seq;
  h.info.sections.clear();
  h.info.bytes = 0;
  Checksum c;
  for (const auto& [name, bytes] : snapshot->sections) {
    h.info.sections.push_back(name);
    h.section_sizes.push_back(bytes.size());
    h.info.bytes += bytes.size();
    c.Add(bytes);
  }
  h.checksum = c.Digest();

  events::SnapshotWrite write;
  // Chunks cut across section boundaries: the data is one byte string.
  std::string chunk;
  uint32_t part = 0;
  auto flush_chunk = [&] {
    write.puts.emplace_back(Key(seq, ++part), chunk);
    chunk.clear();
  };
  for (const auto& [name, bytes] : snapshot->sections) {
    std::string_view rest = bytes;
    while (!rest.empty()) {
      const size_t take = std::min(rest.size(), kChunkBytes - chunk.size());
      chunk.append(rest.substr(0, take));
      rest.remove_prefix(take);
      if (chunk.size() == kChunkBytes) flush_chunk();
    }
  }
  if (!chunk.empty()) flush_chunk();
  h.chunks = part;
  write.puts.emplace_back(Key(seq, 0), EncodeHeader(h));
  // Keep the newest keep - 1 existing ones besides this one.
  const size_t keep_existing = keep > 1 ? static_cast<size_t>(keep - 1) : 0;
  for (size_t i = 0; i + keep_existing < existing.size(); ++i) {
    write.delete_ranges.emplace_back(Key(existing[i].seq, 0), Key(existing[i].seq + 1, 0));
  }
  SLAMON_RETURN_IF_ERROR(events::ApplySnapshotWrite(store, write));
  snapshot->info = std::move(h.info);
  return Status::OK();
}

std::optional<Snapshot> LoadLatestSnapshot(const events::EventStore& store, const std::vector<std::string>& needed) {
  auto list = ListSnapshots(store);
  if (!list.ok()) {
    Log("snapshot")->warn("cannot list snapshots, replaying everything: {}", list.status().message());
    return std::nullopt;
  }
  for (auto it = list->rbegin(); it != list->rend(); ++it) {
    auto snap = ReadSnapshot(store, it->seq);
    if (!snap.ok()) {
      Log("snapshot")->warn("skipping {}", snap.status().message());
      continue;
    }
    bool complete = true;
    for (const std::string& name : needed) complete = complete && snap->sections.count(name) > 0;
    if (!complete) {
      Log("snapshot")->warn("skipping snapshot {}: it lacks a section this replay needs", it->seq);
      continue;
    }
    return snap.take();
  }
  return std::nullopt;
}

Status ScanTail(const events::EventStore& store, const StoreOffsets& covered,
                const std::function<void(const events::StoredEvent&)>& fn, int64_t* count) {
  int64_t n = 0;
  for (const auto& [topic, partitions] : store.AllOffsets()) {
    const auto covered_topic = covered.find(topic);
    for (const auto& [partition, next] : partitions) {
      int64_t from = 0;
      if (covered_topic != covered.end()) {
        auto p = covered_topic->second.find(partition);
        if (p != covered_topic->second.end()) from = p->second;
      }
      if (from >= next) continue;
      SLAMON_RETURN_IF_ERROR(
          events::ScanStoredPartition(store, topic, partition, from, [&](const events::StoredEvent& se) {
            fn(se);
            ++n;
            return true;
          }));
    }
  }
  if (count != nullptr) *count = n;
  return Status::OK();
}

Snapshot MakeSnapshot(const ReplayTargets& targets, StoreOffsets offsets, int64_t events, int64_t max_occurred_at,
                      int64_t created_at) {
  Snapshot snap;
  snap.info.offsets = std::move(offsets);
  snap.info.events = events;
  snap.info.max_occurred_at = max_occurred_at;
  snap.info.created_at = created_at;
  if (targets.sla != nullptr) targets.sla->SaveState(&snap.sections[std::string(kSlaSection)]);
  if (targets.health != nullptr) targets.health->SaveState(&snap.sections[std::string(kHealthSection)]);
  if (targets.csat_responses != nullptr) {
    SaveCsatResponses(*targets.csat_responses, &snap.sections[std::string(kCsatResponsesSection)]);
  }
  return snap;
}

namespace {

// Restore()'s common path: `load` decodes the newest snapshot with every
// section of `needed` into the targets, all or nothing.
Status RestoreWith(const events::EventStore& store, bool use_snapshot, const std::vector<std::string>& needed,
                   const std::function<Status(const Snapshot&)>& load,
                   const std::function<void(const events::Event&)>& apply, RestoreResult* result) {
  *result = RestoreResult{};
  auto t0 = std::chrono::steady_clock::now();
  StoreOffsets covered;
  if (use_snapshot) {
    if (std::optional<Snapshot> snap = LoadLatestSnapshot(store, needed)) {
      if (Status s = load(*snap); s.ok()) {
        covered = snap->info.offsets;
        result->snapshot_events = snap->info.events;
        result->max_occurred_at = snap->info.max_occurred_at;
        result->snapshot = std::move(snap->info);
      } else {
        Log("snapshot")->warn("snapshot {} unusable, replaying everything: {}", snap->info.seq, s.message());
      }
    }
  }
  result->load_seconds = Since(t0);
  t0 = std::chrono::steady_clock::now();
  SLAMON_RETURN_IF_ERROR(ScanTail(
      store, covered,
      [&](const events::StoredEvent& se) {
        apply(se.event);
        result->max_occurred_at = std::max(result->max_occurred_at, se.event.occurred_at);
      },
      &result->tail_events));
  result->tail_seconds = Since(t0);
  return Status::OK();
}

}  // namespace

Status Restore(const events::EventStore& store, bool use_snapshot, const ReplayTargets& targets,
               const std::function<void(const events::Event&)>& apply, RestoreResult* result) {
  std::vector<std::string> needed;
  if (targets.sla != nullptr) needed.emplace_back(kSlaSection);
  if (targets.health != nullptr) needed.emplace_back(kHealthSection);
  if (targets.csat_responses != nullptr) needed.emplace_back(kCsatResponsesSection);
  const auto load = [&targets](const Snapshot& snap) {
    // Decode into temporaries first and the SLA projection (whose LoadState
    // leaves it unchanged on error) last, so a bad section leaves every
    // target untouched and the full replay starts clean.
    Status s;
    CsatResponseCounts csat;
    std::optional<HealthProjection> health;
    if (targets.csat_responses != nullptr)
      s = LoadCsatResponses(snap.sections.find(kCsatResponsesSection)->second, &csat);
    if (s.ok() && targets.health != nullptr) {
      health.emplace(targets.health->config());
      s = health->LoadState(snap.sections.find(kHealthSection)->second);
    }
    if (s.ok() && targets.sla != nullptr) s = targets.sla->LoadState(snap.sections.find(kSlaSection)->second);
    if (!s.ok()) return s;
    if (targets.csat_responses != nullptr) *targets.csat_responses = std::move(csat);
    if (targets.health != nullptr) *targets.health = std::move(*health);
    return Status::OK();
  };
  return RestoreWith(store, use_snapshot, needed, load, apply, result);
}

Status Restore(const events::EventStore& store, bool use_snapshot, ProjectionSet* set,
               const std::function<void(const events::Event&)>& apply, RestoreResult* result) {
  std::vector<std::string> needed;
  for (const auto& p : set->all()) needed.emplace_back(p->name());
  const auto load = [set](const Snapshot& snap) {
    // Decode into a fresh set and keep it only when every section loads, so
    // that a bad section leaves `set` untouched and the full replay starts clean.
    ProjectionSet loaded(set->configs());
    for (const auto& p : loaded.all()) SLAMON_RETURN_IF_ERROR(p->LoadState(snap.sections.find(p->name())->second));
    *set = std::move(loaded);
    return Status::OK();
  };
  return RestoreWith(store, use_snapshot, needed, load, apply, result);
}

Snapshot MakeSnapshot(const ProjectionSet& set, StoreOffsets offsets, int64_t events, int64_t max_occurred_at,
                      int64_t created_at) {
  Snapshot snap;
  snap.info.offsets = std::move(offsets);
  snap.info.events = events;
  snap.info.max_occurred_at = max_occurred_at;
  snap.info.created_at = created_at;
  for (const auto& p : set.all()) p->SaveState(&snap.sections[std::string(p->name())]);
  return snap;
}

std::string DescribeSnapshot(const SnapshotInfo& info) {
  size_t partitions = 0;
  for (const auto& [topic, parts] : info.offsets) partitions += parts.size();
  std::string s = "snapshot " + std::to_string(info.seq) + ": " + std::to_string(info.events) + " events of " +
                  std::to_string(partitions) + " partition(s), " + std::to_string(info.bytes) + " bytes";
  if (info.max_occurred_at != 0) s += ", occurred_at up to " + events::FormatRfc3339(info.max_occurred_at);
  s += ", created " + events::FormatRfc3339(info.created_at) + ", sections";
  for (const std::string& name : info.sections) s += " " + name;
  return s;
}

}  // namespace slamon::projections
