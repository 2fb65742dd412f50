#include "limits/redis_url.hpp"

#include <gtest/gtest.h>

namespace leadgate::limits {
namespace {

RedisUrl Parsed(std::string_view url) {
  auto r = ParseRedisUrl(url);
  EXPECT_TRUE(r.has_value()) << url << ": " << (r ? "" : r.error().ToString());
  return r ? *r : RedisUrl{};
}

TEST(RedisUrl, HostAloneTakesTheDefaults) {
  EXPECT_EQ(Parsed("redis://127.0.0.1"),
            (RedisUrl{.host = "127.0.0.1", .port = 6379, .user = "", .password = "", .db = 0}));
  EXPECT_EQ(Parsed("redis://cache.internal/"), (RedisUrl{"cache.internal", 6379, "", "", 0}));
}

TEST(RedisUrl, EveryPart) {
  EXPECT_EQ(Parsed("redis://app:s3cret@10.0.0.5:6380/2"),
            (RedisUrl{"10.0.0.5", 6380, "app", "s3cret", 2}));
  // A password alone, with or without the empty user.
  EXPECT_EQ(Parsed("redis://:pw@h:1"), (RedisUrl{"h", 1, "", "pw", 0}));
  EXPECT_EQ(Parsed("redis://pw@h"), (RedisUrl{"h", 6379, "", "pw", 0}));
  // Percent-encoded credentials, an '@' in the password, IPv6.
  EXPECT_EQ(Parsed("redis://u%3Ax:p%40ss%2f@h/15"), (RedisUrl{"h", 6379, "u:x", "p@ss/", 15}));
  EXPECT_EQ(Parsed("redis://:p@ss@h"), (RedisUrl{"h", 6379, "", "p@ss", 0}));
  EXPECT_EQ(Parsed("redis://[::1]:7000/3"), (RedisUrl{"::1", 7000, "", "", 3}));
}

TEST(RedisUrl, AnythingElseIsInvalidArgumentWithAClearMessage) {
  for (const char* bad : {"",
                          "127.0.0.1:6379",
                          "http://h",
                          "rediss://h",
                          "unix:///tmp/redis.sock",
                          "redis://",
                          "redis://:6379",
                          "redis://h:",
                          "redis://h:0",
                          "redis://h:65536",
                          "redis://h:12ab",
                          "redis://h/x",
                          "redis://h/-1",
                          "redis://h/1/2",
                          "redis://h?db=1",
                          "redis://h#x",
                          "redis://u:%zz@h",
                          "redis://u:%4@h",
                          "redis://[::1",
                          "redis://[::1]x"}) {
    auto r = ParseRedisUrl(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message.find("redis://[user:password@]host[:port][/db]"), std::string::npos)
        << r.error().message;
  }
  EXPECT_NE(ParseRedisUrl("rediss://h").error().message.find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace leadgate::limits
