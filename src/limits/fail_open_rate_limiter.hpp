// File: fail_open_rate_limiter.hpp
//
// The fail policy of the shared (Redis) limits, decided here and wired by the server:
//
//   what                       Redis unreachable (kUnavailable)   why
//   rate limit (this file)     allow the request                  the limit protects the service
//                                                                 from overload; turning every
//                                                                 request away because its guard
//                                                                 is down is the outage it guards
//                                                                 against
//   duplicate strike           lost (fail_open_key_guard.hpp)     the request itself succeeded
//   block check                not blocked (same file)            as for the rate
//   idempotency marker         durable store alone                it is correct by itself
//                              (redis_idempotency_store.hpp)
//   authentication             never depends on Redis             keys live in the store
//
// Each fail-open is counted (for /metrics) and warned about at most once per `warn_every`.
// Only kUnavailable fails open: any other error (kInternal: a script or reply bug) is passed on,
// so a bug is loud instead of silently switching the limit off.
//
//   FailOpenRateLimiter limiter(redis_limiter, clock);
//   auto d = limiter.Allow(project, limit);   // allowed, with a fresh bucket's numbers, if down
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"
#include "limits/rate_limiter.hpp"
#include "limits/throttled_warning.hpp"

namespace leadgate::limits {

class FailOpenRateLimiter final : public RateLimiter {
 public:
  // `inner` and `clock` (used only to throttle the warning) must outlive this object.
  FailOpenRateLimiter(RateLimiter& inner, const core::Clock& clock,
                      std::chrono::milliseconds warn_every = std::chrono::seconds(60),
                      WarningSink sink = WriteWarningToStderr)
      : inner_(inner), warning_(clock, warn_every, std::move(sink)) {}

  // The inner decision; on kUnavailable an allowed decision as a fresh key would get it
  // (remaining = requests - 1), so the RateLimit headers stay well-formed. Thread-safe.
  core::Result<RateDecision> Allow(const std::string& key, const RateLimit& limit) override;

  // Requests allowed because the inner limiter was unavailable.
  std::uint64_t fail_opens() const { return fail_opens_.load(std::memory_order_relaxed); }

 private:
  RateLimiter& inner_;
  ThrottledWarning warning_;
  std::atomic<std::uint64_t> fail_opens_{0};
};

}  // namespace leadgate::limits
