#include "limits/redis_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "support/test_util.hpp"
#include "unit/limits/redis_test_client.hpp"

namespace leadgate::limits {
namespace {

using std::chrono::milliseconds;

TEST(RedisClient, CreateRejectsBadOptionsAndConnectsNothing) {
  auto bad_url = RedisClient::Create({.url = "http://h"});
  ASSERT_FALSE(bad_url.has_value());
  EXPECT_EQ(bad_url.error().code, core::ErrorCode::kInvalidArgument);
  auto no_pool = RedisClient::Create({.url = "redis://h", .pool_size = 0});
  ASSERT_FALSE(no_pool.has_value());
  EXPECT_EQ(no_pool.error().code, core::ErrorCode::kInvalidArgument);
  auto no_timeout = RedisClient::Create({.url = "redis://h", .timeout = milliseconds(0)});
  ASSERT_FALSE(no_timeout.has_value());
  // Nothing listens there, but Create does not connect: the server starts with Redis down.
  auto lazy = RedisClient::Create({.url = "redis://127.0.0.1:1"});
  ASSERT_TRUE(lazy.has_value());
  EXPECT_EQ((*lazy)->Key("rl:p"), "leadgate:rl:p");
}

TEST(RedisClient, UnreachableRedisIsUnavailableFast) {
  auto client = RedisClient::Create({.url = "redis://127.0.0.1:1", .timeout = milliseconds(200)});
  ASSERT_TRUE(client.has_value());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    auto ping = (*client)->Ping();
    ASSERT_FALSE(ping.has_value());
    EXPECT_EQ(ping.error().code, core::ErrorCode::kUnavailable);
    EXPECT_NE(ping.error().message.find("127.0.0.1:1"), std::string::npos) << ping.error().message;
    auto cmd = (*client)->Command({"GET", "x"});
    ASSERT_FALSE(cmd.has_value());
    EXPECT_EQ(cmd.error().code, core::ErrorCode::kUnavailable);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(RedisClient, CommandsScriptsAndBinarySafeValues) {
  LEADGATE_REQUIRE_SERVICES();
  auto client = testing::MakeTestClient();
  ASSERT_NE(client, nullptr);
  EXPECT_OK(client->Ping());
  const std::string key = client->Key("bin");
  const std::string value("a\0b\r\n\xff", 6);
  auto set = client->Command({"SET", key, value});
  ASSERT_OK(set);
  EXPECT_EQ(set->type, RedisReply::Type::kStatus);
  auto get = client->Command({"GET", key});
  ASSERT_OK(get);
  EXPECT_EQ(get->type, RedisReply::Type::kString);
  EXPECT_EQ(get->str, value);
  auto missing = client->Command({"GET", client->Key("missing")});
  ASSERT_OK(missing);
  EXPECT_EQ(missing->type, RedisReply::Type::kNil);

  // A script unknown to the server goes by EVAL, then by EVALSHA.
  const RedisScript script("return {KEYS[1], tonumber(ARGV[1]) + 1, redis.call('GET', KEYS[1])}");
  ASSERT_OK(client->Command({"SCRIPT", "FLUSH"}));
  for (int i = 0; i < 2; ++i) {
    auto r = client->Eval(script, {key}, {"41"});
    ASSERT_OK(r);
    ASSERT_EQ(r->type, RedisReply::Type::kArray);
    ASSERT_EQ(r->elements.size(), 3u);
    EXPECT_EQ(r->elements[0].str, key);
    EXPECT_EQ(r->elements[1].integer, 42);
    EXPECT_EQ(r->elements[2].str, value);
  }
  EXPECT_EQ(script.sha1().size(), 40u);

  // An error reply is an error value, and the connection stays usable.
  auto wrong = client->Command({"INCR", key});
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, core::ErrorCode::kInternal);
  EXPECT_OK(client->Ping());
}

TEST(RedisClient, RecoversOnTheNextCallAfterItsConnectionsAreKilled) {
  LEADGATE_REQUIRE_SERVICES();
  auto client = testing::MakeTestClient(4);
  ASSERT_NE(client, nullptr);
  // Open several pooled connections.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) EXPECT_OK(client->Ping());
    });
  }
  for (auto& t : threads) t.join();

  auto killer = testing::MakeTestClient(1);
  ASSERT_NE(killer, nullptr);
  auto killed = killer->Command({"CLIENT", "KILL", "TYPE", "normal"});  // SKIPME yes: not itself
  ASSERT_OK(killed);
  EXPECT_GE(killed->integer, 1);

  // The call that finds a dead connection may fail (and says so); the next one works, as do
  // all after it: every stale pooled connection was dropped, not just the one that failed.
  auto first = client->Ping();
  if (!first) {
    EXPECT_EQ(first.error().code, core::ErrorCode::kUnavailable);
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_OK(client->Ping());
  }
}

TEST(RedisClient, AuthAndSelectFailuresAreUnavailable) {
  LEADGATE_REQUIRE_SERVICES();
  // The test server has no password: AUTH fails, and that is the dependency being unusable.
  auto client = RedisClient::Create(
      {.url = ::leadgate::testing::GetTestServices()->redis_url.substr(0, 8) + "u:wrong@" +
              ::leadgate::testing::GetTestServices()->redis_url.substr(8)});
  ASSERT_TRUE(client.has_value());
  auto ping = (*client)->Ping();
  ASSERT_FALSE(ping.has_value());
  EXPECT_EQ(ping.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(ping.error().message.find("AUTH"), std::string::npos) << ping.error().message;

  auto db = RedisClient::Create({.url = ::leadgate::testing::GetTestServices()->redis_url + "/1"});
  ASSERT_TRUE(db.has_value());
  EXPECT_OK((*db)->Ping());
  auto bad_db =
      RedisClient::Create({.url = ::leadgate::testing::GetTestServices()->redis_url + "/99999"});
  ASSERT_TRUE(bad_db.has_value());
  auto bad = (*bad_db)->Ping();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, core::ErrorCode::kUnavailable);
}

TEST(RedisClient, ManyThreadsShareASmallPool) {
  LEADGATE_REQUIRE_SERVICES();
  auto client = testing::MakeTestClient(2);
  ASSERT_NE(client, nullptr);
  const std::string key = client->Key("counter");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!client->Command({"INCR", key})) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto total = client->Command({"GET", key});
  ASSERT_OK(total);
  EXPECT_EQ(total->str, "400");
}

}  // namespace
}  // namespace leadgate::limits
