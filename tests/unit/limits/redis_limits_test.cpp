// The Redis-backed limits beyond their contract suites: what several instances sharing one
// Redis see, concurrency, and behaviour with Redis down.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "limits/redis_idempotency_store.hpp"
#include "limits/redis_key_guard.hpp"
#include "limits/redis_rate_limiter.hpp"
#include "storage/memory_lead_store.hpp"
#include "support/test_util.hpp"
#include "unit/limits/redis_test_client.hpp"

namespace leadgate::limits {
namespace {

using std::chrono::milliseconds;

constexpr char kProject[] = "6b0c13c00102030405000001";
constexpr char kKey[] = "6b0c13c00102030405000002";

TEST(RedisRateLimiter, TwoInstancesShareOneBudgetExactly) {
  LEADGATE_REQUIRE_SERVICES();
  auto a_client = testing::MakeTestClient();
  ASSERT_NE(a_client, nullptr);
  // A second "instance": its own client and limiter, the same Redis and prefix.
  auto b_client = RedisClient::Create({.url = a_client->options().url,
                                       .key_prefix = a_client->options().key_prefix,
                                       .timeout = milliseconds(2000)});
  ASSERT_TRUE(b_client.has_value());
  RedisRateLimiter a(*a_client);  // Redis TIME, as in the server
  RedisRateLimiter b(**b_client);
  // 100 per hour: nothing comes back during the test, so exactly 100 pass.
  const RateLimit limit{100, std::chrono::hours(1)};
  std::atomic<int> allowed{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RedisRateLimiter& limiter = t % 2 == 0 ? a : b;
      for (int i = 0; i < 40; ++i) {
        auto d = limiter.Allow("project", limit);
        if (!d) {
          ++failures;
        } else if (d->allowed) {
          ++allowed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(allowed.load(), 100);
  auto denied = b.Allow("project", limit);
  ASSERT_OK(denied);
  EXPECT_FALSE(denied->allowed);
  EXPECT_EQ(denied->remaining, 0);
  EXPECT_GT(denied->retry_after, milliseconds(35'000));  // one interval is 36 s
  EXPECT_LE(denied->retry_after, milliseconds(36'000));
}

TEST(RedisRateLimiter, TheKeyExpiresWhenTheBucketIsFullAgain) {
  LEADGATE_REQUIRE_SERVICES();
  auto client = testing::MakeTestClient();
  ASSERT_NE(client, nullptr);
  RedisRateLimiter limiter(*client);
  ASSERT_OK(limiter.Allow("p", RateLimit{10, milliseconds(1000)}));
  auto ttl = client->Command({"PTTL", client->Key("rl:p")});
  ASSERT_OK(ttl);
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 100);  // one interval
}

TEST(RedisRateLimiter, UnreachableRedisIsUnavailable) {
  auto client = RedisClient::Create({.url = "redis://127.0.0.1:1"});
  ASSERT_TRUE(client.has_value());
  RedisRateLimiter limiter(**client);
  auto d = limiter.Allow("p", RateLimit{});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, core::ErrorCode::kUnavailable);
}

class RedisKeyGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LEADGATE_REQUIRE_SERVICES();
    client_ = testing::MakeTestClient();
    ASSERT_NE(client_, nullptr);
    ASSERT_OK(store_.CreateProject(
        core::Project{kProject, "p", "US", true, core::FromUnixMillis(0), std::nullopt}));
    ASSERT_OK(store_.CreateApiKey(
        core::ApiKeyRecord{kKey, kProject, std::string(64, 'a'), false, core::FromUnixMillis(0)}));
  }

  storage::MemoryLeadStore store_;
  std::unique_ptr<RedisClient> client_;
  const core::TimePoint now_ = core::FromUnixMillis(1'795'953'600'000);
};

TEST_F(RedisKeyGuardTest, EightThreadsOnTwoInstancesCountEveryStrike) {
  auto other = RedisClient::Create({.url = client_->options().url,
                                    .key_prefix = client_->options().key_prefix,
                                    .timeout = milliseconds(2000)});
  ASSERT_TRUE(other.has_value());
  RedisKeyGuard a(*client_, KeyExistsIn(store_));
  RedisKeyGuard b(**other, KeyExistsIn(store_));
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RedisKeyGuard& guard = t % 2 == 0 ? a : b;
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        // All in the same millisecond: each is still its own strike.
        if (!guard.RecordStrike(kKey, now_, milliseconds(60'000), 10'000, milliseconds(1))) {
          ++failures;
        }
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto state = a.GetKeyGuard(kKey, now_, milliseconds(60'000));
  ASSERT_OK(state);
  EXPECT_EQ(state->strikes, kThreads * kEach);
  EXPECT_EQ(state->blocked_until, std::nullopt);
}

TEST_F(RedisKeyGuardTest, StateExpiresWithTheWindowOrTheBlock) {
  RedisKeyGuard guard(*client_, KeyExistsIn(store_));
  ASSERT_OK(guard.RecordStrike(kKey, now_, milliseconds(60'000), 5, milliseconds(3'600'000)));
  auto ttl = client_->Command({"PTTL", client_->Key(std::string("kg:{") + kKey + "}:strikes")});
  ASSERT_OK(ttl);
  EXPECT_GT(ttl->integer, 59'000);
  EXPECT_LE(ttl->integer, 60'000);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(guard.RecordStrike(kKey, now_, milliseconds(60'000), 5, milliseconds(3'600'000)));
  }
  ttl = client_->Command({"PTTL", client_->Key(std::string("kg:{") + kKey + "}:block")});
  ASSERT_OK(ttl);
  EXPECT_GT(ttl->integer, 3'599'000);
}

TEST_F(RedisKeyGuardTest, ExistenceIsAskedOncePerKeyAndOnlyYesIsRemembered) {
  int asked = 0;
  RedisKeyGuard guard(*client_, [&](const std::string& key_id) -> core::Result<bool> {
    ++asked;
    return key_id == kKey;
  });
  for (int i = 0; i < 3; ++i) ASSERT_OK(guard.GetKeyGuard(kKey, now_, milliseconds(1000)));
  EXPECT_EQ(asked, 1);
  for (int i = 0; i < 2; ++i) {
    auto unknown = guard.GetKeyGuard("nope", now_, milliseconds(1000));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, core::ErrorCode::kNotFound);
  }
  EXPECT_EQ(asked, 3);
  // A store failure is passed on as is.
  RedisKeyGuard failing(*client_, [](const std::string&) -> core::Result<bool> {
    return core::MakeError(core::ErrorCode::kUnavailable, "db down");
  });
  auto down = failing.RecordStrike(kKey, now_, milliseconds(1), 1, milliseconds(1));
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().message, "db down");
}

// ---- idempotency: the marker in front of a durable store ----

// Counts the calls that reach the durable store.
class CountingIdempotencyStore final : public core::IdempotencyStore {
 public:
  explicit CountingIdempotencyStore(core::IdempotencyStore& inner) : inner_(inner) {}
  core::Result<core::IdempotencyBegin> BeginIdempotent(const std::string& scope,
                                                       const std::string& key,
                                                       const std::string& hash, core::TimePoint now,
                                                       milliseconds ttl,
                                                       milliseconds stale_after) override {
    ++begins;
    return inner_.BeginIdempotent(scope, key, hash, now, ttl, stale_after);
  }
  core::Status CompleteIdempotent(const std::string& scope, const std::string& key,
                                  const core::StoredResponse& response) override {
    return inner_.CompleteIdempotent(scope, key, response);
  }
  core::Status AbandonIdempotent(const std::string& scope, const std::string& key) override {
    return inner_.AbandonIdempotent(scope, key);
  }
  std::atomic<int> begins{0};

 private:
  core::IdempotencyStore& inner_;
};

constexpr milliseconds kTtl{24 * 3600 * 1000};
constexpr milliseconds kStale{5 * 60 * 1000};
const std::string kHash(64, 'a');

TEST(RedisIdempotencyStore, RetriesOfARunningRequestAreTurnedAwayWithoutTheDatabase) {
  LEADGATE_REQUIRE_SERVICES();
  auto client = testing::MakeTestClient();
  ASSERT_NE(client, nullptr);
  storage::MemoryLeadStore memory;
  CountingIdempotencyStore durable(memory);
  RedisIdempotencyStore store(*client, durable);
  const core::TimePoint now = core::FromUnixMillis(1'795'953'600'000);

  auto first = store.BeginIdempotent(kProject, "k", kHash, now, kTtl, kStale);
  ASSERT_OK(first);
  EXPECT_EQ(first->status, core::IdempotencyStatus::kStarted);
  for (int i = 0; i < 5; ++i) {
    auto retry = store.BeginIdempotent(kProject, "k", kHash, now + milliseconds(i), kTtl, kStale);
    ASSERT_OK(retry);
    EXPECT_EQ(retry->status, core::IdempotencyStatus::kInProgress);
  }
  EXPECT_EQ(durable.begins.load(), 1);
  ASSERT_OK(store.CompleteIdempotent(kProject, "k", {.status = 200, .body = "{}"}));
  // The marker is gone: the replay comes from the durable record.
  auto replay = store.BeginIdempotent(kProject, "k", kHash, now + milliseconds(9), kTtl, kStale);
  ASSERT_OK(replay);
  EXPECT_EQ(replay->status, core::IdempotencyStatus::kReplay);
  EXPECT_EQ(durable.begins.load(), 2);
  auto marker = client->Command({"EXISTS", client->Key(std::string("idem:") + kProject + ":k")});
  ASSERT_OK(marker);
  EXPECT_EQ(marker->integer, 0);  // a replay leaves no marker behind
  EXPECT_EQ(store.fallbacks(), 0u);
}

TEST(RedisIdempotencyStore, WithRedisDownTheDurableStoreAloneAnswersAndItIsCounted) {
  auto client = RedisClient::Create({.url = "redis://127.0.0.1:1"});
  ASSERT_TRUE(client.has_value());
  storage::MemoryLeadStore durable;
  RedisIdempotencyStore store(**client, durable);
  const core::TimePoint now = core::FromUnixMillis(1'795'953'600'000);
  auto first = store.BeginIdempotent(kProject, "k", kHash, now, kTtl, kStale);
  ASSERT_OK(first);
  EXPECT_EQ(first->status, core::IdempotencyStatus::kStarted);
  auto retry = store.BeginIdempotent(kProject, "k", kHash, now, kTtl, kStale);
  ASSERT_OK(retry);
  EXPECT_EQ(retry->status, core::IdempotencyStatus::kInProgress);
  ASSERT_OK(store.CompleteIdempotent(kProject, "k", {.status = 201, .body = "{\"a\":1}"}));
  auto replay = store.BeginIdempotent(kProject, "k", kHash, now, kTtl, kStale);
  ASSERT_OK(replay);
  EXPECT_EQ(replay->status, core::IdempotencyStatus::kReplay);
  EXPECT_EQ(replay->response, (core::StoredResponse{.status = 201, .body = "{\"a\":1}"}));
  EXPECT_EQ(store.fallbacks(), 4u);  // three Begins and the marker's DEL after Complete
}

}  // namespace
}  // namespace leadgate::limits
