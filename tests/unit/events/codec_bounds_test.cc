// Foreign input the decoder must refuse with a clear detail: implausible
// years, times far from the clock, the leap second, duplicate JSON keys.
#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <variant>

#include "events/codec.h"

namespace slamon::events {
namespace {

std::string Plain(const std::string& time, const std::string& extra = "") {
  return R"({"id":"e-1","type":"account.churned","occurred_at":")" + time + R"(","account_id":"acme")" + extra + "}";
}

Rejection Rejected(Decoder& d, const std::string& input) {
  DecodeResult r = d.Decode(input);
  EXPECT_TRUE(std::holds_alternative<Rejection>(r)) << input;
  return std::holds_alternative<Rejection>(r) ? std::get<Rejection>(r) : Rejection{};
}

TEST(CodecBoundsTest, ImplausibleYearsAreBadTimestamps) {
  Decoder d;
  for (const char* t : {"0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "0999-12-31T23:59:59Z", "9000-01-01T00:00:00Z",
                        "9999-12-31T23:59:59Z"}) {
    const Rejection r = Rejected(d, Plain(t));
    EXPECT_EQ(r.reason, RejectReason::kBadTimestamp) << t;
    EXPECT_NE(r.detail.find("is not plausible"), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find("occurred_at"), std::string::npos) << r.detail;
    int64_t secs = 0;
    EXPECT_FALSE(ParseRfc3339(t, &secs)) << t;
  }
  for (const char* t : {"1000-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "8999-12-31T23:59:59Z"}) {
    EXPECT_TRUE(std::holds_alternative<Event>(d.Decode(Plain(t)))) << t;
  }
}

TEST(CodecBoundsTest, LeapSecondSaysWhatIsWrong) {
  Decoder d;
  const Rejection r = Rejected(d, Plain("2016-12-31T23:59:60Z"));
  EXPECT_EQ(r.reason, RejectReason::kBadTimestamp);
  EXPECT_EQ(r.detail, R"(field "occurred_at": leap second 60 is not supported; use :59 or the next second)");
  std::string why;
  int64_t secs = 0;
  EXPECT_FALSE(ParseRfc3339("2026-11-20T25:00:00Z", &secs, &why));
  EXPECT_NE(why.find("out of range"), std::string::npos) << why;
}

TEST(CodecBoundsTest, TimesFarFromTheClockAreRejectedWhenBounded) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  Decoder d(CodecOptions{.max_event_age_seconds = 10 * 86400, .max_event_future_seconds = 86400});
  const Rejection past = Rejected(d, Plain(FormatRfc3339(now - 11 * 86400)));
  EXPECT_EQ(past.reason, RejectReason::kBadTimestamp);
  EXPECT_NE(past.detail.find("10 days in the past"), std::string::npos) << past.detail;
  const Rejection future = Rejected(d, Plain(FormatRfc3339(now + 2 * 86400)));
  EXPECT_EQ(future.reason, RejectReason::kBadTimestamp);
  EXPECT_NE(future.detail.find("in the future"), std::string::npos) << future.detail;
  EXPECT_TRUE(std::holds_alternative<Event>(d.Decode(Plain(FormatRfc3339(now - 9 * 86400)))));
  EXPECT_TRUE(std::holds_alternative<Event>(d.Decode(Plain(FormatRfc3339(now + 3600)))));
  // Unbounded by default: stored history of any age decodes.
  Decoder unbounded;
  EXPECT_TRUE(std::holds_alternative<Event>(unbounded.Decode(Plain("1990-01-01T00:00:00Z"))));
}

TEST(CodecBoundsTest, DuplicateKeysAreInvalidField) {
  Decoder d;
  Rejection r = Rejected(d, Plain("2026-11-20T09:15:00Z", R"(,"id":"e-2")"));
  EXPECT_EQ(r.reason, RejectReason::kInvalidField);
  EXPECT_NE(r.detail.find(R"(duplicate key "id")"), std::string::npos) << r.detail;
  r = Rejected(d, Plain("2026-11-20T09:15:00Z", R"(,"reason":"a","reason":"b")"));
  EXPECT_EQ(r.reason, RejectReason::kInvalidField);
  EXPECT_NE(r.detail.find(R"(duplicate key "reason")"), std::string::npos) << r.detail;
  // In the CloudEvents data object too.
  r = Rejected(d, R"({"specversion":"1.0","id":"e","source":"s","type":"account.churned",)"
                  R"("time":"2026-11-20T09:15:00Z","data":{"account_id":"a","account_id":"b"}})");
  EXPECT_EQ(r.reason, RejectReason::kInvalidField);
  EXPECT_NE(r.detail.find(R"(field "data": duplicate key "account_id")"), std::string::npos) << r.detail;
  // Many distinct keys are fine; a duplicate beyond the first 32 is still found.
  std::string many;
  for (int i = 0; i < 40; ++i) many += ",\"x" + std::to_string(i) + "\":1";
  EXPECT_TRUE(std::holds_alternative<Event>(d.Decode(Plain("2026-11-20T09:15:00Z", many))));
  r = Rejected(d, Plain("2026-11-20T09:15:00Z", many + R"(,"x35":2)"));
  EXPECT_NE(r.detail.find(R"(duplicate key "x35")"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace slamon::events
