// File: local_rate_limiter.hpp
//
// GCRA state in this process's memory: one time per key, in a few mutex-guarded shards so that
// requests for different projects rarely wait on each other. Right for one leadgate instance;
// several instances need the shared (Redis) limiter.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "limits/rate_limiter.hpp"

namespace leadgate::limits {

class LocalRateLimiter final : public RateLimiter {
 public:
  // `clock` must outlive the limiter.
  explicit LocalRateLimiter(const core::Clock& clock) : clock_(clock) {}

  core::Result<RateDecision> Allow(const std::string& key, const RateLimit& limit) override;

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Micros> tat;  // guarded by mutex
  };
  static constexpr std::size_t kShards = 16;

  const core::Clock& clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace leadgate::limits
