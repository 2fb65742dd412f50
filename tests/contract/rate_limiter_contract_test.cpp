// One suite for every RateLimiter: the in-process one and the shared (Redis) one. To add an
// implementation, add a factory and an INSTANTIATE line at the bottom. Time comes from the
// fixture's FakeClock for every implementation (RedisRateLimiter takes it as its test clock, in
// place of Redis TIME), so the time-travel tests run against Redis too.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "limits/duplicate_guard.hpp"
#include "limits/local_rate_limiter.hpp"
#include "limits/redis_client.hpp"
#include "limits/redis_rate_limiter.hpp"
#include "support/test_services.hpp"

namespace leadgate::limits {
namespace {

using std::chrono::milliseconds;

struct RateLimiterFactory {
  std::string name;
  // A limiter with no state, reading time from `clock`.
  std::function<std::unique_ptr<RateLimiter>(const core::Clock& clock)> make;
  bool needs_services = false;  // skipped outside ctest (no Redis)
};

void PrintTo(const RateLimiterFactory& f, std::ostream* os) { *os << f.name; }

class RateLimiterContractTest : public ::testing::TestWithParam<RateLimiterFactory> {
 protected:
  void SetUp() override {
    if (GetParam().needs_services) LEADGATE_REQUIRE_SERVICES();
    limiter_ = GetParam().make(clock_);
    ASSERT_NE(limiter_, nullptr);
  }

  core::FakeClock clock_{core::FromUnixMillis(1'795'953'600'000)};
  std::unique_ptr<RateLimiter> limiter_;
};

TEST_P(RateLimiterContractTest, BurstThenDenyWithExactRetryAfter) {
  const RateLimit limit{100, milliseconds(5000)};
  for (int i = 0; i < 100; ++i) {
    auto d = limiter_->Allow("p", limit);
    ASSERT_TRUE(d.has_value());
    ASSERT_TRUE(d->allowed) << i;
    EXPECT_EQ(d->remaining, 99 - i);
    EXPECT_EQ(d->limit, 100);
  }
  auto denied = limiter_->Allow("p", limit);
  ASSERT_TRUE(denied.has_value());
  EXPECT_FALSE(denied->allowed);
  EXPECT_EQ(denied->retry_after, milliseconds(50));
  EXPECT_EQ(denied->reset, milliseconds(5000));
}

TEST_P(RateLimiterContractTest, KeysAreIsolated) {
  const RateLimit limit{3, milliseconds(3000)};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter_->Allow("a", limit)->allowed);
  EXPECT_FALSE(limiter_->Allow("a", limit)->allowed);
  const auto b = limiter_->Allow("b", limit);
  EXPECT_TRUE(b->allowed);
  EXPECT_EQ(b->remaining, 2);
}

TEST_P(RateLimiterContractTest, FollowsTheClockAndDeniedRequestsAreFree) {
  const RateLimit limit{2, milliseconds(1000)};  // 500 ms apart
  EXPECT_TRUE(limiter_->Allow("p", limit)->allowed);
  EXPECT_TRUE(limiter_->Allow("p", limit)->allowed);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter_->Allow("p", limit)->allowed);
  clock_.Advance(milliseconds(499));
  const auto early = limiter_->Allow("p", limit);
  EXPECT_FALSE(early->allowed);
  EXPECT_EQ(early->retry_after, milliseconds(1));
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(limiter_->Allow("p", limit)->allowed);
  clock_.Advance(milliseconds(10'000));  // idle: a full bucket again
  const auto fresh = limiter_->Allow("p", limit);
  EXPECT_TRUE(fresh->allowed);
  EXPECT_EQ(fresh->remaining, 1);
}

TEST_P(RateLimiterContractTest, ConcurrentCallersNeverExceedTheBurst) {
  const RateLimit limit{100, milliseconds(5000)};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) allowed += limiter_->Allow("p", limit)->allowed ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 100);
}

RateLimiterFactory LocalFactory() {
  return {"Local", [](const core::Clock& clock) -> std::unique_ptr<RateLimiter> {
            return std::make_unique<LocalRateLimiter>(clock);
          }};
}

// A RedisRateLimiter that owns its client, on a key prefix of its own.
class OwningRedisRateLimiter final : public RateLimiter {
 public:
  OwningRedisRateLimiter(std::unique_ptr<RedisClient> client, const core::Clock& clock)
      : client_(std::move(client)), limiter_(*client_, &clock) {}
  core::Result<RateDecision> Allow(const std::string& key, const RateLimit& limit) override {
    return limiter_.Allow(key, limit);
  }

 private:
  std::unique_ptr<RedisClient> client_;
  RedisRateLimiter limiter_;
};

RateLimiterFactory RedisFactory() {
  return {"Redis",
          [](const core::Clock& clock) -> std::unique_ptr<RateLimiter> {
            auto client = RedisClient::Create({.url = testing::GetTestServices()->redis_url,
                                               .key_prefix = testing::UniqueRedisPrefix()});
            if (!client) {
              ADD_FAILURE() << client.error().ToString();
              return nullptr;
            }
            return std::make_unique<OwningRedisRateLimiter>(std::move(*client), clock);
          },
          true};
}

std::string FactoryName(const ::testing::TestParamInfo<RateLimiterFactory>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Local, RateLimiterContractTest, ::testing::Values(LocalFactory()),
                         FactoryName);
INSTANTIATE_TEST_SUITE_P(Redis, RateLimiterContractTest, ::testing::Values(RedisFactory()),
                         FactoryName);

TEST(DuplicateStrike, AtLeastHalfAndAtLeastOne) {
  EXPECT_FALSE(IsStrike(0, 0));
  EXPECT_TRUE(IsStrike(1, 1));
  EXPECT_FALSE(IsStrike(1, 0));
  EXPECT_TRUE(IsStrike(2, 1));
  EXPECT_FALSE(IsStrike(3, 1));
  EXPECT_TRUE(IsStrike(1000, 500));
  EXPECT_FALSE(IsStrike(1000, 499));
}

}  // namespace
}  // namespace leadgate::limits
