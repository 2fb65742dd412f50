#include "limits/local_rate_limiter.hpp"

#include <functional>

namespace leadgate::limits {

core::Result<RateDecision> LocalRateLimiter::Allow(const std::string& key, const RateLimit& limit) {
  const Micros now = std::chrono::duration_cast<Micros>(clock_.Now().time_since_epoch());
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.tat.find(key);
  GcraStep step =
      Gcra(it == shard.tat.end() ? std::nullopt : std::optional(it->second), now, limit);
  if (step.decision.allowed) {
    if (it == shard.tat.end()) {
      shard.tat.emplace(key, step.new_tat);
    } else {
      it->second = step.new_tat;
    }
  }
  return step.decision;
}

}  // namespace leadgate::limits
