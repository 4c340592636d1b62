#include "events/codec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace slamon::events {
namespace {

// 2026-11-20T09:15:00Z
constexpr int64_t kT = 1795166100;

struct Case {
  std::string name;
  std::string input;
  std::optional<RejectReason> reason;            // nullopt = must decode
  std::function<void(const Event&)> check = {};  // extra checks for valid events
  size_t max_bytes = size_t{64} * 1024;
};

std::string Plain(const std::string& type, const std::string& payload,
                  const std::string& time = "2026-11-20T09:15:00Z") {
  return R"({"id":"e-1","type":")" + type + R"(","occurred_at":")" + time + R"(","account_id":"acme")" +
         (payload.empty() ? "" : "," + payload) + "}";
}

std::string Ce(const std::string& type, const std::string& data, const std::string& extra = R"("subject":"acme")") {
  return R"({"specversion":"1.0","id":"e-2","source":"/helpdesk/eu","type":")" + type +
         R"(","time":"2026-11-20T09:15:00Z",)" + extra + R"(,"data":{)" + data + "}}";
}

std::vector<Case> Cases() {
  using R = RejectReason;
  std::vector<Case> c;
  // ---- valid, plain ----
  c.push_back({"opened_plain", Plain("ticket.opened", R"("ticket_id":"T-1","priority":"high","channel":"email")"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.id, "e-1");
                 EXPECT_EQ(e.type, EventType::kTicketOpened);
                 EXPECT_EQ(e.occurred_at, kT);
                 EXPECT_EQ(e.account_id, "acme");
                 EXPECT_EQ(e.ticket_id, "T-1");
                 EXPECT_EQ(e.priority, Priority::kHigh);
                 EXPECT_EQ(e.channel, "email");
               }});
  c.push_back({"opened_offset_fraction",
               Plain("ticket.opened", R"("ticket_id":"T-1","priority":"urgent")", "2026-11-20T17:15:00.987+08:00"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.occurred_at, kT);
                 EXPECT_EQ(e.priority, Priority::kUrgent);
               }});
  c.push_back({"opened_negative_offset",
               Plain("ticket.opened", R"("ticket_id":"T-1","priority":"low")", "2026-11-20T04:15:00.5-05:00"),
               std::nullopt, [](const Event& e) { EXPECT_EQ(e.occurred_at, kT); }});
  c.push_back({"replied_public_default", Plain("ticket.replied", R"("ticket_id":"T-1","author":"agent")"), std::nullopt,
               [](const Event& e) {
                 EXPECT_EQ(e.author, Author::kAgent);
                 EXPECT_TRUE(e.is_public);
               }});
  c.push_back({"replied_internal_note", Plain("ticket.replied", R"("ticket_id":"T-1","author":"agent","public":false)"),
               std::nullopt, [](const Event& e) { EXPECT_FALSE(e.is_public); }});
  c.push_back({"replied_public_null", Plain("ticket.replied", R"("ticket_id":"T-1","author":"customer","public":null)"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.author, Author::kCustomer);
                 EXPECT_TRUE(e.is_public);
               }});
  c.push_back({"status_changed", Plain("ticket.status_changed", R"("ticket_id":"T-1","status":"on_hold")"),
               std::nullopt, [](const Event& e) { EXPECT_EQ(e.status, TicketStatus::kOnHold); }});
  c.push_back({"priority_changed", Plain("ticket.priority_changed", R"("ticket_id":"T-1","priority":"normal")"),
               std::nullopt, [](const Event& e) { EXPECT_EQ(e.priority, Priority::kNormal); }});
  c.push_back({"resolved", Plain("ticket.resolved", R"("ticket_id":"T-1")"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.type, EventType::kTicketResolved); }});
  c.push_back({"reopened", Plain("ticket.reopened", R"("ticket_id":"T-1")"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.type, EventType::kTicketReopened); }});
  c.push_back({"upserted_full",
               Plain("account.upserted",
                     R"("name":"Acme","tier":"A","owner":"li.wei","owner_email":"li.wei@x.io","team":"apac",)"
                     R"("calendar":"cn-business","contract_value":120000.5,"renewal_date":"2027-02-28")"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.name, "Acme");
                 EXPECT_EQ(e.tier, "A");
                 EXPECT_EQ(e.owner, "li.wei");
                 EXPECT_EQ(e.owner_email, "li.wei@x.io");
                 EXPECT_EQ(e.team, "apac");
                 EXPECT_EQ(e.calendar, "cn-business");
                 ASSERT_TRUE(e.contract_value.has_value());
                 EXPECT_DOUBLE_EQ(*e.contract_value, 120000.5);
                 EXPECT_EQ(e.renewal_date, "2027-02-28");
               }});
  c.push_back({"upserted_minimal_nulls",
               Plain("account.upserted", R"("name":"Acme","tier":"B","owner":"x","team":null,"contract_value":null)"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.team, "");
                 EXPECT_FALSE(e.contract_value.has_value());
               }});
  c.push_back({"churned", Plain("account.churned", R"("reason":"budget")"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.reason, "budget"); }});
  c.push_back({"churned_no_reason", Plain("account.churned", ""), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.type, EventType::kAccountChurned); }});
  c.push_back({"survey", Plain("survey.answered", R"("ticket_id":"T-1","score":5,"comment":"great")"), std::nullopt,
               [](const Event& e) {
                 EXPECT_EQ(e.score, 5);
                 EXPECT_EQ(e.ticket_id, "T-1");
                 EXPECT_EQ(e.comment, "great");
               }});
  c.push_back({"survey_no_ticket", Plain("survey.answered", R"("score":1)"), std::nullopt,
               [](const Event& e) { EXPECT_FALSE(e.HasTicket()); }});
  c.push_back({"interaction", Plain("interaction.logged", R"("kind":"qbr","direction":"outbound")"), std::nullopt,
               [](const Event& e) {
                 EXPECT_EQ(e.kind, InteractionKind::kQbr);
                 EXPECT_EQ(e.direction, Direction::kOutbound);
               }});
  c.push_back({"extra_fields_kept_minified",
               "{ \"id\" : \"e-1\", \"type\":\"ticket.resolved\",\n \"occurred_at\":\"2026-11-20T09:15:00Z\", "
               "\"account_id\":\"acme\", \"ticket_id\":\"T-1\", \"x-trace\" : {\"a\": [1, 2, \"b c\"]} }",
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.json, R"({"id":"e-1","type":"ticket.resolved","occurred_at":"2026-11-20T09:15:00Z",)"
                                   R"("account_id":"acme","ticket_id":"T-1","x-trace":{"a":[1,2,"b c"]}})");
               }});
  // ---- valid, CloudEvents ----
  c.push_back({"ce_opened", Ce("ticket.opened", R"("account_id":"acme","ticket_id":"T-9","priority":"low")"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.id, "e-2");
                 EXPECT_EQ(e.occurred_at, kT);
                 EXPECT_EQ(e.account_id, "acme");
                 EXPECT_EQ(e.ticket_id, "T-9");
                 EXPECT_EQ(e.priority, Priority::kLow);
                 EXPECT_NE(e.json.find("\"specversion\":\"1.0\""), std::string::npos);
               }});
  c.push_back({"ce_account_from_subject", Ce("interaction.logged", R"("kind":"call","direction":"inbound")"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.account_id, "acme");
                 EXPECT_EQ(e.kind, InteractionKind::kCall);
               }});
  c.push_back({"ce_data_wins_over_subject",
               Ce("ticket.replied", R"("account_id":"globex","ticket_id":"T-1","author":"customer")"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.account_id, "globex"); }});
  c.push_back({"ce_upserted", Ce("account.upserted", R"("name":"Acme","tier":"C","owner":"o")"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.tier, "C"); }});
  c.push_back({"ce_survey", Ce("survey.answered", R"("score":4)"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.score, 4); }});

  // ---- rejected ----
  c.push_back({"empty", "", R::kMalformedJson});
  c.push_back({"truncated", R"({"id":"e-1","type":"ticket.op)", R::kMalformedJson});
  c.push_back({"array_top_level", "[1,2]", R::kMalformedJson});
  c.push_back({"string_top_level", R"("x")", R::kMalformedJson});
  c.push_back({"trailing_garbage", Plain("ticket.resolved", R"("ticket_id":"T-1")") + "x", R::kMalformedJson});
  c.push_back(
      {"invalid_utf8", Plain("ticket.opened", "\"ticket_id\":\"T-\xC3\x28\",\"priority\":\"high\""), R::kInvalidUtf8});
  c.push_back({"oversize", Plain("ticket.resolved", R"("ticket_id":"T-1")"), R::kOversize, {}, 20});
  c.push_back({"oversize_before_utf8", "\xFF\xFF\xFF\xFF\xFF", R::kOversize, {}, 4});
  c.push_back({"missing_id",
               R"({"type":"ticket.resolved","occurred_at":"2026-11-20T09:15:00Z","account_id":"a",)"
               R"("ticket_id":"T"})",
               R::kMissingField});
  c.push_back(
      {"missing_type", R"({"id":"e","occurred_at":"2026-11-20T09:15:00Z","account_id":"a"})", R::kMissingField});
  c.push_back({"missing_occurred_at", R"({"id":"e","type":"account.churned","account_id":"a"})", R::kMissingField});
  c.push_back({"missing_account_id", R"({"id":"e","type":"account.churned","occurred_at":"2026-11-20T09:15:00Z"})",
               R::kMissingField});
  c.push_back({"null_id",
               R"({"id":null,"type":"account.churned","occurred_at":"2026-11-20T09:15:00Z","account_id":"a"})",
               R::kMissingField});
  c.push_back({"empty_id",
               R"({"id":"","type":"account.churned","occurred_at":"2026-11-20T09:15:00Z","account_id":"a"})",
               R::kInvalidField});
  c.push_back({"numeric_id",
               R"({"id":7,"type":"account.churned","occurred_at":"2026-11-20T09:15:00Z","account_id":"a"})",
               R::kInvalidField});
  c.push_back({"empty_account_id",
               Plain("account.churned", "").replace(Plain("account.churned", "").find("acme"), 4, ""),
               R::kInvalidField});
  c.push_back({"long_ticket_id", Plain("ticket.resolved", "\"ticket_id\":\"" + std::string(257, 'x') + "\""),
               R::kInvalidField});
  c.push_back({"unknown_type", Plain("ticket.escalated", R"("ticket_id":"T-1")"), R::kUnknownType});
  c.push_back({"ts_no_offset", Plain("account.churned", "", "2026-11-20T09:15:00"), R::kBadTimestamp});
  c.push_back({"ts_feb_30", Plain("account.churned", "", "2026-02-30T00:00:00Z"), R::kBadTimestamp});
  c.push_back({"ts_space", Plain("account.churned", "", "2026-11-20 09:15:00Z"), R::kBadTimestamp});
  c.push_back({"ts_hour_24", Plain("account.churned", "", "2026-11-20T24:00:00Z"), R::kBadTimestamp});
  c.push_back({"ts_number", R"({"id":"e","type":"account.churned","occurred_at":1795166100,"account_id":"a"})",
               R::kBadTimestamp});
  c.push_back({"bad_priority", Plain("ticket.opened", R"("ticket_id":"T-1","priority":"critical")"), R::kInvalidField});
  c.push_back({"missing_priority", Plain("ticket.opened", R"("ticket_id":"T-1")"), R::kMissingField});
  c.push_back({"missing_ticket_id", Plain("ticket.resolved", ""), R::kMissingField});
  c.push_back({"numeric_ticket_id", Plain("ticket.resolved", R"("ticket_id":17)"), R::kInvalidField});
  c.push_back(
      {"bad_status", Plain("ticket.status_changed", R"("ticket_id":"T-1","status":"waiting")"), R::kInvalidField});
  c.push_back({"bad_author", Plain("ticket.replied", R"("ticket_id":"T-1","author":"bot")"), R::kInvalidField});
  c.push_back({"public_string", Plain("ticket.replied", R"("ticket_id":"T-1","author":"agent","public":"yes")"),
               R::kInvalidField});
  c.push_back({"score_0", Plain("survey.answered", R"("score":0)"), R::kInvalidField});
  c.push_back({"score_6", Plain("survey.answered", R"("score":6)"), R::kInvalidField});
  c.push_back({"score_4_5", Plain("survey.answered", R"("score":4.5)"), R::kInvalidField});
  c.push_back({"score_4_0", Plain("survey.answered", R"("score":4.0)"), R::kInvalidField});
  c.push_back({"score_string", Plain("survey.answered", R"("score":"5")"), R::kInvalidField});
  c.push_back({"score_missing", Plain("survey.answered", ""), R::kMissingField});
  c.push_back({"bad_kind", Plain("interaction.logged", R"("kind":"lunch","direction":"inbound")"), R::kInvalidField});
  c.push_back({"tier_empty", Plain("account.upserted", R"("name":"A","tier":"","owner":"o")"), R::kInvalidField});
  c.push_back({"tier_missing", Plain("account.upserted", R"("name":"A","owner":"o")"), R::kMissingField});
  c.push_back({"contract_value_string",
               Plain("account.upserted", R"("name":"A","tier":"A","owner":"o","contract_value":"1k")"),
               R::kInvalidField});
  c.push_back({"renewal_date_invalid",
               Plain("account.upserted", R"("name":"A","tier":"A","owner":"o","renewal_date":"2027-13-01")"),
               R::kInvalidField});
  // ---- types and fields added later: ticket.assigned, order.placed, survey kind, category ----
  c.push_back({"assigned", Plain("ticket.assigned", R"("ticket_id":"T-1","group":"tech","assignee":"wang")"),
               std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.type, EventType::kTicketAssigned);
                 EXPECT_EQ(e.group, "tech");
                 EXPECT_EQ(e.assignee, "wang");
               }});
  c.push_back({"assigned_no_assignee", Plain("ticket.assigned", R"("ticket_id":"T-1","group":"finance")"), std::nullopt,
               [](const Event& e) { EXPECT_TRUE(e.assignee.empty()); }});
  c.push_back({"assigned_no_group", Plain("ticket.assigned", R"("ticket_id":"T-1")"), R::kMissingField});
  c.push_back({"assigned_empty_group", Plain("ticket.assigned", R"("ticket_id":"T-1","group":"")"), R::kInvalidField});
  c.push_back({"order", Plain("order.placed", R"("order_id":"o-1","amount":1250.5,"currency":"USD")"), std::nullopt,
               [](const Event& e) {
                 EXPECT_EQ(e.type, EventType::kOrderPlaced);
                 EXPECT_EQ(e.order_id, "o-1");
                 EXPECT_DOUBLE_EQ(e.amount, 1250.5);
                 EXPECT_EQ(e.currency, "USD");
               }});
  c.push_back({"order_int_amount_no_currency", Plain("order.placed", R"("order_id":"o-1","amount":0)"), std::nullopt,
               [](const Event& e) {
                 EXPECT_DOUBLE_EQ(e.amount, 0);
                 EXPECT_TRUE(e.currency.empty());
               }});
  c.push_back({"order_negative", Plain("order.placed", R"("order_id":"o-1","amount":-1)"), R::kInvalidField});
  c.push_back({"order_amount_string", Plain("order.placed", R"("order_id":"o-1","amount":"10")"), R::kInvalidField});
  c.push_back({"order_no_amount", Plain("order.placed", R"("order_id":"o-1")"), R::kMissingField});
  c.push_back({"order_no_id", Plain("order.placed", R"("amount":5)"), R::kMissingField});
  c.push_back({"order_bad_currency", Plain("order.placed", R"("order_id":"o-1","amount":5,"currency":"usd")"),
               R::kInvalidField});
  c.push_back({"nps_0", Plain("survey.answered", R"("kind":"nps","score":0)"), std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.survey_kind, SurveyKind::kNps);
                 EXPECT_EQ(e.score, 0);
                 EXPECT_FALSE(e.IsCsatAnswer());
               }});
  c.push_back({"nps_10", Plain("survey.answered", R"("kind":"nps","score":10)"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.score, 10); }});
  c.push_back({"nps_11", Plain("survey.answered", R"("kind":"nps","score":11)"), R::kInvalidField});
  c.push_back({"csat_explicit", Plain("survey.answered", R"("kind":"csat","score":5)"), std::nullopt,
               [](const Event& e) { EXPECT_TRUE(e.IsCsatAnswer()); }});
  c.push_back({"csat_explicit_0", Plain("survey.answered", R"("kind":"csat","score":0)"), R::kInvalidField});
  c.push_back({"survey_bad_kind", Plain("survey.answered", R"("kind":"ces","score":3)"), R::kInvalidField});
  c.push_back({"opened_category",
               Plain("ticket.opened", R"("ticket_id":"T-1","priority":"high","category":"complaint")"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.category, "complaint"); }});
  c.push_back({"ce_missing_data",
               R"({"specversion":"1.0","id":"e","type":"account.churned","time":"2026-11-20T09:15:00Z","subject":"a"})",
               R::kMissingField});
  c.push_back({"ce_data_not_object",
               R"({"specversion":"1.0","id":"e","type":"account.churned","time":"2026-11-20T09:15:00Z",)"
               R"("subject":"a","data":"x"})",
               R::kInvalidField});
  c.push_back({"ce_specversion_0_3", Ce("account.churned", "").replace(16, 3, "0.3"), R::kInvalidField});
  c.push_back({"ce_no_account", Ce("account.churned", "", R"("dataschema":"/x")"), R::kMissingField});
  c.push_back({"ce_missing_time", R"({"specversion":"1.0","id":"e","type":"account.churned","subject":"a","data":{}})",
               R::kMissingField});
  // ---- account.updated: any subset of the account fields, at least one ----
  c.push_back({"updated_owner", Plain("account.updated", R"("owner":"maria","owner_email":"maria@x.io")"), std::nullopt,
               [](const Event& e) {
                 EXPECT_EQ(e.type, EventType::kAccountUpdated);
                 EXPECT_EQ(e.fields, FieldBit(AccountField::kOwner) | FieldBit(AccountField::kOwnerEmail));
                 EXPECT_EQ(AccountFieldsOf(e), e.fields);
                 EXPECT_EQ(e.owner, "maria");
                 EXPECT_EQ(e.owner_email, "maria@x.io");
                 EXPECT_EQ(e.tier, "");
               }});
  c.push_back(
      {"updated_all",
       Plain("account.updated", R"("name":"Acme","tier":"A","owner":"li.wei","owner_email":"li@x.io","team":"apac",)"
                                R"("calendar":"cn-business","contract_value":5,"renewal_date":"2027-02-28")"),
       std::nullopt, [](const Event& e) {
         EXPECT_EQ(e.fields, kAllAccountFields);
         EXPECT_EQ(e.calendar, "cn-business");
         EXPECT_EQ(e.contract_value, 5);
       }});
  // An empty string is present (it clears the field); null is absent.
  c.push_back({"updated_clears_team_null_owner", Plain("account.updated", R"("team":"","owner":null)"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.fields, FieldBit(AccountField::kTeam)); }});
  c.push_back({"updated_renewal_cleared", Plain("account.updated", R"("renewal_date":"")"), std::nullopt,
               [](const Event& e) { EXPECT_EQ(e.fields, FieldBit(AccountField::kRenewalDate)); }});
  c.push_back({"ce_updated_tier", Ce("account.updated", R"("tier":"B")"), std::nullopt, [](const Event& e) {
                 EXPECT_EQ(e.account_id, "acme");
                 EXPECT_EQ(e.fields, FieldBit(AccountField::kTier));
                 EXPECT_EQ(e.tier, "B");
               }});
  c.push_back({"updated_no_fields", Plain("account.updated", ""), R::kMissingField});
  c.push_back(
      {"updated_only_nulls", Plain("account.updated", R"("tier":null,"contract_value":null)"), R::kMissingField});
  c.push_back({"updated_unknown_fields_only", Plain("account.updated", R"("segment":"smb")"), R::kMissingField});
  c.push_back({"updated_tier_empty", Plain("account.updated", R"("tier":"")"), R::kInvalidField});
  c.push_back({"updated_owner_number", Plain("account.updated", R"("owner":7)"), R::kInvalidField});
  c.push_back(
      {"updated_contract_value_string", Plain("account.updated", R"("contract_value":"1k")"), R::kInvalidField});
  c.push_back(
      {"updated_renewal_invalid", Plain("account.updated", R"("renewal_date":"2027-02-30")"), R::kInvalidField});
  c.push_back({"ce_updated_no_fields", Ce("account.updated", R"("account_id":"acme")"), R::kMissingField});
  // ---- foreign input: duplicate keys, implausible years ----
  c.push_back({"dup_key_root", Plain("ticket.resolved", R"("ticket_id":"T-1","id":"e-9")"), R::kInvalidField});
  c.push_back({"dup_key_data", Ce("ticket.resolved", R"("ticket_id":"T-1","ticket_id":"T-2")"), R::kInvalidField});
  c.push_back(
      {"year_0000", Plain("ticket.resolved", R"("ticket_id":"T-1")", "0000-01-01T00:00:00Z"), R::kBadTimestamp});
  c.push_back(
      {"year_9999", Plain("ticket.resolved", R"("ticket_id":"T-1")", "9999-12-31T23:59:59Z"), R::kBadTimestamp});
  return c;
}

TEST(CodecTest, Table) {
  auto cases = Cases();
  ASSERT_GE(cases.size(), 30u);
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name + ": " + tc.input);
    Decoder decoder(CodecOptions{tc.max_bytes});
    // Twice through the same Decoder: the reused parser state must not leak between messages.
    for (int round = 0; round < 2; ++round) {
      auto result = decoder.Decode(tc.input);
      if (!tc.reason) {
        const auto* rej = std::get_if<Rejection>(&result);
        ASSERT_EQ(rej, nullptr) << Name(rej->reason) << ": " << rej->detail;
        if (tc.check) tc.check(std::get<Event>(result));
      } else {
        const auto* rej = std::get_if<Rejection>(&result);
        ASSERT_NE(rej, nullptr) << "decoded but expected " << Name(*tc.reason);
        EXPECT_EQ(Name(rej->reason), Name(*tc.reason)) << rej->detail;
        EXPECT_FALSE(rej->detail.empty());
        EXPECT_EQ(rej->raw, tc.input);
      }
    }
  }
}

TEST(CodecTest, DetailNamesField) {
  Decoder decoder;
  auto result = decoder.Decode(Plain("ticket.opened", R"("ticket_id":"T-1","priority":"critical")"));
  ASSERT_TRUE(std::holds_alternative<Rejection>(result));
  EXPECT_EQ(std::get<Rejection>(result).detail, R"(field "priority": expected one of urgent, high, normal, low)");
  result = decoder.Decode(Plain("account.updated", ""));
  ASSERT_TRUE(std::holds_alternative<Rejection>(result));
  EXPECT_EQ(std::get<Rejection>(result).detail,
            R"x(field "(fields)": account.updated needs at least one of name, tier, owner, owner_email, team, )x"
            R"x(calendar, contract_value, renewal_date)x");
}

TEST(CodecTest, NeverCrashesOnPrefixes) {
  // Every prefix of a valid message is some kind of rejection, never a crash.
  const std::string full = Ce("ticket.opened", R"("account_id":"acme","ticket_id":"T-9","priority":"low")");
  Decoder decoder;
  for (size_t n = 0; n < full.size(); ++n) {
    auto result = decoder.Decode(std::string_view(full).substr(0, n));
    EXPECT_TRUE(std::holds_alternative<Rejection>(result)) << n;
  }
  EXPECT_TRUE(std::holds_alternative<Event>(decoder.Decode(full)));
}

TEST(CodecTest, RejectReasonNames) {
  EXPECT_EQ(Name(RejectReason::kMalformedJson), "malformed_json");
  EXPECT_EQ(Name(RejectReason::kInvalidUtf8), "invalid_utf8");
  EXPECT_EQ(Name(RejectReason::kOversize), "oversize");
  EXPECT_EQ(Name(RejectReason::kMissingField), "missing_field");
  EXPECT_EQ(Name(RejectReason::kInvalidField), "invalid_field");
  EXPECT_EQ(Name(RejectReason::kBadTimestamp), "bad_timestamp");
  EXPECT_EQ(Name(RejectReason::kUnknownType), "unknown_type");
}

TEST(CodecTest, EnumNamesRoundTrip) {
  for (int i = 0; i < kEventTypeCount; ++i) {
    auto t = static_cast<EventType>(i);
    EXPECT_EQ(ParseEventType(Name(t)), t);
  }
  for (int i = 0; i < kPriorityCount; ++i) EXPECT_EQ(ParsePriority(Name(static_cast<Priority>(i))), Priority(i));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ParseTicketStatus(Name(TicketStatus(i))), TicketStatus(i));
  EXPECT_EQ(Name(EventType::kTicketPriorityChanged), "ticket.priority_changed");
  EXPECT_EQ(Name(TicketStatus::kOnHold), "on_hold");
  EXPECT_FALSE(ParseEventType("ticket.Opened").has_value());
  EXPECT_EQ(Name(EventType::kTicketAssigned), "ticket.assigned");
  EXPECT_EQ(Name(EventType::kOrderPlaced), "order.placed");
  EXPECT_EQ(Name(EventType::kAccountUpdated), "account.updated");
  EXPECT_EQ(Name(AccountField::kOwnerEmail), "owner_email");
  EXPECT_EQ(Name(AccountField::kRenewalDate), "renewal_date");
  EXPECT_EQ(ParseSurveyKind("nps"), SurveyKind::kNps);
  EXPECT_FALSE(ParseSurveyKind("NPS").has_value());
  EXPECT_FALSE(ParsePriority("").has_value());
}

// Canonical type ranks: account.updated right after account.upserted,
// ticket.assigned between priority_changed and replied, order.placed after
// interaction.logged; the older types keep their order.
TEST(CodecTest, CanonicalRanks) {
  const std::vector<EventType> order = {
      EventType::kAccountUpserted, EventType::kAccountUpdated,      EventType::kAccountChurned,
      EventType::kTicketOpened,    EventType::kTicketStatusChanged, EventType::kTicketPriorityChanged,
      EventType::kTicketAssigned,  EventType::kTicketReplied,       EventType::kTicketResolved,
      EventType::kTicketReopened,  EventType::kSurveyAnswered,      EventType::kInteractionLogged,
      EventType::kOrderPlaced};
  ASSERT_EQ(order.size(), static_cast<size_t>(kEventTypeCount));
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(Rank(order[i]), static_cast<int>(i)) << Name(order[i]);
  Event a, b;
  a.occurred_at = b.occurred_at = 10;
  a.type = EventType::kTicketAssigned;
  b.type = EventType::kTicketReplied;
  a.id = "z";
  b.id = "a";
  EXPECT_TRUE(CanonicalLess(a, b));
  EXPECT_FALSE(CanonicalLess(b, a));
  // An upsert and an update at the same instant: the upsert first, whatever the ids.
  a.type = EventType::kAccountUpserted;
  b.type = EventType::kAccountUpdated;
  EXPECT_TRUE(CanonicalLess(a, b));
  b.type = EventType::kAccountChurned;
  a.type = EventType::kAccountUpdated;
  EXPECT_TRUE(CanonicalLess(a, b));
}

TEST(CodecTest, Rfc3339Parse) {
  int64_t t = -1;
  EXPECT_TRUE(ParseRfc3339("1970-01-01T00:00:00Z", &t));
  EXPECT_EQ(t, 0);
  EXPECT_TRUE(ParseRfc3339("2026-11-20T09:15:00Z", &t));
  EXPECT_EQ(t, kT);
  EXPECT_TRUE(ParseRfc3339("2026-11-20t09:15:00.999999999z", &t));
  EXPECT_EQ(t, kT);
  EXPECT_TRUE(ParseRfc3339("2026-11-20T17:15:00+08:00", &t));
  EXPECT_EQ(t, kT);
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z", &t));
  EXPECT_TRUE(ParseRfc3339("2026-01-01T00:30:00+00:30", &t));
  EXPECT_EQ(t, 1767225600);
  for (const char* bad :
       {"", "2026-11-20", "2026-11-20T09:15:00", "2026-11-20T09:15:00.Z", "2026-11-20T09:15Z", "2026-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-20T23:60:00Z", "2026-11-20T23:59:60Z",
        "2026-11-20T09:15:00+0800", "2026-11-20T09:15:00+24:00", "2026-11-20T09:15:00Z ", "26-11-20T09:15:00Z",
        "2026-11-20T09:15:00+08:00:00", "２026-11-20T09:15:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &t)) << bad;
  }
}

TEST(CodecTest, Rfc3339FormatRoundTrip) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kT), "2026-11-20T09:15:00Z");
  EXPECT_EQ(FormatRfc3339(1763600400), "2025-11-20T01:00:00Z");
  EXPECT_EQ(FormatRfc3339(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(951782400), "2000-02-29T00:00:00Z");
  // Every day boundary from 1970 to 8999 (the last plausible year) plus an odd offset, in big strides.
  for (int64_t s = 0; s <= 221845391999; s += 86400 * 7 + 3601) {
    int64_t back = -1;
    ASSERT_TRUE(ParseRfc3339(FormatRfc3339(s), &back)) << s;
    ASSERT_EQ(back, s);
  }
}

// tests/fuzz/corpus seeds the decoder's fuzzer (scripts/fuzz) with every
// input of the table; SLAMON_WRITE_FUZZ_SEEDS=1 rewrites the files.
TEST(CodecTest, FuzzSeedsMatchTable) {
  const std::string dir = std::string(SLAMON_SOURCE_DIR) + "/tests/fuzz/corpus/";
  const bool write = std::getenv("SLAMON_WRITE_FUZZ_SEEDS") != nullptr;
  for (const auto& tc : Cases()) {
    const std::string path = dir + tc.name;
    if (write) std::ofstream(path, std::ios::binary | std::ios::trunc) << tc.input;
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path << " is missing: run SLAMON_WRITE_FUZZ_SEEDS=1 slamon_codec_test";
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, tc.input) << path;
  }
}

}  // namespace
}  // namespace slamon::events
