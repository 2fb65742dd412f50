// File: redis_idempotency_store.hpp
//
// core::IdempotencyStore as a composite: the in-flight marker of an Idempotency-Key lives in
// Redis, the record itself (the stored response, replayed for 24 hours) stays one durable row
// in `durable` (the PostgreSQL store in a scale-out deployment).
//
// Why: a client that retries eagerly (or a load balancer that duplicates) sends the same request
// while the first is still running. Those retries are answered 409 at Redis, in one round trip,
// without touching the database; only the first request, and requests that find no fresh
// marker, go to the durable store, which stays the single source of truth. The durable store is
// correct on its own, so Redis is an accelerator, never a requirement.
//
// The marker: `<prefix>idem:<scope>:<key>` = "<created ms> <request hash>", PX stale_after.
// * Begin: one script. No marker, or a stale one (created stale_after or more before `now`):
//   this caller sets its own and asks durable.BeginIdempotent; any answer but kStarted
//   removes the marker again (only if it is still this caller's) and is returned as is.
//   A fresh marker with the same hash -> kInProgress, without the database. A fresh marker with
//   another hash -> the durable store decides: it knows whether the key's completed record
//   (replay) or the marker's request (mismatch) came first; answering 422 from the marker alone
//   could refuse an honest retry of an earlier, completed request.
// * Complete / Abandon: the durable store first (the record is what matters), then DEL marker.
// The marker's created time is the caller's `now`, so staleness is judged on the same clock as
// the durable record's (the contract suite runs with a fake clock). The PX expiry on Redis'
// clock removes markers whose request died with its process.
//
// Redis unreachable: the durable store alone answers (correct, only slower under contention),
// nothing is logged here, and `fallbacks()` counts it for a metric. A marker that could not be
// deleted (Redis gone between Begin and Complete) makes retries of that key 409 until it is
// stale (5 minutes by default) — the client retries 409, so it is delayed, never wrong.
// A narrow race: a retry that arrives between another caller setting a marker and that caller
// learning from the database that the record is already complete gets 409 instead of the replay
// (again: retried, then replayed).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/idempotency_store.hpp"
#include "limits/redis_client.hpp"

namespace leadgate::limits {

class RedisIdempotencyStore final : public core::IdempotencyStore {
 public:
  // `client` and `durable` must outlive this store.
  RedisIdempotencyStore(RedisClient& client, core::IdempotencyStore& durable)
      : client_(client), durable_(durable) {}

  core::Result<core::IdempotencyBegin> BeginIdempotent(
      const std::string& scope, const std::string& key, const std::string& request_hash,
      core::TimePoint now, std::chrono::milliseconds ttl,
      std::chrono::milliseconds stale_after) override;
  core::Status CompleteIdempotent(const std::string& scope, const std::string& key,
                                  const core::StoredResponse& response) override;
  core::Status AbandonIdempotent(const std::string& scope, const std::string& key) override;

  // Redis calls that failed and were answered by (or left to) the durable store alone.
  std::uint64_t fallbacks() const { return fallbacks_.load(std::memory_order_relaxed); }

 private:
  std::string MarkerKey(const std::string& scope, const std::string& key) const;
  void DropMarker(const std::string& marker);

  RedisClient& client_;
  core::IdempotencyStore& durable_;
  std::atomic<std::uint64_t> fallbacks_{0};
};

}  // namespace leadgate::limits
