#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "limits/fail_open_key_guard.hpp"
#include "limits/fail_open_rate_limiter.hpp"
#include "support/test_util.hpp"

namespace leadgate::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A limiter whose backend answers with `next` (an error or nothing: then it allows).
class FakeLimiter final : public RateLimiter {
 public:
  core::Result<RateDecision> Allow(const std::string&, const RateLimit& limit) override {
    ++calls;
    if (fail_with) return core::MakeError(*fail_with, "redis 10.0.0.5:6379: Connection refused");
    RateDecision d;
    d.allowed = false;
    d.limit = limit.requests;
    d.retry_after = milliseconds(7);
    return d;
  }
  std::optional<core::ErrorCode> fail_with;
  int calls = 0;
};

struct Lines {
  WarningSink Sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mu);
      lines.emplace_back(line);
    };
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

class FailOpenTest : public ::testing::Test {
 protected:
  core::FakeClock clock_{core::FromUnixMillis(1'795'953'600'000)};
  Lines log_;
};

TEST_F(FailOpenTest, AWorkingLimiterIsPassedThrough) {
  FakeLimiter inner;
  FailOpenRateLimiter limiter(inner, clock_, seconds(10), log_.Sink());
  auto d = limiter.Allow("p", RateLimit{10, seconds(1)});
  ASSERT_OK(d);
  EXPECT_FALSE(d->allowed);
  EXPECT_EQ(d->retry_after, milliseconds(7));
  EXPECT_EQ(limiter.fail_opens(), 0u);
  EXPECT_TRUE(log_.lines.empty());
}

TEST_F(FailOpenTest, AnUnavailableLimiterAllowsWithAFreshBucketsNumbersAndCountsIt) {
  FakeLimiter inner;
  inner.fail_with = core::ErrorCode::kUnavailable;
  FailOpenRateLimiter limiter(inner, clock_, seconds(10), log_.Sink());
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.Allow("p", RateLimit{100, seconds(5)});
    ASSERT_OK(d);
    EXPECT_TRUE(d->allowed);
    EXPECT_EQ(d->limit, 100);
    EXPECT_EQ(d->remaining, 99);
    EXPECT_EQ(d->reset, milliseconds(50));
    EXPECT_EQ(d->retry_after, Micros(0));
  }
  EXPECT_EQ(limiter.fail_opens(), 3u);
  EXPECT_EQ(inner.calls, 3);  // always asks again: Redis may be back
}

TEST_F(FailOpenTest, TheWarningIsWrittenAtMostOncePerIntervalWithTheCount) {
  FakeLimiter inner;
  inner.fail_with = core::ErrorCode::kUnavailable;
  FailOpenRateLimiter limiter(inner, clock_, seconds(10), log_.Sink());
  for (int i = 0; i < 5; ++i) ASSERT_OK(limiter.Allow("p", RateLimit{}));
  ASSERT_EQ(log_.lines.size(), 1u);
  EXPECT_NE(log_.lines[0].find("rate limiter unavailable"), std::string::npos) << log_.lines[0];
  EXPECT_NE(log_.lines[0].find("Connection refused"), std::string::npos) << log_.lines[0];
  clock_.Advance(milliseconds(9'999));
  ASSERT_OK(limiter.Allow("p", RateLimit{}));
  EXPECT_EQ(log_.lines.size(), 1u);
  clock_.Advance(milliseconds(1));
  ASSERT_OK(limiter.Allow("p", RateLimit{}));
  ASSERT_EQ(log_.lines.size(), 2u);
  // Every call since the first line, this one included.
  EXPECT_NE(log_.lines[1].find("(6 times since the last warning)"), std::string::npos)
      << log_.lines[1];
}

TEST_F(FailOpenTest, OtherErrorsAreNotHidden) {
  FakeLimiter inner;
  inner.fail_with = core::ErrorCode::kInternal;
  FailOpenRateLimiter limiter(inner, clock_, seconds(10), log_.Sink());
  auto d = limiter.Allow("p", RateLimit{});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, core::ErrorCode::kInternal);
  EXPECT_EQ(limiter.fail_opens(), 0u);
}

class FakeGuard final : public core::KeyGuardStore {
 public:
  core::Result<core::KeyGuardState> RecordStrike(const std::string&, core::TimePoint, milliseconds,
                                                 int, milliseconds) override {
    return Answer();
  }
  core::Result<core::KeyGuardState> GetKeyGuard(const std::string&, core::TimePoint,
                                                milliseconds) override {
    return Answer();
  }
  core::Status UnblockKey(const std::string&) override {
    if (fail_with) return core::MakeError(*fail_with, "down");
    return {};
  }
  core::Result<core::KeyGuardState> Answer() const {
    if (fail_with) return core::MakeError(*fail_with, "down");
    return core::KeyGuardState{.strikes = 3, .blocked_until = core::FromUnixMillis(9)};
  }
  std::optional<core::ErrorCode> fail_with;
};

TEST_F(FailOpenTest, TheKeyGuardFailsOpenOnlyWhenUnavailable) {
  FakeGuard inner;
  FailOpenKeyGuard guard(inner, clock_, seconds(10), log_.Sink());
  const auto now = clock_.Now();
  auto ok = guard.GetKeyGuard("k", now, seconds(60));
  ASSERT_OK(ok);
  EXPECT_EQ(ok->strikes, 3);

  inner.fail_with = core::ErrorCode::kUnavailable;
  auto state = guard.GetKeyGuard("k", now, seconds(60));
  ASSERT_OK(state);
  EXPECT_EQ(*state, core::KeyGuardState{});  // not blocked
  auto strike = guard.RecordStrike("k", now, seconds(60), 5, seconds(60));
  ASSERT_OK(strike);  // the strike is lost, the request goes on
  EXPECT_EQ(strike->strikes, 0);
  EXPECT_EQ(guard.fail_opens(), 2u);
  EXPECT_EQ(log_.lines.size(), 1u);
  EXPECT_FALSE(guard.UnblockKey("k").has_value());  // an operator must see the failure

  inner.fail_with = core::ErrorCode::kNotFound;
  auto unknown = guard.GetKeyGuard("k", now, seconds(60));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(guard.fail_opens(), 2u);
}

}  // namespace
}  // namespace leadgate::limits
