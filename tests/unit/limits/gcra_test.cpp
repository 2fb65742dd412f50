#include "limits/gcra.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace leadgate::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr RateLimit kDefault{100, milliseconds(5000)};  // 50 ms apart, burst 100

// Feeds requests at the given times (ms) and returns the allow/deny sequence.
struct Sequence {
  std::optional<Micros> tat;
  RateDecision Step(std::int64_t at_ms, const RateLimit& limit = kDefault) {
    GcraStep step = Gcra(tat, milliseconds(at_ms), limit);
    if (step.decision.allowed) tat = step.new_tat;
    return step.decision;
  }
};

TEST(Gcra, FullBurstPassesThenTheNextIsDenied) {
  Sequence run;
  for (int i = 0; i < 100; ++i) {
    const RateDecision d = run.Step(1000);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 100);
    EXPECT_EQ(d.remaining, 99 - i);
    EXPECT_EQ(d.reset, milliseconds(50 * (i + 1)));
    EXPECT_EQ(d.retry_after, Micros::zero());
  }
  const RateDecision denied = run.Step(1000);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_EQ(denied.retry_after, milliseconds(50));  // one emission interval
  EXPECT_EQ(denied.reset, milliseconds(5000));
  EXPECT_EQ(CeilSeconds(denied.retry_after), 1);
}

TEST(Gcra, DeniedRequestsAreNotCounted) {
  Sequence run;
  for (int i = 0; i < 100; ++i) run.Step(0);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(run.Step(10).allowed);
  // 50 ms after the burst one slot is back, however many were denied meanwhile.
  EXPECT_TRUE(run.Step(50).allowed);
  EXPECT_FALSE(run.Step(50).allowed);
  EXPECT_EQ(run.Step(60).retry_after, milliseconds(40));
}

TEST(Gcra, SteadyRateAtTheLimitNeverDenies) {
  Sequence run;
  for (int i = 0; i < 1000; ++i) {
    const RateDecision d = run.Step(i * 50);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 99);
  }
}

TEST(Gcra, SteadyRateAboveTheLimitIsCutToTheLimit) {
  // 40 requests/s (every 25 ms) against 20/s: after the burst of 100 is used, every other request
  // passes.
  Sequence run;
  int allowed = 0;
  for (int i = 0; i < 400; ++i) allowed += run.Step(i * 25).allowed ? 1 : 0;
  // 10 s of traffic: the burst (100) plus 20/s for the time after it was used up.
  EXPECT_GE(allowed, 100 + 190);
  EXPECT_LE(allowed, 100 + 200);
}

TEST(Gcra, IdleRecoveryRefillsGraduallyThenCompletely) {
  Sequence run;
  for (int i = 0; i < 100; ++i) run.Step(0);
  EXPECT_EQ(run.Step(1000).remaining, 19);  // 20 slots back after 1 s, one used
  Sequence idle;
  for (int i = 0; i < 100; ++i) idle.Step(0);
  const RateDecision after = idle.Step(60'000);  // long idle: a fresh bucket
  EXPECT_TRUE(after.allowed);
  EXPECT_EQ(after.remaining, 99);
  EXPECT_EQ(after.reset, milliseconds(50));
}

TEST(Gcra, ExactRetryAfterValuesDuringABurst) {
  Sequence run;
  for (int i = 0; i < 100; ++i) run.Step(0);
  EXPECT_EQ(run.Step(0).retry_after, milliseconds(50));
  EXPECT_EQ(run.Step(30).retry_after, milliseconds(20));
  EXPECT_TRUE(run.Step(50).allowed);
  EXPECT_EQ(run.Step(50).retry_after, milliseconds(50));
}

TEST(Gcra, OneRequestPerPeriod) {
  Sequence run;
  const RateLimit one{1, milliseconds(1000)};
  EXPECT_TRUE(run.Step(0, one).allowed);
  const RateDecision denied = run.Step(999, one);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, milliseconds(1));
  EXPECT_TRUE(run.Step(1000, one).allowed);
}

TEST(Gcra, LimitsFinerThanAMicrosecondDoNotDivideByZero) {
  Sequence run;
  const RateLimit huge{1'000'000'000, milliseconds(1000)};
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(run.Step(0, huge).allowed);
  EXPECT_EQ(run.Step(0, huge).remaining, 1'000'000'000 - 1001);
}

TEST(Gcra, CeilSeconds) {
  EXPECT_EQ(CeilSeconds(Micros::zero()), 0);
  EXPECT_EQ(CeilSeconds(Micros(1)), 1);
  EXPECT_EQ(CeilSeconds(seconds(1)), 1);
  EXPECT_EQ(CeilSeconds(milliseconds(1001)), 2);
}

}  // namespace
}  // namespace leadgate::limits
