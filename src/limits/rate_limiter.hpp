// File: rate_limiter.hpp
//
// Request-rate limiting per key (leadgate limits per project). The interface returns data, not a
// yes/no, because every limited response carries the RateLimit headers.
//
//   auto d = limiter.Allow(project.id, project_limit);
//   if (!d) ...                              // the limiter's backend failed (Redis down)
//   else if (!d->allowed) Reply429(d->retry_after);
//
// Implementations: LocalRateLimiter (one process, in memory) and, for several instances, a Redis
// one; both must pass tests/contract/rate_limiter_contract_test.cpp.
#pragma once

#include <string>

#include "core/error.hpp"
#include "limits/gcra.hpp"

namespace leadgate::limits {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Counts one request for `key` against `limit` and says whether it may pass. A denied request
  // is not counted. Errors: kUnavailable when the backend cannot be reached.
  // Thread-safe.
  virtual core::Result<RateDecision> Allow(const std::string& key, const RateLimit& limit) = 0;
};

}  // namespace leadgate::limits
