// Event store: append, dedupe, offsets, quarantine, indexes, reopen.
#include <gtest/gtest.h>

#include "events/store/event_store.h"
#include "events/store/stored_format.h"
#include "tests/support/temp_dir.h"

namespace slamon::events {
namespace {

Event MakeEvent(const std::string& id, const std::string& account, const std::string& ticket, int64_t t,
                EventType type = EventType::kTicketOpened) {
  Event e;
  e.id = id;
  e.type = type;
  e.occurred_at = t;
  e.account_id = account;
  e.ticket_id = ticket;
  e.json = "{\"id\":\"" + id + "\"}";
  return e;
}

BatchItem Item(const std::string& topic, int32_t p, int64_t off, Event e) {
  BatchItem item;
  item.pos = {topic, p, off};
  item.event = std::move(e);
  return item;
}

BatchItem Reject(const std::string& topic, int32_t p, int64_t off, RejectReason r, std::string raw) {
  BatchItem item;
  item.pos = {topic, p, off};
  item.rejection = Rejection{r, "why", std::move(raw)};
  return item;
}

std::unique_ptr<EventStore> OpenStore(const std::string& path, bool read_only = false) {
  auto s = EventStore::Open({.path = path, .read_only = read_only});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.take() : nullptr;
}

std::vector<std::string> AllIds(const EventStore& store) {
  std::vector<std::string> ids;
  EXPECT_TRUE(store
                  .ScanEvents([&](const StoredEvent& se) {
                    ids.push_back(se.event.id);
                    return true;
                  })
                  .ok());
  return ids;
}

TEST(StoredFormat, RoundTripsEveryField) {
  Event e = MakeEvent("e-1", "acme", "T-1", 1763600400, EventType::kAccountUpserted);
  e.priority = Priority::kUrgent;
  e.status = TicketStatus::kOnHold;
  e.author = Author::kCustomer;
  e.is_public = false;
  e.name = "Acme";
  e.tier = "A";
  e.owner = "li.wei";
  e.owner_email = "li.wei@example.com";
  e.team = "apac";
  e.calendar = "cn-business";
  e.contract_value = 125000.5;
  e.renewal_date = "2027-01-31";
  e.score = 4;
  e.kind = InteractionKind::kQbr;
  e.direction = Direction::kOutbound;
  e.survey_kind = SurveyKind::kNps;
  e.category = "complaint";
  e.group = "tech";
  e.assignee = "wang";
  e.order_id = "o-7";
  e.amount = 1234.25;
  e.currency = "USD";
  std::string bytes;
  EncodeStoredEvent(e, &bytes);
  Event d;
  ASSERT_TRUE(DecodeStoredEvent(bytes, &d).ok());
  EXPECT_EQ(d.id, e.id);
  EXPECT_EQ(d.type, e.type);
  EXPECT_EQ(d.occurred_at, e.occurred_at);
  EXPECT_EQ(d.priority, Priority::kUrgent);
  EXPECT_EQ(d.status, TicketStatus::kOnHold);
  EXPECT_EQ(d.author, Author::kCustomer);
  EXPECT_FALSE(d.is_public);
  EXPECT_EQ(d.owner_email, "li.wei@example.com");
  ASSERT_TRUE(d.contract_value.has_value());
  EXPECT_DOUBLE_EQ(*d.contract_value, 125000.5);
  EXPECT_EQ(d.renewal_date, "2027-01-31");
  EXPECT_EQ(d.score, 4);
  EXPECT_EQ(d.kind, InteractionKind::kQbr);
  EXPECT_EQ(d.direction, Direction::kOutbound);
  EXPECT_EQ(d.survey_kind, SurveyKind::kNps);
  EXPECT_EQ(d.category, "complaint");
  EXPECT_EQ(d.group, "tech");
  EXPECT_EQ(d.assignee, "wang");
  EXPECT_EQ(d.order_id, "o-7");
  EXPECT_DOUBLE_EQ(d.amount, 1234.25);
  EXPECT_EQ(d.currency, "USD");
  EXPECT_EQ(d.json, e.json);
  // Truncation anywhere is corruption, never a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeStoredEvent(std::string_view(bytes).substr(0, n), &d).ok()) << n;
  }
}

// Version 3 keeps the field set of an account.updated, so that "present and
// empty" (clears the field) differs from "absent" after a replay.
TEST(StoredFormat, RoundTripsTheFieldsOfAnAccountUpdate) {
  Event e = MakeEvent("e-2", "acme", "", 1763600400, EventType::kAccountUpdated);
  e.owner = "maria";
  e.team = "";  // present: clears the team
  e.fields = FieldBit(AccountField::kOwner) | FieldBit(AccountField::kTeam);
  std::string bytes;
  EncodeStoredEvent(e, &bytes);
  EXPECT_EQ(bytes[0], static_cast<char>(kStoredFormatVersion));
  Event d;
  ASSERT_TRUE(DecodeStoredEvent(bytes, &d).ok());
  EXPECT_EQ(d.type, EventType::kAccountUpdated);
  EXPECT_EQ(d.fields, e.fields);
  EXPECT_EQ(d.owner, "maria");
  EXPECT_EQ(AccountFieldsOf(d), e.fields);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeStoredEvent(std::string_view(bytes).substr(0, n), &d).ok()) << n;
  }
  // Decoding another event into the same Event resets the field set.
  Event opened = MakeEvent("e-3", "acme", "T-1", 1763600401);
  std::string other;
  EncodeStoredEvent(opened, &other);
  ASSERT_TRUE(DecodeStoredEvent(other, &d).ok());
  EXPECT_EQ(d.fields, 0);
  // A field set on another type, or an update without one, is corrupt.
  const size_t fields_at = bytes.size() - 1 - e.json.size() - 1;  // before the JSON's 1-byte length
  std::string bad = bytes;
  bad[fields_at] = 0;
  EXPECT_FALSE(DecodeStoredEvent(bad, &d).ok());
  bad = other;
  bad[other.size() - 1 - opened.json.size() - 1] = 1;
  EXPECT_FALSE(DecodeStoredEvent(bad, &d).ok());
}

// Values of version 2 (stores written before account.updated) still decode;
// they cannot hold an account.updated.
TEST(StoredFormat, ReadsVersionTwoValues) {
  Event e = MakeEvent("e-1", "acme", "", 1763600400, EventType::kAccountUpserted);
  e.tier = "A";
  e.owner = "li.wei";
  e.category = "complaint";
  std::string v3;
  EncodeStoredEvent(e, &v3);
  // Version 2 is version 3 without the field-set byte before the JSON.
  std::string v2 = v3;
  v2[0] = 2;
  v2.erase(v2.size() - 1 - e.json.size() - 1, 1);
  Event d;
  d.fields = 5;
  ASSERT_TRUE(DecodeStoredEvent(v2, &d).ok());
  EXPECT_EQ(d.type, EventType::kAccountUpserted);
  EXPECT_EQ(d.tier, "A");
  EXPECT_EQ(d.category, "complaint");
  EXPECT_EQ(d.json, e.json);
  EXPECT_EQ(d.fields, 0);
  EXPECT_EQ(AccountFieldsOf(d), kAllAccountFields);
  std::string_view id, account;
  ASSERT_TRUE(PeekStoredIds(v2, &id, &account).ok());
  EXPECT_EQ(id, "e-1");
  v2[1] = static_cast<char>(EventType::kAccountUpdated);
  EXPECT_FALSE(DecodeStoredEvent(v2, &d).ok());
}

// A value written by the first stored format (version 1, before the v2 tail of
// ticket.assigned / order.placed / survey kind / category fields) still decodes.
TEST(StoredFormat, ReadsVersionOneValues) {
  // Version 1 layout: version, type, occurred_at (8, little endian), flags, priority, status,
  // author, kind, direction, score, then 14 length-prefixed strings (varint lengths).
  std::string v1;
  v1.push_back(1);                                              // version
  v1.push_back(static_cast<char>(EventType::kSurveyAnswered));  // type
  const int64_t t = 1763600400;
  for (int i = 0; i < 8; ++i) v1.push_back(static_cast<char>((t >> (8 * i)) & 0xff));
  v1.push_back(1);                // flags: public
  v1.append({2, 0, 0, 2, 0, 5});  // priority, status, author, kind, direction, score
  const std::vector<std::string> strings = {"e-1", "acme", "T-1", "", "", "", "", "", "", "", "", "", "", "{}"};
  for (const auto& str : strings) {
    v1.push_back(static_cast<char>(str.size()));
    v1.append(str);
  }
  Event d;
  d.group = "stale";  // decoding must reset the fields a v1 value does not carry
  d.amount = 9;
  ASSERT_TRUE(DecodeStoredEvent(v1, &d).ok());
  EXPECT_EQ(d.type, EventType::kSurveyAnswered);
  EXPECT_EQ(d.occurred_at, t);
  EXPECT_EQ(d.id, "e-1");
  EXPECT_EQ(d.ticket_id, "T-1");
  EXPECT_EQ(d.score, 5);
  EXPECT_EQ(d.json, "{}");
  EXPECT_EQ(d.survey_kind, SurveyKind::kCsat);
  EXPECT_TRUE(d.group.empty());
  EXPECT_DOUBLE_EQ(d.amount, 0);
  EXPECT_TRUE(d.IsCsatAnswer());
}

TEST(EventStore, AppendsAndScansInStoreOrder) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  AppendResult r;
  ASSERT_TRUE(store
                  ->AppendBatch({Item("t", 1, 5, MakeEvent("b", "acme", "T-1", 10)),
                                 Item("t", 0, 7, MakeEvent("a", "beta", "T-2", 20)),
                                 Item("t", 0, 8, MakeEvent("c", "acme", "", 30, EventType::kAccountUpserted))},
                                &r)
                  .ok());
  EXPECT_EQ(r.stored, 3);
  EXPECT_EQ(r.duplicates, 0);
  EXPECT_EQ(r.last_occurred_at, 30);
  EXPECT_EQ(r.stored_by_type[static_cast<int>(EventType::kTicketOpened)], 2);
  EXPECT_EQ(store->EventCount(), 3);
  // Store order is (topic, partition, offset).
  EXPECT_EQ(AllIds(*store), (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(store->NextOffset("t", 0), 9);
  EXPECT_EQ(store->NextOffset("t", 1), 6);
  EXPECT_EQ(store->NextOffset("t", 2), -1);
  EXPECT_EQ(store->NextOffset("other", 0), -1);
  std::vector<std::string> acme;
  ASSERT_TRUE(store
                  ->ScanAccount("acme",
                                [&](const StoredEvent& se) {
                                  acme.push_back(se.event.id);
                                  EXPECT_EQ(se.pos.topic, "t");
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(acme, (std::vector<std::string>{"c", "b"}));
}

TEST(EventStore, DropsDuplicatesAcrossAndWithinBatches) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  AppendResult r;
  ASSERT_TRUE(store->AppendBatch({Item("t", 0, 0, MakeEvent("x", "acme", "T", 1))}, &r).ok());
  ASSERT_TRUE(store
                  ->AppendBatch(
                      {Item("t", 0, 1, MakeEvent("x", "acme", "T", 1)), Item("t", 0, 2, MakeEvent("y", "acme", "T", 2)),
                       Item("t", 0, 3, MakeEvent("y", "acme", "T", 2))},
                      &r)
                  .ok());
  EXPECT_EQ(r.stored, 1);
  EXPECT_EQ(r.duplicates, 2);
  EXPECT_EQ(r.stored_items, (std::vector<size_t>{1}));
  EXPECT_EQ(store->EventCount(), 2);
  EXPECT_EQ(AllIds(*store), (std::vector<std::string>{"x", "y"}));
  // Offsets advance past duplicates: they were consumed.
  EXPECT_EQ(store->NextOffset("t", 0), 4);
  EXPECT_TRUE(store->Contains("y"));
  EXPECT_FALSE(store->Contains("z"));
}

TEST(EventStore, QuarantinesWithReasonRawBytesAndPosition) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  AppendResult r;
  std::string raw("{\"id\":\xff}", 8);
  ASSERT_TRUE(store
                  ->AppendBatch({Reject("t", 3, 40, RejectReason::kInvalidUtf8, raw),
                                 Item("t", 3, 41, MakeEvent("ok", "acme", "T", 1))},
                                &r)
                  .ok());
  EXPECT_EQ(r.quarantined, 1);
  EXPECT_EQ(r.rejected_by_reason[static_cast<int>(RejectReason::kInvalidUtf8)], 1);
  EXPECT_EQ(store->NextOffset("t", 3), 42);
  std::vector<QuarantinedMessage> q;
  ASSERT_TRUE(store
                  ->ScanQuarantine([&](const QuarantinedMessage& m) {
                    q.push_back(m);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].pos.partition, 3);
  EXPECT_EQ(q[0].pos.offset, 40);
  EXPECT_EQ(q[0].rejection.reason, RejectReason::kInvalidUtf8);
  EXPECT_EQ(q[0].rejection.raw, raw);
  EXPECT_EQ(q[0].rejection.detail, "why");
  EXPECT_GT(q[0].quarantined_at, 0);
}

TEST(EventStore, ReopenKeepsEventsOffsetsCountAndDedupe) {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.path());
    AppendResult r;
    ASSERT_TRUE(
        store
            ->AppendBatch(
                {Item("a", 0, 0, MakeEvent("1", "acme", "T", 1)), Item("b", 2, 9, MakeEvent("2", "acme", "T", 2))}, &r)
            .ok());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = OpenStore(dir.path());
  EXPECT_EQ(store->EventCount(), 2);
  EXPECT_EQ(store->NextOffset("a", 0), 1);
  EXPECT_EQ(store->NextOffset("b", 2), 10);
  auto offsets = store->AllOffsets();
  EXPECT_EQ(offsets["a"][0], 1);
  EXPECT_EQ(offsets["b"][2], 10);
  AppendResult r;
  ASSERT_TRUE(store->AppendBatch({Item("a", 0, 1, MakeEvent("2", "acme", "T", 2))}, &r).ok());
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(store->EventCount(), 2);
  EXPECT_EQ(AllIds(*store), (std::vector<std::string>{"1", "2"}));
}

TEST(EventStore, ReadOnlyOpenReadsButRefusesWrites) {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.path());
    AppendResult r;
    ASSERT_TRUE(store->AppendBatch({Item("t", 0, 0, MakeEvent("1", "acme", "T", 1))}, &r).ok());
  }
  auto ro = OpenStore(dir.path(), /*read_only=*/true);
  EXPECT_EQ(AllIds(*ro), (std::vector<std::string>{"1"}));
  AppendResult r;
  EXPECT_FALSE(ro->AppendBatch({Item("t", 0, 1, MakeEvent("2", "acme", "T", 1))}, &r).ok());
}

TEST(EventStore, OpenFailsWithPathInMessage) {
  auto s = EventStore::Open({.path = "/nonexistent-dir/for/slamon", .create_if_missing = false});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent-dir/for/slamon"), std::string::npos);
}

}  // namespace
}  // namespace slamon::events
