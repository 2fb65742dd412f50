// File: retry_policy.hpp
//
// What `leadgate import` does with one answer to a bulk request: docs/api.md's retry rules as
// a pure function (status + headers + body + attempt count in, verdict out; no clock, no I/O).
//
//   network error, 5xx          retry after full-jitter backoff: uniform in
//                               [0, min(cap, base * 2^(attempt-1))]
//   409 (in-flight idempotent)  the same backoff: the first request with this key is running
//   429, rate limit             retry after Retry-After (backoff when it is missing)
//   429, key blocked            stop the import: the key is blocked for Retry-After seconds
//   401, 403, 404               stop the import: wrong key, project or process (or URL)
//   200                         done
//   any other status            the chunk fails (never retried: resending cannot help)
// After `max_attempts` answers that asked for a retry the chunk fails (429s have their own,
// larger allowance: the server says when to come back, so waiting is always right).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace leadgate::import {

struct RetryConfig {
  int max_attempts = 8;                   // attempts per chunk for network errors/5xx/409
  int max_rate_limited = 100;             // 429 (rate) answers per chunk
  std::chrono::milliseconds base{200};    // first backoff bound
  std::chrono::milliseconds cap{30'000};  // largest backoff bound
};

// One attempt's outcome, as the transport saw it.
struct HttpAnswer {
  bool network_error = false;  // no complete response (connect/reset/timeout)
  std::string error;           // the transport's message when network_error
  int status = 0;
  std::optional<std::string> retry_after;       // Retry-After header
  std::optional<std::string> ratelimit;         // RateLimit header
  std::optional<std::string> ratelimit_policy;  // RateLimit-Policy header
  std::string body;
};

enum class Verdict {
  kDone,       // 200: interpret the body
  kRetry,      // send the same request again after `delay`
  kFailChunk,  // give up on this chunk: its rows are `failed` with `reason`
  kStop,       // stop the whole import with `reason`
};

struct Decision {
  Verdict verdict = Verdict::kDone;
  std::chrono::milliseconds delay{0};
  std::string code;    // for kFailChunk/kStop: http_<status>, network_error, key_blocked, ...
  std::string reason;  // human text
  std::chrono::seconds blocked_for{0};  // kStop because the key is blocked: Retry-After
};

// Counts of this chunk's earlier answers that asked for a retry.
struct AttemptCounts {
  int failures = 0;      // network errors, 5xx, 409 so far (before this answer)
  int rate_limited = 0;  // 429 rate-limit answers so far (before this answer)
};

// `uniform01` returns a uniform double in [0, 1) (injectable for tests).
Decision Decide(const HttpAnswer& answer, const AttemptCounts& counts, const RetryConfig& config,
                const std::function<double()>& uniform01);

// The full-jitter backoff after the `failures`-th failure (1-based).
std::chrono::milliseconds Backoff(int failures, const RetryConfig& config, double u01);

// Retry-After as delay-seconds (the only form leadgate sends; an HTTP date is not accepted).
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

// The "error" member of a JSON error body, or "" (for messages).
std::string ErrorText(std::string_view body);

}  // namespace leadgate::import
