// The JSON writer and the log escaping: foreign bytes (control characters,
// line separators, invalid UTF-8) can neither break a JSON line nor a log line.
#include "events/common/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "events/common/logging.h"

namespace slamon::events {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesBackslashAndEveryControlCharacter) {
  EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted(std::string("\n\r\t\x01\x1f\x7f", 6)), R"("\u000a\u000d\u0009\u0001\u001f\u007f")");
  EXPECT_EQ(Quoted(std::string(1, '\0')), R"("\u0000")");
  for (int c = 0; c < 0x20; ++c) {
    const std::string q = Quoted(std::string(1, static_cast<char>(c)));
    for (char b : q) EXPECT_GE(static_cast<unsigned char>(b), 0x20) << "control byte " << c << " written raw";
  }
}

TEST(JsonWriterTest, EscapesLineAndParagraphSeparators) {
  EXPECT_EQ(Quoted("a\xE2\x80\xA8"
                   "b\xE2\x80\xA9"),
            R"("a\u2028b\u2029")");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  // A lone continuation byte, a truncated sequence, an overlong NUL, a surrogate.
  EXPECT_EQ(Quoted("a\x80z"), "\"a\xEF\xBF\xBDz\"");
  EXPECT_EQ(Quoted("a\xC3"), "\"a\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xC0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  // Whatever the input, the output parses as JSON and round-trips valid text.
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(Quoted(all)));
  EXPECT_EQ(j.get<std::string>().substr(0, 128), all.substr(0, 128));
}

TEST(JsonWriterTest, WritesNestedContainersWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Field("a", int64_t{1}).Key("b").BeginArray().Int(2).String("x").BeginObject().EndObject();
  w.Null().EndArray().Field("c", true).Key("d").BeginObject().Field("e", 2.5).EndObject().EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":[2,"x",{},null],"c":true,"d":{"e":2.5}})");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(JsonWriterTest, NumbersAreFiniteOnly) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray().Double(std::nan("")).Double(std::numeric_limits<double>::infinity()).Double(0.1);
  w.Fixed(87.50, 6).Fixed(-0.0000001, 6).Fixed(-std::numeric_limits<double>::infinity(), 6).Int(INT64_MIN).EndArray();
  EXPECT_EQ(out, "[null,null,0.1,87.5,0,null,-9223372036854775808]");
}

TEST(EscapeForLogTest, RendersControlBytesAsHexSoNoLineCanBeForged) {
  EXPECT_EQ(EscapeForLog("ok-id"), "ok-id");
  EXPECT_EQ(EscapeForLog("a\nb\r\x1b[31m\\"), "a\\x0ab\\x0d\\x1b[31m\\x5c");
  EXPECT_EQ(EscapeForLog("caf\xC3\xA9\xFF"), "caf\xC3\xA9\\xff");
  const std::string escaped = EscapeForLog(std::string(10000, '\n'));
  EXPECT_EQ(escaped.find('\n'), std::string::npos);
  EXPECT_LT(escaped.size(), 300u);
  EXPECT_NE(escaped.find("more bytes"), std::string::npos);
}

}  // namespace
}  // namespace slamon::events
