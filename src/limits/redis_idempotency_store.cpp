#include "limits/redis_idempotency_store.hpp"

#include <algorithm>

namespace leadgate::limits {
namespace {

// KEYS[1]: marker = "<created ms> <hash>" (the time first: a hash is opaque bytes).
// ARGV: request hash, now (ms), stale_after (ms).
// Returns 0: this caller set the marker; 1: a fresh marker with the same hash (in progress);
// 2: a fresh marker with another hash (ask the durable store).
const RedisScript kClaimScript(R"lua(
local hash = ARGV[1]
local now = tonumber(ARGV[2])
local stale = tonumber(ARGV[3])
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, ' ', 1, true)
  if sep then
    local created = tonumber(string.sub(v, 1, sep - 1))
    if created and now - created < stale then
      if string.sub(v, sep + 1) == hash then return 1 end
      return 2
    end
  end
end
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. hash, 'PX', ARGV[3])
return 0
)lua");

// KEYS[1]: marker. ARGV[1]: the value to find. Deletes the marker only if it still holds it.
const RedisScript kReleaseScript(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");

}  // namespace

std::string RedisIdempotencyStore::MarkerKey(const std::string& scope,
                                             const std::string& key) const {
  // The scope (a project id) has no ':'; the client's key may, and comes last.
  return client_.Key("idem:" + scope + ":" + key);
}

void RedisIdempotencyStore::DropMarker(const std::string& marker) {
  if (!client_.Command({"DEL", marker})) fallbacks_.fetch_add(1, std::memory_order_relaxed);
}

core::Result<core::IdempotencyBegin> RedisIdempotencyStore::BeginIdempotent(
    const std::string& scope, const std::string& key, const std::string& request_hash,
    core::TimePoint now, std::chrono::milliseconds ttl, std::chrono::milliseconds stale_after) {
  const std::string marker = MarkerKey(scope, key);
  const std::string now_ms = std::to_string(core::ToUnixMillis(now));
  // PX must be positive; a zero stale_after means "never in progress", which a 1 ms marker is.
  const std::string stale_ms = std::to_string(std::max<std::int64_t>(1, stale_after.count()));
  auto claim = client_.Eval(kClaimScript, {marker}, {request_hash, now_ms, stale_ms});
  if (!claim || claim->type != RedisReply::Type::kInteger) {
    fallbacks_.fetch_add(1, std::memory_order_relaxed);
    return durable_.BeginIdempotent(scope, key, request_hash, now, ttl, stale_after);
  }
  if (claim->integer == 1) {
    return core::IdempotencyBegin{.status = core::IdempotencyStatus::kInProgress, .response = {}};
  }
  auto begin = durable_.BeginIdempotent(scope, key, request_hash, now, ttl, stale_after);
  if (claim->integer == 0 && (!begin || begin->status != core::IdempotencyStatus::kStarted)) {
    // Not running after all (replay, mismatch, in progress elsewhere, or an error): the marker
    // must not turn the next retry away. Only ours: a takeover may have replaced it meanwhile.
    if (!client_.Eval(kReleaseScript, {marker}, {now_ms + " " + request_hash})) {
      fallbacks_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return begin;
}

core::Status RedisIdempotencyStore::CompleteIdempotent(const std::string& scope,
                                                       const std::string& key,
                                                       const core::StoredResponse& response) {
  auto done = durable_.CompleteIdempotent(scope, key, response);
  DropMarker(MarkerKey(scope, key));
  return done;
}

core::Status RedisIdempotencyStore::AbandonIdempotent(const std::string& scope,
                                                      const std::string& key) {
  auto done = durable_.AbandonIdempotent(scope, key);
  DropMarker(MarkerKey(scope, key));
  return done;
}

}  // namespace leadgate::limits
