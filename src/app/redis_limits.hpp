// File: redis_limits.hpp
//
// `--redis URL`: the limits several instances share, built from src/limits' Redis pieces and
// wrapped in the fail policy of docs/api.md ("Scale-out"): the rate limit and the key guard fail
// open when Redis does not answer, idempotency falls back to the store's own record.
//
//   auto redis = OpenRedisLimits({.url = "redis://127.0.0.1:6379"}, store, clock);
//   RouteLimits{redis->rate_limiter(), ..., DuplicateGuard(redis->key_guard(), ...), ...}
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/lead_store.hpp"
#include "core/metrics.hpp"
#include "limits/fail_open_key_guard.hpp"
#include "limits/fail_open_rate_limiter.hpp"
#include "limits/redis_client.hpp"
#include "limits/redis_idempotency_store.hpp"
#include "limits/redis_key_guard.hpp"
#include "limits/redis_rate_limiter.hpp"

namespace leadgate::app {

struct RedisConfig {
  std::string url;  // empty: no Redis, the limits stay in this process and the store
  std::string prefix = "leadgate:";
  std::chrono::milliseconds timeout{200};
};

class RedisLimits {
 public:
  // `store` and `clock` must outlive the object. Connects nothing yet (a Redis that is down at
  // start is the same as one that goes down later: fail open).
  static core::Result<std::unique_ptr<RedisLimits>> Open(const RedisConfig& config,
                                                         core::LeadStore& store,
                                                         const core::Clock& clock);

  // For the server: the fail-open decorators.
  limits::RateLimiter& rate_limiter() { return rate_open_; }
  core::KeyGuardStore& key_guard() { return guard_open_; }
  core::IdempotencyStore& idempotency() { return idempotency_; }
  // For the command line: the guard itself, whose errors are reported, never hidden.
  core::KeyGuardStore& strict_key_guard() { return guard_; }

  core::Status Ping() { return client_->Ping(); }
  // leadgate_rate_limit_fail_open_total, leadgate_key_guard_fail_open_total,
  // leadgate_idempotency_redis_fallback_total, leadgate_redis_up.
  void RegisterMetrics(core::MetricsRegistry& metrics);

 private:
  RedisLimits(std::unique_ptr<limits::RedisClient> client, core::LeadStore& store,
              const core::Clock& clock);

  std::unique_ptr<limits::RedisClient> client_;
  limits::RedisRateLimiter rate_;
  limits::FailOpenRateLimiter rate_open_;
  limits::RedisKeyGuard guard_;
  limits::FailOpenKeyGuard guard_open_;
  limits::RedisIdempotencyStore idempotency_;
};

}  // namespace leadgate::app
