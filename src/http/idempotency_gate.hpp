// File: idempotency_gate.hpp
//
// Idempotency-Key handling around a POST (docs/api.md "Idempotency"): claim the key before the
// work, store the response after it, replay it to retries.
//
//   IdempotencyGate::Claim claim = gate.Begin(req, project_id);
//   if (claim.early) return *claim.early;        // replay, 409, 422, 400, or a store failure
//   Response res = DoTheWork();
//   gate.Finish(claim, res);                     // stores it (or forgets the key after a 5xx)
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/idempotency_store.hpp"
#include "http/handler.hpp"

namespace leadgate::http {

struct IdempotencyOptions {
  std::chrono::milliseconds ttl{24LL * 3600 * 1000};  // how long a response is replayed
  // An in-progress record older than this belongs to a request that died with its process.
  std::chrono::milliseconds stale_after{5LL * 60 * 1000};
};

inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;

class IdempotencyGate {
 public:
  struct Claim {
    std::optional<Response> early;  // answer this instead of running the request
    bool held = false;              // this request holds the key: Finish must be called
    bool replayed = false;          // `early` is a stored response
    std::string scope;
    std::string key;
  };

  IdempotencyGate(core::IdempotencyStore& store, const core::Clock& clock,
                  IdempotencyOptions options)
      : store_(store), clock_(clock), options_(options) {}

  // A request without the header gets an empty Claim (run it, nothing to finish).
  // Thread-safe.
  Claim Begin(const Request& req, const std::string& project_id) const;

  // Stores `res` for replay, or, for a 5xx, forgets the key so the retry really runs.
  void Finish(const Claim& claim, const Response& res) const;

 private:
  core::IdempotencyStore& store_;
  const core::Clock& clock_;
  IdempotencyOptions options_;
};

}  // namespace leadgate::http
