#include "limits/local_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "limits/duplicate_guard.hpp"

namespace leadgate::limits {
namespace {

using std::chrono::milliseconds;

TEST(LocalRateLimiter, ProjectsAreIsolated) {
  core::FakeClock clock(core::FromUnixMillis(1'000'000));
  LocalRateLimiter limiter(clock);
  const RateLimit limit{3, milliseconds(3000)};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("a", limit)->allowed);
  EXPECT_FALSE(limiter.Allow("a", limit)->allowed);
  const auto b = limiter.Allow("b", limit);
  EXPECT_TRUE(b->allowed);
  EXPECT_EQ(b->remaining, 2);
}

TEST(LocalRateLimiter, FollowsTheInjectedClock) {
  core::FakeClock clock(core::FromUnixMillis(1'000'000));
  LocalRateLimiter limiter(clock);
  const RateLimit limit{2, milliseconds(1000)};  // 500 ms apart
  EXPECT_TRUE(limiter.Allow("p", limit)->allowed);
  EXPECT_TRUE(limiter.Allow("p", limit)->allowed);
  const auto denied = limiter.Allow("p", limit);
  EXPECT_FALSE(denied->allowed);
  EXPECT_EQ(denied->retry_after, milliseconds(500));
  clock.Advance(milliseconds(499));
  EXPECT_FALSE(limiter.Allow("p", limit)->allowed);
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(limiter.Allow("p", limit)->allowed);
}

TEST(LocalRateLimiter, ConcurrentCallersNeverExceedTheBurst) {
  core::FakeClock clock(core::FromUnixMillis(1'000'000));
  LocalRateLimiter limiter(clock);
  const RateLimit limit{100, milliseconds(5000)};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) allowed += limiter.Allow("p", limit)->allowed ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 100);
}

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
