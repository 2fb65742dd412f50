#include "limits/fail_open_rate_limiter.hpp"

namespace leadgate::limits {

core::Result<RateDecision> FailOpenRateLimiter::Allow(const std::string& key,
                                                      const RateLimit& limit) {
  auto decision = inner_.Allow(key, limit);
  if (decision || decision.error().code != core::ErrorCode::kUnavailable) return decision;
  fail_opens_.fetch_add(1, std::memory_order_relaxed);
  warning_.Note("rate limiter unavailable, allowing requests", decision.error().ToString());
  // A key never seen: exactly the numbers of a full bucket after one request.
  return Gcra(std::nullopt, Micros(0), limit).decision;
}

}  // namespace leadgate::limits
