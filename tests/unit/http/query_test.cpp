#include "http/query.hpp"

#include <gtest/gtest.h>

namespace leadgate::http {
namespace {

TEST(HttpQuery, PathDropsTheQuery) {
  EXPECT_EQ(TargetPath("/api/v1/leads/bulk/initiate?v=1.2"), "/api/v1/leads/bulk/initiate");
  EXPECT_EQ(TargetPath("/healthz"), "/healthz");
  EXPECT_EQ(TargetPath("/?"), "/");
}

TEST(HttpQuery, ParamsAreFoundAndDecoded) {
  const std::string_view t = "/x?v=1.2&dryRun=true&name=a%20b+c&empty&bad=%zz&v=9";
  EXPECT_EQ(QueryParam(t, "v"), "1.2");  // the first one wins
  EXPECT_EQ(QueryParam(t, "dryRun"), "true");
  EXPECT_EQ(QueryParam(t, "name"), "a b c");
  EXPECT_EQ(QueryParam(t, "empty"), "");
  EXPECT_EQ(QueryParam(t, "bad"), "%zz");
  EXPECT_EQ(QueryParam(t, "missing"), std::nullopt);
  EXPECT_EQ(QueryParam("/x", "v"), std::nullopt);
  EXPECT_EQ(QueryParam("/x?dry%52un=true", "dryRun"), "true");
  EXPECT_EQ(QueryParam("/x?v=%", "v"), "%");
}

}  // namespace
}  // namespace leadgate::http
