// File: idempotency_store.hpp
//
// Durable Idempotency-Key records (docs/api.md "Idempotency"): the first response to a
// (scope, key) pair, replayed to retries for 24 hours. The scope is the project id.
//
//   auto begin = store.BeginIdempotent(project, key, hash, now, 24h, 5min);
//   switch (begin->status) {
//     case kStarted:    run the request, then CompleteIdempotent (or AbandonIdempotent on 5xx)
//     case kReplay:     answer begin->response
//     case kInProgress: 409          case kMismatch: 422
//   }
#pragma once

#include <chrono>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace leadgate::core {

// What was answered: always a JSON body, so status and body are the whole response.
struct StoredResponse {
  int status = 0;
  std::string body;

  bool operator==(const StoredResponse&) const = default;
};

enum class IdempotencyStatus {
  kStarted,     // the caller now holds the record "in progress" and must Complete or Abandon it
  kReplay,      // a completed record with the same request hash: answer `response`
  kInProgress,  // the same request is still running elsewhere
  kMismatch,    // the key was used with a different request hash
};

struct IdempotencyBegin {
  IdempotencyStatus status = IdempotencyStatus::kStarted;
  StoredResponse response;  // set for kReplay
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;

  // Claims (scope, key) for a request whose canonical form hashes to `request_hash`, atomically:
  // of any number of concurrent callers (threads or processes sharing the database) exactly one
  // gets kStarted.
  //   * no record, or one created more than `ttl` before `now` (expired): a new in-progress
  //     record replaces it -> kStarted;
  //   * a record with another hash, completed or not -> kMismatch;
  //   * a completed record with the same hash -> kReplay with its response;
  //   * an in-progress record with the same hash created less than `stale_after` ago ->
  //     kInProgress; older than that its request is presumed dead with its process, and this
  //     caller takes it over -> kStarted.
  // A record this call starts (new, replacing or taken over) counts as created at `now`.
  // Implementations may also delete other scopes' and keys' records that are expired by this
  // call's `ttl` (so every caller should use the same ttl).
  // Errors: kUnavailable / kInternal (store failure; nothing changed).
  virtual Result<IdempotencyBegin> BeginIdempotent(const std::string& scope, const std::string& key,
                                                   const std::string& request_hash, TimePoint now,
                                                   std::chrono::milliseconds ttl,
                                                   std::chrono::milliseconds stale_after) = 0;

  // Stores the response of the in-progress record; later Begins with the same hash replay it.
  // kNotFound if there is no in-progress record: it was abandoned, or expired and was deleted,
  // or it is already completed (the first stored response stands and is never overwritten).
  // There is no `now` here: an expired record that no Begin has replaced or deleted yet is still
  // completed.
  virtual Status CompleteIdempotent(const std::string& scope, const std::string& key,
                                    const StoredResponse& response) = 0;

  // Deletes the record (in progress or not), so the next attempt runs the request again. Used
  // when the request failed with a 5xx. Deleting a missing record is fine.
  virtual Status AbandonIdempotent(const std::string& scope, const std::string& key) = 0;
};

}  // namespace leadgate::core
