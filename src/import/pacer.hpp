// File: pacer.hpp
//
// Client-side pacing from the IETF RateLimit headers, so `leadgate import` slows down before
// the server answers 429. docs/api.md: `RateLimit-Policy: "project";q=100;w=5` (quota per
// window in seconds) and `RateLimit: "project";r=42;t=3` (requests left now; seconds until the
// full quota is back). The server's limit is GCRA: with the burst used up, one request passes
// every w/q seconds. So while `r` is at or below the number of requests the import may have in
// flight, the pacer spaces request starts w/q apart (t/(r+1) when no policy was seen); above
// that it does not delay anything.
//
// Pure: times are passed in. Thread-safe.
//
//   pacer.Observe(ratelimit, policy, now);           // after every answer
//   auto at = pacer.Reserve(now); SleepUntil(at);   // before every request
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>

namespace leadgate::import {

struct RateLimitState {
  long long remaining = 0;  // r
  double reset_s = 0;       // t
};
struct RateLimitPolicy {
  long long quota = 0;  // q
  double window_s = 0;  // w
};

// nullopt when the header is not of the form above (parameters in any order, others ignored).
std::optional<RateLimitState> ParseRateLimit(std::string_view header);
std::optional<RateLimitPolicy> ParseRateLimitPolicy(std::string_view header);

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;

  // `in_flight`: how many requests may be outstanding at once (the import's concurrency).
  explicit Pacer(long long in_flight) : in_flight_(in_flight) {}

  void Observe(std::optional<std::string_view> ratelimit, std::optional<std::string_view> policy,
               Clock::time_point now);

  // When the next request may start (>= now); reserves that slot.
  Clock::time_point Reserve(Clock::time_point now);

  // The current spacing between request starts (0: not pacing). For tests and progress.
  std::chrono::microseconds interval() const;

 private:
  mutable std::mutex mu_;
  long long in_flight_;
  std::optional<RateLimitPolicy> policy_;
  std::chrono::microseconds interval_{0};
  Clock::time_point next_{};
};

}  // namespace leadgate::import
