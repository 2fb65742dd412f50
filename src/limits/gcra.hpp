// File: gcra.hpp
//
// The generic cell rate algorithm (GCRA), as pure arithmetic: no clock, no storage. The whole
// state of one limited key is a single time, the "theoretical arrival time" (TAT): when the key
// would be back to an empty bucket. A limit of N requests per period P spaces requests
// T = P / N apart and tolerates a burst of the full N at once.
//
//   auto step = Gcra(state, now, RateLimit{100, 5s});
//   if (step.decision.allowed) state = step.new_tat;
//
// Unlike a fixed window there is no boundary at which 2N requests can pass, and unlike a token
// bucket nothing needs refilling: the state is one integer, which is what makes the Redis version
// (one key, one script) small.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace leadgate::limits {

using Micros = std::chrono::microseconds;

struct RateLimit {
  std::int64_t requests = 100;  // quota per period, also the burst
  std::chrono::milliseconds period{5000};

  bool operator==(const RateLimit&) const = default;
};

struct RateDecision {
  bool allowed = false;
  std::int64_t limit = 0;      // the quota (RateLimit::requests)
  std::int64_t remaining = 0;  // requests that would still pass right now, after this one
  Micros reset{0};             // until the full quota is available again
  Micros retry_after{0};       // denied: until the next request would pass; allowed: 0
};

struct GcraStep {
  RateDecision decision;
  Micros new_tat{0};  // the state to store when allowed (unchanged when denied)
};

// `tat`: the stored state (nullopt for a key never seen); `now`: the current time. Both are
// microseconds on the same clock. Requires limit.requests >= 1 and limit.period > 0. Requests are
// spaced at least 1 us apart, so limits above 10^6 per second act as 10^6 per second.
GcraStep Gcra(std::optional<Micros> tat, Micros now, const RateLimit& limit);

// Whole seconds for headers: rounded up, and at least 1 when the duration is not zero.
std::int64_t CeilSeconds(Micros d);

}  // namespace leadgate::limits
