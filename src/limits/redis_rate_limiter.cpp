#include "limits/redis_rate_limiter.hpp"

namespace leadgate::limits {
namespace {

// KEYS[1]: the TAT key. ARGV: requests, period (us), now (us; empty: Redis TIME).
// Returns {allowed, remaining, reset_us, retry_after_us}. Mirrors Gcra() line by line; every
// number stays an integer below 2^53, so Lua's doubles compute exactly what C++ does.
const RedisScript kGcraScript(R"lua(
local requests = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local now
if ARGV[3] ~= '' then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local interval = math.floor(period / requests)
if interval < 1 then interval = 1 end
local tolerance = interval * (requests - 1)
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = tonumber(stored) end
local start = math.max(tat, now)
if start - now > tolerance then
  return {0, 0, start - now, start - now - tolerance}
end
local new_tat = start + interval
local remaining = math.floor((tolerance - (new_tat - now - interval)) / interval)
-- Expires when the bucket is full again: nothing is lost, and idle keys cost nothing.
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',
           math.ceil((new_tat - now) / 1000))
return {1, remaining, new_tat - now, 0}
)lua");

}  // namespace

core::Result<RateDecision> RedisRateLimiter::Allow(const std::string& key, const RateLimit& limit) {
  const auto period = std::chrono::duration_cast<Micros>(limit.period);
  if (limit.requests < 1 || period <= Micros::zero()) {  // Gcra()'s precondition
    return core::MakeError(core::ErrorCode::kInvalidArgument,
                           "rate limit needs requests >= 1 and a positive period");
  }
  std::string now;
  if (test_clock_ != nullptr) {
    now = std::to_string(
        std::chrono::duration_cast<Micros>(test_clock_->Now().time_since_epoch()).count());
  }
  auto reply = client_.Eval(kGcraScript, {client_.Key("rl:" + key)},
                            {std::to_string(limit.requests), std::to_string(period.count()), now});
  if (!reply) return std::unexpected(reply.error());
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 4) {
    return core::MakeError(core::ErrorCode::kInternal, "redis rate limiter: unexpected reply");
  }
  for (const RedisReply& e : reply->elements) {
    if (e.type != RedisReply::Type::kInteger) {
      return core::MakeError(core::ErrorCode::kInternal, "redis rate limiter: unexpected reply");
    }
  }
  RateDecision d;
  d.allowed = reply->elements[0].integer == 1;
  d.limit = limit.requests;
  d.remaining = reply->elements[1].integer;
  d.reset = Micros(reply->elements[2].integer);
  d.retry_after = Micros(reply->elements[3].integer);
  return d;
}

}  // namespace leadgate::limits
