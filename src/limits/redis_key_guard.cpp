#include "limits/redis_key_guard.hpp"

#include <cstdio>
#include <random>

namespace leadgate::limits {
namespace {

// KEYS: strikes, block. ARGV: now, window, max_strikes, block_for (ms), member.
// Returns {strikes, blocked_until or 0}. Same steps as MemoryLeadStore::RecordStrike.
const RedisScript kStrikeScript(R"lua(
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max_strikes = tonumber(ARGV[3])
local block_for = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[5])
local strikes = redis.call('ZCARD', KEYS[1])
local blocked = tonumber(redis.call('HGET', KEYS[2], 'until') or '0')
if blocked <= now then
  blocked = 0
  if strikes > max_strikes then
    blocked = now + block_for
    redis.call('HSET', KEYS[2], 'until', string.format('%.0f', blocked))
  end
end
-- Keep both keys while the newest strike is in a window or the block lasts (caller time).
local newest = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
local keep = math.max(newest + window, blocked) - now
if keep < 1 then keep = 1 end
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', keep))
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PEXPIRE', KEYS[2], string.format('%.0f', keep))
end
return {strikes, blocked}
)lua");

// KEYS: strikes, block. ARGV: now, window (ms). Returns {strikes, blocked_until or 0}.
const RedisScript kStateScript(R"lua(
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local strikes = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', now - window), '+inf')
local blocked = tonumber(redis.call('HGET', KEYS[2], 'until') or '0')
if blocked <= now then blocked = 0 end
return {strikes, blocked}
)lua");

std::string RandomInstanceId() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

core::Result<core::KeyGuardState> ParseState(const core::Result<RedisReply>& reply) {
  if (!reply) return std::unexpected(reply.error());
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2 ||
      reply->elements[0].type != RedisReply::Type::kInteger ||
      reply->elements[1].type != RedisReply::Type::kInteger) {
    return core::MakeError(core::ErrorCode::kInternal, "redis key guard: unexpected reply");
  }
  core::KeyGuardState state;
  state.strikes = static_cast<int>(reply->elements[0].integer);
  if (reply->elements[1].integer != 0) {
    state.blocked_until = core::FromUnixMillis(reply->elements[1].integer);
  }
  return state;
}

}  // namespace

KeyExistsFn KeyExistsIn(core::LeadStore& store) {
  return [&store](const std::string& key_id) -> core::Result<bool> {
    auto key = store.FindApiKey(key_id);
    if (!key) return std::unexpected(key.error());
    return key->has_value();
  };
}

RedisKeyGuard::RedisKeyGuard(RedisClient& client, KeyExistsFn key_exists)
    : client_(client), key_exists_(std::move(key_exists)), instance_(RandomInstanceId()) {}

core::Status RedisKeyGuard::CheckExists(const std::string& key_id) {
  {
    std::lock_guard lock(known_mu_);
    if (known_.contains(key_id)) return {};
  }
  auto exists = key_exists_(key_id);
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) {
    return core::MakeError(core::ErrorCode::kNotFound, "api key " + key_id + " not found");
  }
  std::lock_guard lock(known_mu_);
  known_.insert(key_id);
  return {};
}

std::string RedisKeyGuard::StrikesKey(const std::string& key_id) const {
  return client_.Key("kg:{" + key_id + "}:strikes");
}

std::string RedisKeyGuard::BlockKey(const std::string& key_id) const {
  return client_.Key("kg:{" + key_id + "}:block");
}

std::string RedisKeyGuard::NextMember() {
  return instance_ + "-" + std::to_string(counter_.fetch_add(1, std::memory_order_relaxed));
}

core::Result<core::KeyGuardState> RedisKeyGuard::RecordStrike(const std::string& key_id,
                                                              core::TimePoint now,
                                                              std::chrono::milliseconds window,
                                                              int max_strikes,
                                                              std::chrono::milliseconds block_for) {
  if (auto ok = CheckExists(key_id); !ok) return std::unexpected(ok.error());
  return ParseState(
      client_.Eval(kStrikeScript, {StrikesKey(key_id), BlockKey(key_id)},
                   {std::to_string(core::ToUnixMillis(now)), std::to_string(window.count()),
                    std::to_string(max_strikes), std::to_string(block_for.count()), NextMember()}));
}

core::Result<core::KeyGuardState> RedisKeyGuard::GetKeyGuard(const std::string& key_id,
                                                             core::TimePoint now,
                                                             std::chrono::milliseconds window) {
  if (auto ok = CheckExists(key_id); !ok) return std::unexpected(ok.error());
  return ParseState(
      client_.Eval(kStateScript, {StrikesKey(key_id), BlockKey(key_id)},
                   {std::to_string(core::ToUnixMillis(now)), std::to_string(window.count())}));
}

core::Status RedisKeyGuard::UnblockKey(const std::string& key_id) {
  if (auto ok = CheckExists(key_id); !ok) return ok;
  auto reply = client_.Command({"DEL", StrikesKey(key_id), BlockKey(key_id)});
  if (!reply) return std::unexpected(reply.error());
  return {};
}

}  // namespace leadgate::limits
