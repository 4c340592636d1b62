// Request-target, query and basic-auth parsing of the HTTP server.
#include "daemon/http/http_util.h"

#include <gtest/gtest.h>

#include "daemon/http/http_types.h"

namespace slamon::daemon {
namespace {

TEST(HttpUtilTest, PercentDecoding) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%2", false));
  EXPECT_FALSE(PercentDecode("%", false));
  EXPECT_FALSE(PercentDecode("%g0", false));
}

TEST(HttpUtilTest, TargetSplitsPathAndRepeatedParameters) {
  std::string path;
  std::multimap<std::string, std::string> params;
  ASSERT_TRUE(ParseTarget("/api/v1/breaches?tier=A&tier=B&&limit=5&flag", &path, &params));
  EXPECT_EQ(path, "/api/v1/breaches");
  EXPECT_EQ(params.count("tier"), 2u);
  EXPECT_EQ(params.find("limit")->second, "5");
  EXPECT_EQ(params.find("flag")->second, "");
  EXPECT_FALSE(ParseTarget("http://example/x", &path, &params));
  EXPECT_FALSE(ParseTarget("*", &path, &params));
}

TEST(HttpUtilTest, Base64) {
  EXPECT_EQ(Base64Decode("cHJvbTpzM2NyZXQ="), "prom:s3cret");
  EXPECT_EQ(Base64Decode("cHJvbTpzM2NyZXQ"), "prom:s3cret");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("cHJv*"));
  EXPECT_FALSE(Base64Decode("c"));
}

TEST(HttpUtilTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(HttpUtilTest, BasicAuth) {
  EXPECT_TRUE(BasicAuthMatches("Basic cHJvbTpzM2NyZXQ=", "prom", "s3cret"));
  EXPECT_TRUE(BasicAuthMatches("bAsIc   cHJvbTpzM2NyZXQ= ", "prom", "s3cret"));
  EXPECT_FALSE(BasicAuthMatches("Basic cHJvbTpzM2NyZXQ=", "prom", "s3creT"));
  EXPECT_FALSE(BasicAuthMatches("Basiccm9vdDp4", "root", "x"));
  EXPECT_FALSE(BasicAuthMatches("Bearer cHJvbTpzM2NyZXQ=", "prom", "s3cret"));
  EXPECT_FALSE(BasicAuthMatches("Basic", "prom", "s3cret"));
  EXPECT_FALSE(BasicAuthMatches("", "prom", "s3cret"));
  EXPECT_FALSE(BasicAuthMatches("Basic !!!", "prom", "s3cret"));
}

TEST(HttpUtilTest, HeaderLookupIgnoresCase) {
  HttpRequest req;
  req.headers = {{"authorization", "Basic x"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(req.Header("Authorization"), "Basic x");
  EXPECT_EQ(req.Header("X-A"), "1");
  EXPECT_EQ(req.Header("missing"), "");
}

TEST(HttpUtilTest, JsonQuoteEscapes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(JsonQuote(std::string("\xff", 1)), "\"\xEF\xBF\xBD\"");  // invalid UTF-8 replaced
}

}  // namespace
}  // namespace slamon::daemon
