#include "events/common/status.h"

#include <gtest/gtest.h>

#include <string>

namespace slamon {
namespace {

TEST(StatusOrTest, HoldsAValueOrAnError) {
  StatusOr<std::string> v(std::string("x"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "x");
  StatusOr<std::string> e(Status::NotFound("no such thing"));
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Status::kNotFound);
  EXPECT_EQ(e.status().message(), "no such thing");
}

// An OK status carries no value: accepting it silently would hand out an
// "ok"-looking result that has nothing in it.
TEST(StatusOrTest, RefusesAnOkStatus) {
  StatusOr<int> r(Status::OK());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::kInternal);
  EXPECT_NE(r.status().message().find("OK status"), std::string::npos);
}

}  // namespace
}  // namespace slamon
