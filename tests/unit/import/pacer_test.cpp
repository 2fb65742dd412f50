#include "import/pacer.hpp"

#include <gtest/gtest.h>

namespace leadgate::import {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(Pacer, ParsesTheHeaders) {
  auto s = ParseRateLimit(R"("project";r=42;t=3)");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->remaining, 42);
  EXPECT_EQ(s->reset_s, 3.0);
  auto p = ParseRateLimitPolicy(R"("project";q=100;w=5)");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->quota, 100);
  EXPECT_EQ(p->window_s, 5.0);
  EXPECT_FALSE(ParseRateLimit(R"("project";r=42)").has_value());
  EXPECT_FALSE(ParseRateLimitPolicy(R"("project";q=0;w=5)").has_value());
  EXPECT_FALSE(ParseRateLimit("garbage").has_value());
}

TEST(Pacer, SpacesRequestsOnlyWhenFewAreLeft) {
  Pacer pacer(4);
  const Pacer::Clock::time_point t0{};
  EXPECT_EQ(pacer.Reserve(t0), t0);
  pacer.Observe(std::string_view(R"("project";r=50;t=1)"),
                std::string_view(R"("project";q=100;w=5)"), t0);
  EXPECT_EQ(pacer.interval(), microseconds(0));
  EXPECT_EQ(pacer.Reserve(t0), t0);
  // 4 left (= what may be in flight): one request per w/q = 50 ms.
  pacer.Observe(std::string_view(R"("project";r=4;t=5)"), std::nullopt, t0);
  EXPECT_EQ(pacer.interval(), microseconds(50'000));
  EXPECT_EQ(pacer.Reserve(t0), t0);
  EXPECT_EQ(pacer.Reserve(t0), t0 + milliseconds(50));
  EXPECT_EQ(pacer.Reserve(t0 + milliseconds(10)), t0 + milliseconds(100));
  EXPECT_EQ(pacer.Reserve(t0 + milliseconds(500)), t0 + milliseconds(500));
  // The quota refilled: no more pacing.
  pacer.Observe(std::string_view(R"("project";r=90;t=1)"), std::nullopt, t0);
  EXPECT_EQ(pacer.Reserve(t0), t0);
}

TEST(Pacer, WithoutAPolicyUsesTheResetTime) {
  Pacer pacer(2);
  pacer.Observe(std::string_view(R"("project";r=1;t=4)"), std::nullopt, {});
  EXPECT_EQ(pacer.interval(), microseconds(2'000'000));  // t / (r + 1)
}

}  // namespace
}  // namespace leadgate::import
