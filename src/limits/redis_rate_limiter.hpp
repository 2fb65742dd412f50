// File: redis_rate_limiter.hpp
//
// GCRA (limits/gcra.hpp) with the state in Redis, so every leadgate instance started with the
// same `--redis` draws from one budget per project. One key per limited key
// (`<prefix>rl:<key>`, holding the TAT in microseconds) and one Lua script per request: the
// read-decide-write is atomic however many instances race, and a denied request writes nothing.
// The key expires exactly when its bucket is full again, so idle projects cost no memory.
//
// Time: the script reads Redis' own clock (`redis.call('TIME')`, allowed before writes since
// Redis 7 replicates scripts by effects). Instances whose clocks disagree by a second would
// otherwise hand out a second's worth of extra (or fewer) requests each; one clock makes the
// shared budget exact. Tests inject a core::Clock instead (passed to the script as an
// argument) so the same contract suite, time travel included, runs against Redis.
//
// The decisions are bit-for-bit those of Gcra(): same limit, remaining, reset and retry_after.
// Errors: kUnavailable when Redis cannot be reached (see fail_open_rate_limiter.hpp for what
// the server does then), kInternal for an unexpected reply.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "limits/rate_limiter.hpp"
#include "limits/redis_client.hpp"

namespace leadgate::limits {

class RedisRateLimiter final : public RateLimiter {
 public:
  // `client` (and `test_clock`, if given) must outlive the limiter. `test_clock` is for tests
  // only: the server leaves it null so that Redis TIME is the one clock.
  explicit RedisRateLimiter(RedisClient& client, const core::Clock* test_clock = nullptr)
      : client_(client), test_clock_(test_clock) {}

  core::Result<RateDecision> Allow(const std::string& key, const RateLimit& limit) override;

 private:
  RedisClient& client_;
  const core::Clock* test_clock_;
};

}  // namespace leadgate::limits
