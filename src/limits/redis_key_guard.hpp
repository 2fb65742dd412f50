// File: redis_key_guard.hpp
//
// core::KeyGuardStore with the strikes and blocks in Redis, shared by every instance started
// with the same `--redis`. Per API key, two keys in one hash slot:
//   <prefix>kg:{<key id>}:strikes   sorted set, one member per strike, scored by its time (ms)
//   <prefix>kg:{<key id>}:block     hash, field `until`: when the block ends (ms)
// RecordStrike and GetKeyGuard are one Lua script each, so trimming, counting and blocking are
// atomic under any number of concurrent instances (concurrent strikes are all counted, and
// exactly one of them starts the block). Both keys expire together once neither the window nor
// the block can matter any more.
//
// Exactly the KeyGuardStore contract (tests/contract/lead_store_contract_test.cpp runs it):
// `now` is the caller's, as the interface says (the DuplicateGuard's clock), not Redis TIME.
//
// kNotFound for an unknown key needs the key table, which lives in the LeadStore: `key_exists`
// answers that. A key, once created, is never deleted (revoking keeps its state), so a "yes" is
// cached for the life of this object and the hot path (the block check on every request) asks
// the store once per key and process. A "no" is not cached (the key may be created later).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>

#include "core/key_guard_store.hpp"
#include "core/lead_store.hpp"
#include "limits/redis_client.hpp"

namespace leadgate::limits {

// Whether an API key id exists (revoked ones too). Errors are the store's.
using KeyExistsFn = std::function<core::Result<bool>(const std::string& key_id)>;

// Asks store.FindApiKey. `store` must outlive the returned function.
KeyExistsFn KeyExistsIn(core::LeadStore& store);

class RedisKeyGuard final : public core::KeyGuardStore {
 public:
  // `client` must outlive the guard.
  RedisKeyGuard(RedisClient& client, KeyExistsFn key_exists);

  // Errors: kNotFound (unknown key), the store's (existence check), kUnavailable (Redis),
  // kInternal (unexpected reply). Thread-safe.
  core::Result<core::KeyGuardState> RecordStrike(const std::string& key_id, core::TimePoint now,
                                                 std::chrono::milliseconds window, int max_strikes,
                                                 std::chrono::milliseconds block_for) override;
  core::Result<core::KeyGuardState> GetKeyGuard(const std::string& key_id, core::TimePoint now,
                                                std::chrono::milliseconds window) override;
  core::Status UnblockKey(const std::string& key_id) override;

 private:
  core::Status CheckExists(const std::string& key_id);
  std::string StrikesKey(const std::string& key_id) const;
  std::string BlockKey(const std::string& key_id) const;
  std::string NextMember();

  RedisClient& client_;
  KeyExistsFn key_exists_;
  std::mutex known_mu_;
  std::unordered_set<std::string> known_;  // guarded by known_mu_; keys seen to exist

  // Members of the strike set must be unique across instances: a random id per object and a
  // counter (two strikes in the same millisecond are two members, not one).
  const std::string instance_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace leadgate::limits
