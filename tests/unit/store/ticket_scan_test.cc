// ScanStoredTicket: one ticket's events in store order, decoded, and nothing
// else; a ticket id that is a prefix of another, an empty id and an account
// id equal to the ticket id do not match.
#include "events/store/ticket_scan.h"

#include <gtest/gtest.h>

#include "events/store/event_store.h"
#include "tests/support/temp_dir.h"

namespace slamon::events {
namespace {

BatchItem Item(int32_t partition, int64_t offset, const std::string& id, const std::string& account,
               const std::string& ticket, EventType type = EventType::kTicketReplied) {
  Event e;
  e.id = id;
  e.type = type;
  e.occurred_at = 1000 + offset;
  e.account_id = account;
  e.ticket_id = ticket;
  e.json = "{\"id\":\"" + id + "\"}";
  BatchItem item;
  item.pos = {"t", partition, offset};
  item.event = std::move(e);
  return item;
}

TEST(TicketScan, ReadsOnlyThatTicketsEventsInStoreOrder) {
  testing::TempDir dir;
  {
    auto store = EventStore::Open({.path = dir.path()});
    ASSERT_TRUE(store.ok()) << store.status().message();
    AppendResult r;
    ASSERT_TRUE(
        (*store)
            ->AppendBatch({Item(1, 0, "a", "acme", "T-1", EventType::kTicketOpened), Item(0, 0, "b", "acme", "T-10"),
                           Item(0, 1, "c", "T-1", ""), Item(0, 2, "d", "beta", "T-1"),
                           Item(1, 1, "e", "acme", "", EventType::kAccountUpserted), Item(1, 2, "f", "acme", "T-")},
                          &r)
            .ok());
    ASSERT_EQ(r.stored, 6);
  }
  auto store = EventStore::Open({.path = dir.path(), .create_if_missing = false, .read_only = true});
  ASSERT_TRUE(store.ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(ScanStoredTicket(**store, "T-1", [&](const StoredEvent& se) {
                seen.push_back(se.event.id + "@" + std::to_string(se.pos.partition) + ":" +
                               std::to_string(se.pos.offset) + "/" + se.event.account_id);
                EXPECT_EQ(se.pos.topic, "t");
                EXPECT_EQ(se.event.ticket_id, "T-1");
                return true;
              }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"d@0:2/beta", "a@1:0/acme"}));
  // Stops when asked to.
  int calls = 0;
  ASSERT_TRUE(ScanStoredTicket(**store, "T-1", [&](const StoredEvent&) { return ++calls < 1; }).ok());
  EXPECT_EQ(calls, 1);
  calls = 0;
  ASSERT_TRUE(ScanStoredTicket(**store, "nope", [&](const StoredEvent&) { return ++calls > 0; }).ok());
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace slamon::events
