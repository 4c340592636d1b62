#include "events/store/migrate.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "events/common/logging.h"
#include "events/store/rocks_status.h"
#include "events/store/store_keys.h"

namespace slamon::events::detail {
namespace {

constexpr std::string_view kMetaUpgradeNext = "store_layout_upgrade_next";

rocksdb::ColumnFamilyHandle* Family(const std::vector<rocksdb::ColumnFamilyHandle*>& families, Cf c) {
  return families[static_cast<int>(c)];
}

// Deletes every key of `cf` below `limit` (all of them when limit is empty).
Status DeleteAllBelow(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string_view limit,
                      const rocksdb::WriteOptions& wo) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekToFirst();
  if (!it->Valid()) return FromRocks(it->status(), "upgrading the store layout");
  const std::string first = it->key().ToString();
  std::string last;
  if (limit.empty()) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(rocksdb::Slice(limit.data(), limit.size()));
    if (it->Valid() && it->key().ToStringView() == limit) it->Prev();
  }
  if (!it->Valid()) return FromRocks(it->status(), "upgrading the store layout");
  last = it->key().ToString();
  if (last < first) return Status::OK();
  rocksdb::WriteBatch wb;
  wb.DeleteRange(cf, first, last);
  wb.Delete(cf, last);
  return FromRocks(db->Write(wo, &wb), "upgrading the store layout");
}

}  // namespace

Status UpgradeLayout2(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& families,
                      const std::string& path, LayoutUpgrade* report, const UpgradeSteps& steps) {
  const auto t0 = std::chrono::steady_clock::now();
  *report = LayoutUpgrade{kStoreLayoutV2, kStoreLayoutVersion};
  auto* events = Family(families, Cf::kEvents);
  auto* chain = Family(families, Cf::kChain);
  auto* meta = Family(families, Cf::kMeta);
  rocksdb::WriteOptions wo;
  wo.sync = true;

  std::string next;  // where an interrupted upgrade stopped
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta, kMetaUpgradeNext, &next);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the upgrade progress of " + path);
  Log("store")->info("upgrading the event store at {} from layout {} to {}{}", path, kStoreLayoutV2,
                     kStoreLayoutVersion, next.empty() ? "" : " (resuming an interrupted upgrade)");

  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
  if (next.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(next);
  }
  std::string link, value;
  int64_t chunks = 0;
  // The key before `next` (a resumed upgrade): its offset is the previous offset of `next`.
  std::string previous_key;
  if (it->Valid()) {
    std::unique_ptr<rocksdb::Iterator> before(db->NewIterator(rocksdb::ReadOptions(), events));
    before->SeekForPrev(it->key());
    if (before->Valid() && before->key() == it->key()) before->Prev();
    if (before->Valid()) previous_key = before->key().ToString();
  }
  while (it->Valid()) {
    rocksdb::WriteBatch wb;
    size_t n = 0;
    for (; it->Valid() && n < steps.chunk_events; it->Next(), ++n) {
      const rocksdb::Slice key = it->key();
      s = db->Get(rocksdb::ReadOptions(), chain, key, &link);
      if (s.IsNotFound() || (s.ok() && link.size() != kLinkSize)) {
        link.assign(kLinkSize, '\0');
        ++report->missing_links;
      } else if (!s.ok()) {
        return FromRocks(s, "reading a chain link of " + path);
      }
      // The previous stored event of the partition is the previous key, unless the partition changed.
      const bool same_partition = previous_key.size() == kEventKeySize && key.starts_with(previous_key.substr(0, 6));
      StartEventValue(same_partition ? static_cast<int64_t>(GetBe64(previous_key.data() + 6)) : -1, &value);
      std::memcpy(value.data(), link.data(), kLinkSize);
      value.append(it->value().data(), it->value().size());
      previous_key.assign(key.data(), key.size());
      wb.Put(events, key, value);
      wb.Delete(chain, key);
      ++report->events;
    }
    SLAMON_RETURN_IF_ERROR(FromRocks(it->status(), "reading the events of " + path));
    if (it->Valid()) {
      wb.Put(meta, kMetaUpgradeNext, it->key());
    } else {
      // Past the last event: a resumed upgrade must not rewrite (and so
      // double-prefix) anything, so progress points past every event key.
      wb.Put(meta, kMetaUpgradeNext, std::string(kEventKeySize + 1, '\xff'));
    }
    SLAMON_RETURN_IF_ERROR(FromRocks(db->Write(wo, &wb), "upgrading the events of " + path));
    if (steps.stop_after_chunks >= 0 && ++chunks >= steps.stop_after_chunks) {
      return Status(Status::kAborted,
                    "upgrade of " + path + " interrupted after " + std::to_string(chunks) + " chunk(s)");
    }
  }
  it.reset();

  // The per-event keys of layout 2 that layout 3 no longer has. Chain links
  // left without an event are dropped too: the chain of the events that
  // remain still shows the gap.
  SLAMON_RETURN_IF_ERROR(DeleteAllBelow(db, chain, kChainHeadPrefix.substr(0, 2), wo));
  for (Cf c : {Cf::kDedupe, Cf::kByAccount, Cf::kByTicket}) {
    SLAMON_RETURN_IF_ERROR(DeleteAllBelow(db, Family(families, c), {}, wo));
  }
  rocksdb::WriteBatch done;
  char layout[4];
  PutBe32(kStoreLayoutVersion, layout);
  done.Put(meta, kMetaStoreLayout, rocksdb::Slice(layout, 4));
  done.Delete(meta, kMetaUpgradeNext);
  SLAMON_RETURN_IF_ERROR(FromRocks(db->Write(wo, &done), "recording the store layout of " + path));
  for (Cf c : {Cf::kChain, Cf::kDedupe, Cf::kByAccount, Cf::kByTicket}) {
    // Reclaims the deleted keys' space now rather than at some later compaction.
    (void)db->CompactRange(rocksdb::CompactRangeOptions(), Family(families, c), nullptr, nullptr);
  }
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Log("store")->info("upgraded the event store at {} to layout {}: {} event(s) rewritten in {:.1f} s{}", path,
                     kStoreLayoutVersion, report->events, report->seconds,
                     report->missing_links > 0 ? fmt::format(" ({} without a chain link: `slamon verify` reports them)",
                                                             report->missing_links)
                                               : "");
  return Status::OK();
}

}  // namespace slamon::events::detail
